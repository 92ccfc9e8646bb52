"""Classic social-navigation baselines, in numpy: a social-force robot and an ORCA robot.

- ``SocialForcePolicy`` (``social_force``): the robot is one more walker of the crowd's own
  social-force model (goal attraction, pedestrian repulsion with collision prediction,
  wall repulsion); the resulting velocity is tracked by the unicycle.
- ``OrcaPolicy`` (``orca``): optimal reciprocal collision avoidance. Every pedestrian within
  range gives one ORCA half-plane of permitted velocities (van den Berg et al. 2011, the
  RVO2 construction); among sampled reachable velocities the one closest to the preferred
  velocity that satisfies every half-plane and keeps clear of walls is chosen, or, when
  none does, the one that violates them least.
- ``sim_of(env, name)``: the simulation behind a SocialNav env (or a ``UsageError``).

Both are **privileged**: besides the observation they read the simulator's state, i.e.
the robot's pose and velocity, the goal, every pedestrian's position and velocity, and the
wall segments. They never touch rendering, and they read the state afresh on every call
(a scenario switch builds a new simulation). What each one sees and assumes is in
``docs/policies.md``.
"""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numpy as np

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.policies.builtin import wrap_angle
from robot_sf_gym_video.sim.geometry import points_to_segments
from robot_sf_gym_video.sim.simulator import Simulation

__all__ = ["OrcaPolicy", "SocialForcePolicy", "sim_of"]


def sim_of(env: gym.Env[Any, Any], name: str) -> Simulation:
    """Return the ``Simulation`` of a SocialNav env (wrappers are fine)."""
    sim = getattr(getattr(env, "unwrapped", env), "sim", None)
    if not isinstance(sim, Simulation):
        raise UsageError(
            f"policy {name!r} needs a SocialNav env (robot_sf_gym_video/SocialNav-v0); "
            f"got {type(getattr(env, 'unwrapped', env)).__name__}"
        )
    return sim


class _Tracker:
    """Turn a desired world-frame velocity into a unicycle action ``[linear, angular]``.

    Turns towards the desired heading with a proportional gain and drives at the desired
    speed scaled down by the heading error, so a large turn happens nearly on the spot.
    """

    def __init__(self, env: gym.Env[Any, Any], *, turn_gain: float = 2.5) -> None:
        self.env = getattr(env, "unwrapped", env)
        self.turn_gain = turn_gain

    @property
    def sim(self) -> Simulation:
        """The env's current simulation (a scenario switch replaces it)."""
        return self.env.sim

    def preferred_velocity(self) -> np.ndarray:
        """Full speed towards the goal, slowing so the robot can stop on it."""
        sim = self.sim
        robot = sim.robot
        gx, gy = sim.goal_xy
        to_goal = np.array((gx - robot.x, gy - robot.y))
        dist = float(np.hypot(*to_goal))
        params = robot.params
        speed = min(params.max_speed_mps, math.sqrt(2.0 * params.max_accel_mps2 * dist) + 0.2)
        return to_goal / max(dist, 1e-9) * speed

    def action(self, velocity: np.ndarray) -> np.ndarray:
        """Return the action that steers the unicycle onto ``velocity`` (world frame, m/s)."""
        sim = self.sim
        robot = sim.robot
        params = robot.params
        speed = float(np.hypot(velocity[0], velocity[1]))
        if speed < 1e-3:  # stand still, facing the goal
            gx, gy = sim.goal_xy
            heading = math.atan2(gy - robot.y, gx - robot.x)
        else:
            heading = math.atan2(velocity[1], velocity[0])
        error = float(wrap_angle(heading - robot.theta))
        angular = self.turn_gain * error / params.max_angular_speed_radps
        linear = min(speed, params.max_speed_mps) * max(math.cos(error), 0.0) ** 2
        return np.array(
            (min(linear / params.max_speed_mps, 1.0), min(max(angular, -1.0), 1.0)),
            dtype=np.float32,
        )


