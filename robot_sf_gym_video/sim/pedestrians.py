"""Vectorised social-force pedestrians (Helbing & Molnar style, with collision prediction).

- ``SocialForceParams``: the model's constants (relaxation time, repulsion strengths and
  ranges, anisotropy, speed caps).
- ``Crowd``: positions, velocities and preferred speeds of all pedestrians, stepped with
  one vectorised force evaluation per time step.

Accelerations per pedestrian ``i`` (all ``(N,)``/``(N, N)`` numpy, no per-pedestrian loop):

- goal attraction ``(v_pref * e_i - v_i) / tau`` towards the current route target;
- pedestrian repulsion ``A exp((2r - d_ij) / B) w(phi) n_ij`` with the anisotropy
  ``w = lambda + (1 - lambda)(1 + cos phi) / 2`` (people react more to what is in front),
  plus a body force ``k (2r - d_ij)+`` when discs overlap;
- collision prediction: for approaching pairs, the same exponential evaluated at the
  predicted separation at the time of closest approach ``t*`` (capped), discounted by
  ``exp(-t*/T)``, pushing along the predicted separation; this makes people step aside
  early instead of bumping into each other;
- the robot is one more agent (its radius, its velocity), with a stronger repulsion;
- wall repulsion ``A_w exp((r - d_iw) / B_w)`` from every obstacle / bound segment.

Pairs farther apart than a perception radius (5 m) are skipped (each remaining pair is
evaluated once and its force scattered to both walkers with ``bincount``); interactions fade
out over the last metre of that radius so forces stay continuous.

Velocities are capped at ``min(factor * v_pref, max_speed)``. After the position update
every disc that overlaps a wall is projected back out and its velocity into the wall is
removed; since ``max_speed * dt`` is below the radius, nobody passes through a wall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from robot_sf_gym_video.sim.flows import FlowTable
from robot_sf_gym_video.sim.geometry import points_to_segments
from robot_sf_gym_video.sim.scenario_spec import FlowSpec
from robot_sf_gym_video.sim.world import World

__all__ = ["Crowd", "SocialForceParams"]


@dataclass(frozen=True)
class SocialForceParams:
    """Constants of the social-force model (accelerations per unit mass).

    Attributes:
        relaxation_time_s: Time to regain the preferred velocity (``tau``).
        max_speed_factor: Speed cap as a multiple of each walker's preferred speed.
        max_speed_mps: Absolute speed cap; keep ``max_speed_mps * dt`` below the radius.
        ped_strength_mps2: ``A`` of pedestrian-pedestrian repulsion.
        ped_range_m: ``B`` of pedestrian-pedestrian repulsion.
        anisotropy: ``lambda``: weight of interactions behind a walker (1 = isotropic).
        predict_strength_mps2: Strength of the collision-prediction term.
        predict_range_m: Range of the collision-prediction term.
        predict_horizon_s: Closest-approach times are capped at this horizon.
        predict_decay_s: Prediction force decays as ``exp(-t*/decay)``.
        contact_stiffness_ps2: Body force per metre of overlap.
        wall_strength_mps2: ``A_w`` of wall repulsion.
        wall_range_m: ``B_w`` of wall repulsion.
        robot_strength_factor: Robot repulsion relative to pedestrian repulsion.
        robot_range_m: Range ``B`` of the robot's repulsion (people keep more distance).
        arrival_radius_m: A route target counts as reached within this distance.
        slowdown_distance_m: Walkers slow down linearly inside this distance to a target.
        perception_radius_m: Pedestrians (and the robot) farther apart ignore each other.
        taper_width_m: Interactions fade out linearly over this last stretch of the
            perception radius, so forces never jump.
    """

    relaxation_time_s: float = 0.5
    max_speed_factor: float = 1.3
    max_speed_mps: float = 2.0
    ped_strength_mps2: float = 2.0
    ped_range_m: float = 0.3
    anisotropy: float = 0.3
    predict_strength_mps2: float = 2.0
    predict_range_m: float = 0.4
    predict_horizon_s: float = 3.0
    predict_decay_s: float = 1.5
    contact_stiffness_ps2: float = 25.0
    wall_strength_mps2: float = 6.0
    wall_range_m: float = 0.2
    robot_strength_factor: float = 2.0
    robot_range_m: float = 0.4
    arrival_radius_m: float = 0.6
    slowdown_distance_m: float = 0.5
    perception_radius_m: float = 5.0
    taper_width_m: float = 1.0


class Crowd:
    """All pedestrians of an episode, stepped by the social-force model.

    Args:
        params: Model constants.
        world: The static map (walls repel and block pedestrians).
        flows: The scenario's pedestrian flows.
        ped_radius_m: Radius of every pedestrian.
        robot_visible: False: pedestrians ignore the robot (no robot force at all).
    """

    def __init__(
        self,
        params: SocialForceParams,
        world: World,
        flows: Sequence[FlowSpec],
        ped_radius_m: float,
        robot_visible: bool = True,
    ) -> None:
        self.params = params
        self.robot_visible = robot_visible
        self.world = world
        self.radius_m = float(ped_radius_m)
        self.flows = FlowTable(flows, world, self.radius_m, params.arrival_radius_m)
        self.pos = np.zeros((0, 2))
        self.vel = np.zeros((0, 2))
        self.speed_pref = np.zeros(0)
        self.speed_max = np.zeros(0)
        self._wall = (np.zeros((0, 0)),) * 3
        self._upper_mask = np.zeros((0, 0), dtype=bool)

    def __len__(self) -> int:
        return len(self.pos)

    def reset(
        self, rng: np.random.Generator, robot_xy: tuple[float, float], keep_out_m: float
    ) -> None:
        """Place the crowd for a new episode, walking towards their first targets."""
        self.pos = self.flows.place(rng, robot_xy, keep_out_m)
        n = len(self.pos)
        mean = np.array([self.flows.flows[f].speed_mean_mps for f in self.flows.flow_id])
        std = np.array([self.flows.flows[f].speed_std_mps for f in self.flows.flow_id])
        mean, std = mean.reshape(n), std.reshape(n)
        self.speed_pref = np.clip(mean + std * rng.standard_normal(n), 0.3, 1.8)
        p = self.params
        self.speed_max = np.minimum(p.max_speed_factor * self.speed_pref, p.max_speed_mps)
        to_target = self.flows.target - self.pos
        norm = np.maximum(np.hypot(to_target[:, 0], to_target[:, 1]), 1e-9)
        self.vel = to_target / norm[:, None] * self.speed_pref[:, None]
        self._wall = points_to_segments(self.pos[:, 0], self.pos[:, 1], self.world.segments)

    def set_state(
        self,
        pos: np.ndarray,
        vel: np.ndarray | None = None,
        targets: np.ndarray | None = None,
    ) -> None:
        """Overwrite positions (and optionally velocities and targets) of the crowd.

        For tests and hand-made situations: the number of pedestrians cannot change, and
        the wall-distance cache is refreshed so the next step sees the new positions. The
        arrays are copied in C order (a transposed input is Fortran-ordered), as every
        crowd array is: the video hand-over reads their buffers as they are
        (``sim.snapshot.pack_live_state``).
        """
        pos = np.array(pos, dtype=np.float64, order="C").reshape(-1, 2)
        if pos.shape != self.pos.shape:
            raise ValueError(f"expected positions of shape {self.pos.shape}, got {pos.shape}")
        self.pos = pos
        if vel is not None:
            self.vel = np.array(vel, dtype=np.float64, order="C").reshape(pos.shape)
        if targets is not None:
            self.flows.target[:] = np.asarray(targets, dtype=np.float64).reshape(pos.shape)
            self.flows.pass_dir[:] = 0.0
        self._wall = points_to_segments(self.pos[:, 0], self.pos[:, 1], self.world.segments)

    def _acceleration(
        self,
        robot_xy: tuple[float, float],
        robot_v: tuple[float, float],
        robot_radius_m: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Total social-force acceleration ``(ax, ay)`` of every pedestrian."""
        p = self.params
        r = self.radius_m
        n = len(self.pos)
        px, py = self.pos[:, 0], self.pos[:, 1]
        vx, vy = self.vel[:, 0], self.vel[:, 1]
        tx = self.flows.target[:, 0] - px
        ty = self.flows.target[:, 1] - py
        dist_t = np.maximum(np.sqrt(tx * tx + ty * ty), 1e-9)
        ex, ey = tx / dist_t, ty / dist_t
        v_des = self.speed_pref * np.minimum(dist_t * (1.0 / p.slowdown_distance_m), 1.0)
        inv_tau = 1.0 / p.relaxation_time_s
        ax = (v_des * ex - vx) * inv_tau
        ay = (v_des * ey - vy) * inv_tau

        # Pedestrian pairs i < j within the perception radius; each pair is evaluated once
        # and its (anisotropically weighted) force added to both walkers with bincount.
        dxm = px[:, None] - px
        dym = py[:, None] - py
        d2m = dxm * dxm
        d2m += dym * dym
        mask = d2m < p.perception_radius_m**2
        mask &= self._upper(n)
        flat = np.flatnonzero(mask)
        if len(flat):
            i = flat // n
            j = flat - i * n
            dx, dy = dxm.ravel()[flat], dym.ravel()[flat]
            d = np.sqrt(d2m.ravel()[flat])
            nx, ny = dx / d, dy / d
            stat, pred, qx, qy = self._interaction(
                dx, dy, d, vx[i] - vx[j], vy[i] - vy[j], 2.0 * r, 1.0, p.ped_range_m
            )
            half = 0.5 * (1.0 - p.anisotropy)
            w_i = (p.anisotropy + half) - half * (nx * ex[i] + ny * ey[i])
            w_j = (p.anisotropy + half) + half * (nx * ex[j] + ny * ey[j])
            contact = p.contact_stiffness_ps2 * np.maximum(2.0 * r - d, 0.0)
            f_i, f_j = stat * w_i + contact, stat * w_j + contact
            p_i, p_j = pred * w_i, pred * w_j
            ax += np.bincount(i, f_i * nx + p_i * qx, n) - np.bincount(j, f_j * nx + p_j * qx, n)
            ay += np.bincount(i, f_i * ny + p_i * qy, n) - np.bincount(j, f_j * ny + p_j * qy, n)

        if self.robot_visible:
            self._add_robot_force(ax, ay, ex, ey, robot_xy, robot_v, robot_radius_m)

        # Walls and obstacles, from the distances cached after the last projection.
        dw, nwx, nwy = self._wall
        if dw.size:
            mag = np.exp((r - dw) * (1.0 / p.wall_range_m))
            mag *= p.wall_strength_mps2
            ax += (mag * nwx).sum(axis=1)
            ay += (mag * nwy).sum(axis=1)
        return ax, ay

    def _add_robot_force(
        self,
        ax: np.ndarray,
        ay: np.ndarray,
        ex: np.ndarray,
        ey: np.ndarray,
        robot_xy: tuple[float, float],
        robot_v: tuple[float, float],
        robot_radius_m: float,
    ) -> None:
        """Add, in place, the robot's push on every pedestrian (``ex, ey``: walking direction).

        The robot is one more agent with its own radius and velocity, and a stronger,
        longer-ranged repulsion than a pedestrian's (``robot_strength_factor``).
        """
        p = self.params
        r = self.radius_m
        px, py = self.pos[:, 0], self.pos[:, 1]
        vx, vy = self.vel[:, 0], self.vel[:, 1]
        rdx = px - robot_xy[0]
        rdy = py - robot_xy[1]
        rd = np.maximum(np.sqrt(rdx * rdx + rdy * rdy), 1e-9)
        nx, ny = rdx / rd, rdy / rd
        stat, pred, qx, qy = self._interaction(
            rdx,
            rdy,
            rd,
            vx - robot_v[0],
            vy - robot_v[1],
            r + robot_radius_m,
            p.robot_strength_factor,
            p.robot_range_m,
        )
        half = 0.5 * (1.0 - p.anisotropy)
        w = (p.anisotropy + half) - half * (nx * ex + ny * ey)
        f = stat * w + p.contact_stiffness_ps2 * np.maximum(r + robot_radius_m - rd, 0.0)
        ax += f * nx + pred * w * qx
        ay += f * ny + pred * w * qy

    def _upper(self, n: int) -> np.ndarray:
        """Return the cached strict upper-triangle mask ``(n, n)`` (each unordered pair once)."""
        if self._upper_mask.shape != (n, n):
            self._upper_mask = np.triu(np.ones((n, n), dtype=bool), 1)
        return self._upper_mask

    def interaction(
        self,
        dx: np.ndarray,
        dy: np.ndarray,
        d: np.ndarray,
        dvx: np.ndarray,
        dvy: np.ndarray,
        contact_m: float,
        strength: float,
        range_m: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return the model's pair interaction (``_interaction``) for an agent outside the crowd.

        The ``social_force`` robot policy moves by the same model as the pedestrians; it
        asks the crowd for the forces rather than keeping a second copy of the formula.
        """
        return self._interaction(dx, dy, d, dvx, dvy, contact_m, strength, range_m)

    def _interaction(
        self,
        dx: np.ndarray,
        dy: np.ndarray,
        d: np.ndarray,
        dvx: np.ndarray,
        dvy: np.ndarray,
        contact_m: float,
        strength: float,
        range_m: float,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Unweighted magnitudes of one set of interactions (1-D arrays, one per pair).

        ``dx, dy, d`` point from the other agent to the pedestrian, ``dvx, dvy`` are the
        relative velocities (pedestrian minus other).

        Returns:
            ``(static, predicted, qx, qy)``: the static repulsion magnitude (along the unit
            separation), and the prediction term already divided by ``|q|`` so that
            ``predicted * q`` is its force, where ``q`` is the predicted separation at the
            time of closest approach. Both fade out linearly over the last metre of the
            perception radius, so no force jumps when a pair enters it.
        """
        p = self.params
        taper = (p.perception_radius_m - d) * (1.0 / p.taper_width_m)
        taper = np.minimum(np.maximum(taper, 0.0), 1.0)
        static = np.exp((contact_m - d) * (1.0 / range_m))
        static *= (strength * p.ped_strength_mps2) * taper
        closing = dx * dvx + dy * dvy
        t_star = -closing / (dvx * dvx + dvy * dvy + 1e-9)
        t_star = np.minimum(np.maximum(t_star, 0.0), p.predict_horizon_s)
        qx = dx + dvx * t_star
        qy = dy + dvy * t_star
        q = np.maximum(np.sqrt(qx * qx + qy * qy), 1e-6)
        expo = (contact_m - q) * (1.0 / p.predict_range_m) - t_star * (1.0 / p.predict_decay_s)
        pred = np.exp(np.minimum(expo, 5.0))
        pred *= (strength * p.predict_strength_mps2) * (closing < 0.0) * taper / q
        return static, pred, qx, qy

    def step(
        self,
        dt_s: float,
        rng: np.random.Generator,
        robot_xy: tuple[float, float],
        robot_v: tuple[float, float],
        robot_radius_m: float,
        keep_out_m: float,
    ) -> None:
        """Advance every pedestrian by ``dt_s`` and recycle those at their goals."""
        if len(self.pos) == 0:
            return
        ax, ay = self._acceleration(robot_xy, robot_v, robot_radius_m)
        vel = self.vel
        vel[:, 0] += ax * dt_s
        vel[:, 1] += ay * dt_s
        speed = np.hypot(vel[:, 0], vel[:, 1])
        scale = np.minimum(1.0, self.speed_max / np.maximum(speed, 1e-12))
        vel *= scale[:, None]
        self.pos += vel * dt_s
        self._project_out_of_walls()
        moved = self.flows.update_arrivals(
            self.pos, vel, self.speed_pref, rng, robot_xy, keep_out_m
        )
        if moved:
            self._wall = points_to_segments(self.pos[:, 0], self.pos[:, 1], self.world.segments)

    def _project_out_of_walls(self) -> None:
        """Push overlapping discs out of walls and drop their velocity into the wall.

        The wall distances are cached for the next step's wall force; after a push the
        pushed distances are set to the radius (where the push put them) instead of being
        measured again.
        """
        dw, nx, ny = points_to_segments(self.pos[:, 0], self.pos[:, 1], self.world.segments)
        pen = self.radius_m - dw
        inside = pen > 0.0
        if inside.any():
            pen *= inside
            self.pos[:, 0] += (pen * nx).sum(axis=1)
            self.pos[:, 1] += (pen * ny).sum(axis=1)
            inward = np.minimum(self.vel[:, :1] * nx + self.vel[:, 1:] * ny, 0.0) * inside
            self.vel[:, 0] -= (inward * nx).sum(axis=1)
            self.vel[:, 1] -= (inward * ny).sum(axis=1)
            dw = np.maximum(dw, self.radius_m)
        self._wall = (dw, nx, ny)
