"""What renderers and recorders see of an episode, read from the live simulation.

- ``static_scene(sim, spec, max_steps)``: the parts of an episode that never move.
- ``frame_snapshot(sim, step, outcome, marks)``: the moving state after one step.
- ``packed_state(sim, step, outcome, marks, lidar=True, cursor=None)``: the same state as
  packed bytes, straight from the live arrays (``lidar=False`` leaves the ranges out; a
  ``cursor`` sends only the trail points it has not been sent).

Why a module of its own: these functions only read the simulation and never touch the
random generator, so capturing frames cannot change an episode; keeping them apart from
``SocialNavEnv`` makes that one-way dependency easy to see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from robot_sf_gym_video.sim.snapshot import (
    EventMark,
    FrameSnapshot,
    StaticScene,
    pack_live_state,
)

if TYPE_CHECKING:
    from robot_sf_gym_video.sim.scenarios import ScenarioSpec
    from robot_sf_gym_video.sim.simulator import Simulation
    from robot_sf_gym_video.sim.trail import TrailCursor

__all__ = ["NO_RANGES", "frame_snapshot", "packed_state", "static_scene"]

#: The lidar part of a snapshot packed without lidar.
NO_RANGES = np.zeros(0)


def static_scene(sim: Simulation, spec: ScenarioSpec, max_steps: int) -> StaticScene:
    """Return the parts of the current episode that never move."""
    return StaticScene(
        scenario=spec.name,
        bounds_m=sim.world.bounds_m,
        obstacles_m=sim.world.obstacles_m,
        goal_xy_m=sim.goal_xy,
        goal_radius_m=spec.robot.goal_radius_m,
        start_xy_m=sim.start_xy,
        robot_radius_m=sim.robot.params.radius_m,
        ped_radius_m=spec.ped_radius_m,
        dt_s=sim.dt_s,
        max_steps=max_steps,
        lidar_angles_rad=sim.lidar.angles_rad,
        lidar_max_range_m=sim.lidar.max_range_m,
    )


def frame_snapshot(
    sim: Simulation, step: int, outcome: str | None, marks: tuple[EventMark, ...]
) -> FrameSnapshot:
    """Return the moving state after ``step`` (its arrays copied by ``FrameSnapshot``)."""
    robot = sim.robot
    return FrameSnapshot(
        step=step,
        time_s=step * sim.dt_s,
        robot_pose=np.array((robot.x, robot.y, robot.theta)),
        robot_velocity=np.array((robot.v, robot.omega)),
        ped_positions_m=sim.crowd.pos,
        ped_velocities_mps=sim.crowd.vel,
        trail_m=sim.trail.view(),
        lidar_ranges_m=sim.lidar_ranges_m,
        collision=sim.collision,
        outcome=outcome,
        marks=marks,
    )


def packed_state(
    sim: Simulation,
    step: int,
    outcome: str | None,
    marks: tuple[EventMark, ...],
    lidar: bool = True,
    cursor: TrailCursor | None = None,
) -> bytes:
    """Return the packed snapshot of the live state without building a ``FrameSnapshot``.

    With a ``cursor`` the trail is a delta: only the points the cursor lacks (then marked
    sent), for a reader that keeps the others (``sim.snapshot_stream.SnapshotDecoder``).
    """
    robot, trail = sim.robot, sim.trail
    return pack_live_state(
        step,
        step * sim.dt_s,
        (robot.x, robot.y, robot.theta, robot.v, robot.omega),
        sim.crowd.pos,
        sim.crowd.vel,
        trail.view(),
        sim.lidar_ranges_m if lidar else NO_RANGES,
        sim.collision,
        outcome,
        marks,
        None if cursor is None else trail.unsent(cursor),
    )