class SocialForcePolicy:
    """The robot walks by the crowd's social-force model (privileged: reads sim state).

    Each step it sums, with the crowd's own constants and pair interaction: the attraction
    to its goal at its preferred velocity, the repulsion (and collision prediction) of every
    pedestrian in range, scaled by ``ped_strength_factor`` because a touch ends its
    episode, and the wall repulsion. It integrates that acceleration over
    ``lookahead_s`` and tracks the resulting velocity.

    Args:
        env: A SocialNav env (wrappers are fine).
        sim: Its simulation (``sim_of(env)``), checked once at construction.
        ped_strength_factor: Pedestrian repulsion relative to the pedestrians' own.
        ped_range_m: Range ``B`` of that repulsion (the robot keeps more distance).
        lookahead_s: Time over which the force changes the commanded velocity.
    """

    def __init__(
        self,
        env: gym.Env[Any, Any],
        sim: Simulation,
        *,
        ped_strength_factor: float = 1.5,
        ped_range_m: float = 0.4,
        lookahead_s: float = 0.5,
    ) -> None:
        del sim  # checked by sim_of; the tracker reads the env's current one each call
        self.tracker = _Tracker(env)
        self.ped_strength_factor = ped_strength_factor
        self.ped_range_m = ped_range_m
        self.lookahead_s = lookahead_s

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the controller is stateless."""

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Return ``[linear, angular]`` from the forces on the robot now (``obs`` unused)."""
        sim = self.tracker.sim
        robot, crowd = sim.robot, sim.crowd
        params = crowd.params
        v = np.array(robot.velocity_xy)
        v_pref = self.tracker.preferred_velocity()
        force = (v_pref - v) / params.relaxation_time_s
        if len(crowd):
            force += self._pedestrian_force(sim, v, v_pref)
        force += self._wall_force(sim)
        return self.tracker.action(v + force * self.lookahead_s)

    def _pedestrian_force(self, sim: Simulation, v: np.ndarray, v_pref: np.ndarray) -> np.ndarray:
        robot, crowd = sim.robot, sim.crowd
        params = crowd.params
        dx = robot.x - crowd.pos[:, 0]
        dy = robot.y - crowd.pos[:, 1]
        d = np.maximum(np.hypot(dx, dy), 1e-9)
        contact = robot.params.radius_m + crowd.radius_m
        stat, pred, qx, qy = crowd.interaction(
            dx,
            dy,
            d,
            v[0] - crowd.vel[:, 0],
            v[1] - crowd.vel[:, 1],
            contact,
            self.ped_strength_factor,
            self.ped_range_m,
        )
        nx, ny = dx / d, dy / d
        e = v_pref / max(float(np.hypot(*v_pref)), 1e-9)
        half = 0.5 * (1.0 - params.anisotropy)
        w = (params.anisotropy + half) - half * (nx * e[0] + ny * e[1])
        f = stat * w + params.contact_stiffness_ps2 * np.maximum(contact - d, 0.0)
        return np.array(
            ((f * nx + pred * w * qx).sum(), (f * ny + pred * w * qy).sum()), dtype=np.float64
        )

    def _wall_force(self, sim: Simulation) -> np.ndarray:
        robot = sim.robot
        params = sim.crowd.params
        dw, nx, ny = points_to_segments(
            np.array([robot.x]), np.array([robot.y]), sim.world.segments
        )
        mag = params.wall_strength_mps2 * np.exp((robot.params.radius_m - dw) / params.wall_range_m)
        return np.array(((mag * nx).sum(), (mag * ny).sum()))


class OrcaPolicy:
    """Optimal reciprocal collision avoidance for the robot (privileged: reads sim state).

    Pedestrians within ``neighbor_range_m`` each give an ORCA half-plane for
    ``time_horizon_s``, with the robot taking ``responsibility`` of the avoidance (0.5 is
    the reciprocal share; the crowd's pedestrians do avoid the robot by default). Candidate
    velocities are sampled over headings and speeds the robot can reach; those whose
    straight path comes closer than ``wall_margin_m`` to a wall within
    ``wall_horizon_s`` are dropped. The chosen velocity is the feasible candidate closest to
    the preferred velocity, or, when none is feasible, the one with the smallest largest
    violation (RVO2's fallback for dense crowds).

    Args:
        env: A SocialNav env (wrappers are fine).
        sim: Its simulation (``sim_of(env)``), checked once at construction.
        time_horizon_s: ORCA's time horizon for pedestrians.
        responsibility: Share of the avoidance the robot takes (0.5 reciprocal, 1 all).
        safety_margin_m: Added to the combined radius of robot and pedestrian.
        neighbor_range_m: Pedestrians farther than this are ignored.
        wall_horizon_s: How far ahead (in time) candidate paths are checked against walls.
        wall_margin_m: Clearance a candidate path keeps from walls.
    """

    def __init__(
        self,
        env: gym.Env[Any, Any],
        sim: Simulation,
        *,
        time_horizon_s: float = 1.0,
        responsibility: float = 0.5,
        safety_margin_m: float = 0.1,
        neighbor_range_m: float = 5.0,
        wall_horizon_s: float = 1.0,
        wall_margin_m: float = 0.05,
    ) -> None:
        self.tracker = _Tracker(env)
        self.time_horizon_s = time_horizon_s
        self.responsibility = responsibility
        self.safety_margin_m = safety_margin_m
        self.neighbor_range_m = neighbor_range_m
        self.wall_horizon_s = wall_horizon_s
        self.wall_margin_m = wall_margin_m
        vmax = sim.robot.params.max_speed_mps
        angles = np.linspace(-np.pi, np.pi, 48, endpoint=False)
        speeds = np.linspace(vmax / 5.0, vmax, 5)
        self._unit = np.stack((np.cos(angles), np.sin(angles)), axis=1)
        self._speeds = speeds

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the controller is stateless."""

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Return ``[linear, angular]`` for the ORCA velocity now (``obs`` unused)."""
        sim = self.tracker.sim
        v_pref = self.tracker.preferred_velocity()
        candidates = self._candidates(v_pref)
        candidates = candidates[self._clear_of_walls(sim, candidates)]
        if not len(candidates):
            return self.tracker.action(np.zeros(2))
        violation = self._violation(sim, candidates)
        feasible = violation <= 0.0
        if feasible.any():
            cost = np.where(feasible, np.hypot(*(candidates - v_pref).T), np.inf)
        else:
            cost = violation
        return self.tracker.action(candidates[int(np.argmin(cost))])

    def _candidates(self, v_pref: np.ndarray) -> np.ndarray:
        grid = (self._speeds[:, None, None] * self._unit[None]).reshape(-1, 2)
        return np.concatenate((v_pref[None], grid, np.zeros((1, 2))))

    def _clear_of_walls(self, sim: Simulation, candidates: np.ndarray) -> np.ndarray:
        """Mask of candidates whose straight path stays clear of walls over the horizon."""
        robot = sim.robot
        keep = robot.params.radius_m + self.wall_margin_m
        ok = np.ones(len(candidates), dtype=bool)
        for frac in (0.25, 0.5, 1.0):
            t = self.wall_horizon_s * frac
            px = robot.x + candidates[:, 0] * t
            py = robot.y + candidates[:, 1] * t
            ok &= sim.world.clearance(px, py) >= keep
        ok[-1] = True  # standing still is always allowed
        return ok

    def _violation(self, sim: Simulation, candidates: np.ndarray) -> np.ndarray:
        """Largest ORCA half-plane violation of each candidate (<= 0: feasible)."""
        robot, crowd = sim.robot, sim.crowd
        if not len(crowd):
            return np.zeros(len(candidates))
        rel_pos = crowd.pos - np.array((robot.x, robot.y))
        near = np.hypot(rel_pos[:, 0], rel_pos[:, 1]) < self.neighbor_range_m
        if not near.any():
            return np.zeros(len(candidates))
        v = np.array(robot.velocity_xy)
        radius = robot.params.radius_m + crowd.radius_m + self.safety_margin_m
        direction, point = orca_lines(
            rel_pos[near], v - crowd.vel[near], v, radius, self.time_horizon_s, sim.dt_s
        )
        point = v + self.responsibility * (point - v)
        # det(direction, point - candidate) > 0 means the candidate is outside the plane.
        ex = point[None, :, 0] - candidates[:, None, 0]
        ey = point[None, :, 1] - candidates[:, None, 1]
        det = direction[None, :, 0] * ey - direction[None, :, 1] * ex
        return det.max(axis=1)


