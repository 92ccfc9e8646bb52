"""One scenario's world stepped in time: robot, crowd, collisions, lidar and trail.

- ``SimConfig``: everything about the simulation that is not scenario data (time step,
  robot limits, social-force constants, lidar, trail length).
- ``Simulation``: ``reset(rng)`` draws the jittered start/goal and places the crowd;
  ``step(linear, angular)`` moves robot and crowd by one ``dt`` and updates collision,
  goal distance, clearances and the lidar scan. It knows nothing of Gymnasium or drawing.

Order inside a step: the robot follows its (acceleration-limited) command, pedestrians
react to the robot's new position and velocity, then collisions, distances and the lidar
are evaluated on the new state. Determinism: every random draw comes from the generator
given to ``reset`` (the env's ``np_random``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from robot_sf_gym_video.sim.geometry import point_segment_nearest
from robot_sf_gym_video.sim.lidar import Lidar
from robot_sf_gym_video.sim.pedestrians import Crowd, SocialForceParams
from robot_sf_gym_video.sim.robot import Robot, RobotParams
from robot_sf_gym_video.sim.scenario_spec import ScenarioSpec
from robot_sf_gym_video.sim.trail import Trail
from robot_sf_gym_video.sim.world import World

__all__ = ["SimConfig", "Simulation"]

logger = logging.getLogger(__name__)

_SPAWN_KEEP_OUT_M = 1.0  # extra gap between the robot's start and the initial crowd
_RESPAWN_KEEP_OUT_M = 0.5  # extra gap between the robot and a respawning walker


@dataclass(frozen=True)
class SimConfig:
    """Simulation settings that are not part of a scenario.

    Attributes:
        dt_s: Time step; the env's ``render_fps`` is ``1 / dt_s``.
        robot: Robot radius and kinematic limits.
        pedestrians: Social-force constants.
        lidar_num_rays: Rays of the 360-degree lidar.
        lidar_max_range_m: Lidar range cap.
        trail_length: Number of recent robot positions kept for drawing.
    """

    dt_s: float = 0.1
    robot: RobotParams = field(default_factory=RobotParams)
    pedestrians: SocialForceParams = field(default_factory=SocialForceParams)
    lidar_num_rays: int = 72
    lidar_max_range_m: float = 10.0
    trail_length: int = 200


class Simulation:
    """The moving world of one scenario.

    Attributes (valid after ``reset``):
        start_xy, goal_xy: This episode's jittered start and goal.
        collision: ``"pedestrian"``, ``"obstacle"`` or None for the latest step.
        goal_distance_m: Robot centre to goal centre.
        closest_ped_distance_m: Robot-to-nearest-pedestrian surface distance (inf if none).
        obstacle_clearance_m: Robot surface to nearest wall or obstacle edge.
        closest_ped_index: Crowd index of the closest pedestrian (None: empty crowd).
        nearest_wall: ``("obstacle", index)`` or ``("wall", side)`` of the nearest edge.
        contact: What the robot collides with this step, as ``(type, id)`` (None if
            nothing): ``("pedestrian", crowd index)``, ``("obstacle", index)`` or
            ``("wall", side)`` (see ``World.segment_owner``).
        lidar_ranges_m: Latest scan, ``(num_rays,)``.
    """

    def __init__(self, spec: ScenarioSpec, config: SimConfig | None = None) -> None:
        self.spec = spec
        self.config = config or SimConfig()
        self.world = World(spec.bounds_m, [np.asarray(o) for o in spec.obstacles_m])
        self.robot = Robot(self.config.robot)
        self.crowd = Crowd(
            self.config.pedestrians,
            self.world,
            spec.flows,
            spec.ped_radius_m,
            robot_visible=spec.robot_visible,
        )
        self.lidar = Lidar(self.config.lidar_num_rays, self.config.lidar_max_range_m)
        self.trail = Trail(self.config.trail_length)
        self.start_xy = spec.robot.start_m
        self.goal_xy = spec.robot.goal_m
        self.collision: str | None = None
        self.contact: tuple[str, int] | None = None
        self.closest_ped_index: int | None = None
        self.nearest_wall: tuple[str, int] | None = None
        self.goal_distance_m = math.inf
        self.closest_ped_distance_m = math.inf
        self.obstacle_clearance_m = math.inf
        self.lidar_ranges_m = np.full(self.lidar.num_rays, self.lidar.max_range_m)
        self._rng = np.random.default_rng(0)

    @property
    def dt_s(self) -> float:
        """Simulation time step in seconds."""
        return self.config.dt_s

    def _jittered(
        self, rng: np.random.Generator, nominal: tuple[float, float], jitter_m: float
    ) -> tuple[float, float]:
        """Draw a free point within ``jitter_m`` of ``nominal`` (the nominal one if none fits)."""
        if jitter_m <= 0.0:
            return (float(nominal[0]), float(nominal[1]))
        r = np.sqrt(rng.random(16)) * jitter_m
        a = rng.random(16) * (2.0 * np.pi)
        xs = nominal[0] + r * np.cos(a)
        ys = nominal[1] + r * np.sin(a)
        free = self.world.is_free(xs, ys, self.robot.params.radius_m + 0.05)
        if not free.any():
            return (float(nominal[0]), float(nominal[1]))
        j = int(np.argmax(free))
        return (float(xs[j]), float(ys[j]))

    def reset(self, rng: np.random.Generator) -> None:
        """Start a new episode: jittered start, goal and heading, then a fresh crowd.

        ``rng`` is kept for the random draws of later steps (pedestrian recycling).
        """
        self._rng = rng
        spec = self.spec.robot
        self.start_xy = self._jittered(rng, spec.start_m, spec.start_jitter_m)
        self.goal_xy = self._jittered(rng, spec.goal_m, spec.goal_jitter_m)
        if spec.heading_rad is None:
            heading = math.atan2(
                self.goal_xy[1] - self.start_xy[1], self.goal_xy[0] - self.start_xy[0]
            )
        else:
            heading = spec.heading_rad
        if spec.heading_jitter_rad > 0.0:
            heading += float(rng.uniform(-spec.heading_jitter_rad, spec.heading_jitter_rad))
        self.robot.reset(self.start_xy[0], self.start_xy[1], heading)
        keep_out = self.robot.params.radius_m + self.crowd.radius_m + _SPAWN_KEEP_OUT_M
        self.crowd.reset(rng, self.start_xy, keep_out)
        if len(self.crowd) < self.spec.ped_count:
            logger.warning(
                "scenario %r: placed %d of %d pedestrians (no free spot for the rest)",
                self.spec.name,
                len(self.crowd),
                self.spec.ped_count,
            )
        self.trail.clear()
        self.trail.push(self.robot.x, self.robot.y)
        self.refresh()

    def step(self, linear: float, angular: float) -> None:
        """Advance one ``dt``: robot command (normalised), crowd, then sensing."""
        robot = self.robot
        v_target, w_target = robot.command(linear, angular)
        robot.step(v_target, w_target, self.dt_s)
        keep_out = robot.params.radius_m + self.crowd.radius_m + _RESPAWN_KEEP_OUT_M
        self.crowd.step(
            self.dt_s,
            self._rng,
            (robot.x, robot.y),
            robot.velocity_xy,
            robot.params.radius_m,
            keep_out,
        )
        self.trail.push(robot.x, robot.y)
        self.refresh()

    def refresh(self) -> None:
        """Recompute collision, distances and the lidar scan for the current state.

        Steps and resets call this; call it yourself after editing the state by hand.
        """
        robot = self.robot
        r_robot = robot.params.radius_m
        x, y = robot.x, robot.y
        self.goal_distance_m = math.hypot(self.goal_xy[0] - x, self.goal_xy[1] - y)
        wall_m, segment = point_segment_nearest(x, y, self.world.segments)
        self.obstacle_clearance_m = wall_m - r_robot
        pos = self.crowd.pos
        self.closest_ped_index = None
        if len(pos):
            centre = np.hypot(pos[:, 0] - x, pos[:, 1] - y)
            self.closest_ped_index = int(centre.argmin())
            self.closest_ped_distance_m = float(centre[self.closest_ped_index]) - r_robot
            self.closest_ped_distance_m -= self.crowd.radius_m
        else:
            self.closest_ped_distance_m = math.inf
        self.nearest_wall = self.world.segment_owner[segment] if segment >= 0 else None
        if self.closest_ped_distance_m < 0.0:
            self.collision = "pedestrian"
            self.contact = ("pedestrian", self.closest_ped_index)
        elif self.obstacle_clearance_m < 0.0:
            self.collision = "obstacle"
            self.contact = self.nearest_wall
        else:
            self.collision = None
            self.contact = None
        self.lidar_ranges_m = self.lidar.scan(
            x, y, robot.theta, self.world.segments, pos, self.crowd.radius_m
        )

    @property
    def goal_reached(self) -> bool:
        """Robot centre within the goal radius."""
        return self.goal_distance_m <= self.spec.robot.goal_radius_m