def orca_lines(
    rel_pos: np.ndarray,
    rel_vel: np.ndarray,
    velocity: np.ndarray,
    radius_m: float,
    horizon_s: float,
    dt_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """ORCA half-planes of one agent against many (the RVO2 construction, vectorised).

    Args:
        rel_pos: ``(M, 2)`` other agents' positions minus this agent's.
        rel_vel: ``(M, 2)`` this agent's velocity minus the others'.
        velocity: This agent's velocity ``(2,)``.
        radius_m: Combined radius of the pairs.
        horizon_s: Time horizon.
        dt_s: Time step (used for pairs already overlapping).

    Returns:
        ``(direction, point)``, each ``(M, 2)``: velocities ``v`` with
        ``det(direction, point - v) <= 0`` are permitted. ``point`` holds the full
        correction ``velocity + u``; the caller scales ``u`` by its responsibility.
    """
    px, py = rel_pos[:, 0], rel_pos[:, 1]
    dist_sq = px * px + py * py
    r_sq = radius_m * radius_m
    inv_t = np.where(dist_sq > r_sq, 1.0 / horizon_s, 1.0 / dt_s)
    wx = rel_vel[:, 0] - inv_t * px
    wy = rel_vel[:, 1] - inv_t * py
    w_len = np.maximum(np.hypot(wx, wy), 1e-9)
    ux_w, uy_w = wx / w_len, wy / w_len
    dot1 = wx * px + wy * py
    # Cut-off circle (or overlap): push out along w.
    circle = (dist_sq <= r_sq) | ((dot1 < 0.0) & (dot1 * dot1 > r_sq * w_len * w_len))
    dir_x, dir_y = uy_w.copy(), -ux_w
    scale = radius_m * inv_t - w_len
    u_x, u_y = scale * ux_w, scale * uy_w
    # Legs of the truncated cone: project the relative velocity onto the nearer leg.
    leg = np.sqrt(np.maximum(dist_sq - r_sq, 0.0))
    left = (px * wy - py * wx) > 0.0
    safe = np.maximum(dist_sq, 1e-12)
    lx = np.where(left, px * leg - py * radius_m, -(px * leg + py * radius_m)) / safe
    ly = np.where(left, px * radius_m + py * leg, -(-px * radius_m + py * leg)) / safe
    dot2 = rel_vel[:, 0] * lx + rel_vel[:, 1] * ly
    legs = ~circle
    dir_x = np.where(legs, lx, dir_x)
    dir_y = np.where(legs, ly, dir_y)
    u_x = np.where(legs, dot2 * lx - rel_vel[:, 0], u_x)
    u_y = np.where(legs, dot2 * ly - rel_vel[:, 1], u_y)
    direction = np.stack((dir_x, dir_y), axis=1)
    point = velocity[None, :] + np.stack((u_x, u_y), axis=1)
    return direction, point
