"""Where pedestrians walk: routes, wander areas, initial placement and recycling.

- ``FlowTable``: the scenario's flows packed into padded numpy arrays plus per-pedestrian
  route state (flow, waypoint index, direction, lane offset, current target). It places the
  crowd at reset and, every step, advances the pedestrians that reached their target:
  next waypoint, turn around (``reverse``), reappear at the route start (``respawn``) or
  pick a new random point (``wander``). That keeps the crowd density constant through an
  episode.

Arrival handling is vectorised over the (few) arrived pedestrians; random draws happen in a
fixed order, so everything is deterministic given the ``numpy.random.Generator``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from robot_sf_gym_video.sim.scenario_spec import FLOW_MODES, FlowSpec
from robot_sf_gym_video.sim.world import World

__all__ = ["FlowTable"]

_RESPAWN, _REVERSE, _WANDER = (FLOW_MODES.index(m) for m in ("respawn", "reverse", "wander"))
_POOL_SIZE = 1024  # free destinations drawn per wander flow and episode
_PASS_RADIUS_M = 1.5  # an intermediate waypoint walked past within this distance is reached


def _waypoint_normals(route: Sequence[tuple[float, float]]) -> np.ndarray:
    """Return unit left normals at each waypoint (mean of the adjacent segments' normals).

    A walker's lane is its route shifted along these normals by its own lateral offset.
    """
    wp = np.asarray(route, dtype=np.float64)
    seg = wp[1:] - wp[:-1]
    seg /= np.maximum(np.hypot(seg[:, 0], seg[:, 1]), 1e-12)[:, None]
    seg_n = np.stack((-seg[:, 1], seg[:, 0]), axis=1)
    normals = np.concatenate((seg_n[:1], seg_n[:-1] + seg_n[1:], seg_n[-1:]))
    norm = np.hypot(normals[:, 0], normals[:, 1])
    # A U-turn cancels the two normals; fall back to the incoming segment's normal there.
    bad = norm < 1e-6
    normals[bad] = np.concatenate((seg_n[:1], seg_n))[bad]
    norm[bad] = 1.0
    return normals / norm[:, None]


class FlowTable:
    """Routes of every flow and the route state of every pedestrian.

    Args:
        flows: The scenario's flows.
        world: The map (used to keep spawn points and wander targets in free space).
        ped_radius_m: Pedestrian radius.
        arrival_radius_m: A target counts as reached within this distance.
    """

    def __init__(
        self,
        flows: Sequence[FlowSpec],
        world: World,
        ped_radius_m: float,
        arrival_radius_m: float = 0.6,
    ) -> None:
        self.world = world
        self.ped_radius_m = ped_radius_m
        self.arrival_radius_m = arrival_radius_m
        n_flows = len(flows)
        max_wp = max([len(f.route_m) for f in flows] + [1])
        self.routes = np.zeros((n_flows, max_wp, 2))
        self.route_len = np.zeros(n_flows, dtype=np.int64)
        self.mode = np.zeros(n_flows, dtype=np.int64)
        self.area = np.zeros((n_flows, 4))
        self.jitter = np.zeros(n_flows)
        self.normals = np.zeros((n_flows, max_wp, 2))
        for i, flow in enumerate(flows):
            self.route_len[i] = len(flow.route_m)
            if flow.route_m:
                self.routes[i, : len(flow.route_m)] = flow.route_m
                self.normals[i, : len(flow.route_m)] = _waypoint_normals(flow.route_m)
            self.mode[i] = FLOW_MODES.index(flow.mode)
            if flow.area_m is not None:
                self.area[i] = flow.area_m
            self.jitter[i] = flow.jitter_m
        self.flows = tuple(flows)
        self.flow_id = np.zeros(0, dtype=np.int64)
        self.wp_idx = np.zeros(0, dtype=np.int64)
        self.direction = np.zeros(0, dtype=np.int64)
        self.lateral = np.zeros(0)
        self.target = np.zeros((0, 2))
        self.pass_dir = np.zeros((0, 2))
        self._pools: list[np.ndarray] = []
        x0, y0, x1, y1 = world.bounds_m
        margin = ped_radius_m + 0.1
        self._lo = np.array([x0 + margin, y0 + margin])
        self._hi = np.array([x1 - margin, y1 - margin])

    def _clamp(self, pts: np.ndarray) -> np.ndarray:
        """Keep points (targets, spawn spots) inside the bounds with a body's margin."""
        return np.minimum(np.maximum(pts, self._lo), self._hi)

    def _lane_point(self, f: np.ndarray, k: np.ndarray, lateral: np.ndarray) -> np.ndarray:
        """Waypoint ``k`` of flows ``f`` shifted sideways by ``lateral`` metres, clamped."""
        return self._clamp(self.routes[f, k] + self.normals[f, k] * lateral[..., None])

    # ------------------------------------------------------------------ placement
    def _free(self, pts: np.ndarray, placed: np.ndarray, keep_out: tuple[float, float, float]):
        """Mask of candidate points clear of walls, placed pedestrians and the robot."""
        r = self.ped_radius_m
        ok = self.world.is_free(pts[:, 0], pts[:, 1], r + 0.05)
        rx, ry, rd = keep_out
        ok &= np.hypot(pts[:, 0] - rx, pts[:, 1] - ry) >= rd
        if len(placed):
            d = np.hypot(pts[:, None, 0] - placed[None, :, 0], pts[:, None, 1] - placed[None, :, 1])
            ok &= d.min(axis=1) >= 2.0 * r + 0.1
        return ok

    def _route_candidates(
        self, f: int, rng: np.random.Generator, n: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``n`` candidate (point, segment index, lateral offset) on route ``f``.

        Points are uniform along the route's length, shifted sideways within the lane.
        """
        wp = self.routes[f, : self.route_len[f]]
        seg_len = np.hypot(*(wp[1:] - wp[:-1]).T)
        cum = np.cumsum(seg_len)
        s = rng.random(n) * cum[-1]
        k = np.minimum(np.searchsorted(cum, s, side="right"), len(seg_len) - 1)
        t = (s - (cum[k] - seg_len[k])) / np.maximum(seg_len[k], 1e-12)
        lateral = rng.uniform(-1.0, 1.0, n) * self.jitter[f]
        seg = wp[k + 1] - wp[k]
        seg_n = np.stack((-seg[:, 1], seg[:, 0]), axis=1) / np.maximum(seg_len[k], 1e-12)[:, None]
        pts = self._clamp(wp[k] + t[:, None] * seg + seg_n * lateral[:, None])
        return pts, k, lateral

    def _pick_spread(self, pts: np.ndarray, ok: np.ndarray, need: int) -> list[int]:
        """Greedily choose up to ``need`` of the valid candidates that keep apart.

        Candidates are taken in draw order; each chosen one blocks every candidate within a
        body's width of it (one vectorised distance row per chosen walker).
        """
        gap_sq = (2.0 * self.ped_radius_m + 0.1) ** 2
        px, py = pts[:, 0], pts[:, 1]
        blocked = ~ok
        chosen: list[int] = []
        while len(chosen) < need:
            free = np.flatnonzero(~blocked)
            if len(free) == 0:
                break
            k = int(free[0])
            chosen.append(k)
            dx = px - px[k]
            dy = py - py[k]
            blocked |= dx * dx + dy * dy < gap_sq
        return chosen

    def place(
        self, rng: np.random.Generator, robot_xy: tuple[float, float], keep_out_m: float
    ) -> np.ndarray:
        """Place every flow's pedestrians for a new episode; returns positions ``(N, 2)``.

        Pedestrians are spread along their routes (or areas) from the first step, off the
        walls, apart from each other and at least ``keep_out_m`` from the robot: each flow
        draws a batch of candidate spots and keeps a greedy, non-overlapping selection. A
        walker for whom no free spot turns up in a few batches is left out (the caller
        logs the shortfall).
        """
        keep_out = (float(robot_xy[0]), float(robot_xy[1]), float(keep_out_m))
        placed = np.zeros((0, 2))
        flow_id, wp_idx, direction, laterals = [], [], [], []
        self._pools = [self._wander_pool(f, rng) for f in range(len(self.flows))]
        for f, flow in enumerate(self.flows):
            need = flow.count
            for _attempt in range(4):
                if need == 0:
                    break
                n = max(8 * need, 32)
                if self.mode[f] == _WANDER:
                    pts = self._area_points(f, rng, n)
                    k = np.zeros(n, dtype=np.int64)
                    lateral = np.zeros(n)
                else:
                    pts, k, lateral = self._route_candidates(f, rng, n)
                forward = (self.mode[f] != _REVERSE) | (rng.random(n) < 0.5)
                chosen = self._pick_spread(pts, self._free(pts, placed, keep_out), need)
                need -= len(chosen)
                placed = np.concatenate((placed, pts[chosen]))
                flow_id += [f] * len(chosen)
                wp_idx += [int(k[j]) + 1 if forward[j] else int(k[j]) for j in chosen]
                direction += [1 if forward[j] else -1 for j in chosen]
                laterals += [float(lateral[j]) for j in chosen]
        self.flow_id = np.array(flow_id, dtype=np.int64)
        self.wp_idx = np.array(wp_idx, dtype=np.int64)
        self.direction = np.array(direction, dtype=np.int64)
        self.lateral = np.array(laterals, dtype=np.float64)
        self.target = np.zeros((len(placed), 2))
        self.pass_dir = np.zeros_like(self.target)
        wander = self.mode[self.flow_id] == _WANDER
        self._retarget(np.flatnonzero(~wander))
        for f in np.unique(self.flow_id[wander]):
            group = np.flatnonzero(self.flow_id == f)
            self.target[group] = self._wander_targets(int(f), rng, len(group))
        return placed

    def _area_points(self, f: int, rng: np.random.Generator, n: int) -> np.ndarray:
        x0, y0, x1, y1 = self.area[f]
        return np.stack((rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)), axis=1)

    def _wander_pool(self, f: int, rng: np.random.Generator) -> np.ndarray:
        """Free points of flow ``f``'s area drawn once per episode (wander destinations)."""
        if self.mode[f] != _WANDER:
            return np.zeros((0, 2))
        pts = self._area_points(f, rng, _POOL_SIZE)
        free = pts[self.world.is_free(pts[:, 0], pts[:, 1], self.ped_radius_m + 0.1)]
        return self._clamp(free if len(free) else pts)

    def _wander_targets(self, f: int, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` random destinations from flow ``f``'s pool of free points."""
        pool = self._pools[f]
        return pool[rng.integers(0, len(pool), n)]

    # ------------------------------------------------------------------ recycling
    def _retarget(self, idx: np.ndarray) -> None:
        """Set target and pass-through direction of route walkers ``idx`` from their state.

        The pass-through direction points from the current waypoint to the next one in the
        walking direction (zero at the route's end); a walker that is already past an
        intermediate waypoint in that direction counts as having reached it.
        """
        if len(idx) == 0:
            return
        f, k, step = self.flow_id[idx], self.wp_idx[idx], self.direction[idx]
        self.target[idx] = self._lane_point(f, k, self.lateral[idx])
        nxt = k + step
        has_next = (nxt >= 0) & (nxt < self.route_len[f])
        nxt = np.where(has_next, nxt, k)
        seg = self.routes[f, nxt] - self.routes[f, k]
        norm = np.maximum(np.hypot(seg[:, 0], seg[:, 1]), 1e-12)
        self.pass_dir[idx] = seg / norm[:, None] * has_next[:, None]

    def update_arrivals(
        self,
        pos: np.ndarray,
        vel: np.ndarray,
        speed_pref: np.ndarray,
        rng: np.random.Generator,
        robot_xy: tuple[float, float],
        keep_out_m: float,
    ) -> bool:
        """Advance pedestrians that reached their target; edits ``pos``/``vel`` in place.

        Respawning walkers reappear at their route start only where that spot is free (off
        the robot and other pedestrians); otherwise they wait and retry next step.

        Returns:
            True when at least one pedestrian was moved (respawned).
        """
        moved = False
        if len(pos) == 0:
            return moved
        dx = pos[:, 0] - self.target[:, 0]
        dy = pos[:, 1] - self.target[:, 1]
        d2 = dx * dx + dy * dy
        passed = (dx * self.pass_dir[:, 0] + dy * self.pass_dir[:, 1] > 0.0) & (
            d2 < _PASS_RADIUS_M**2
        )
        arrived = np.flatnonzero((d2 < self.arrival_radius_m**2) | passed)
        if len(arrived) == 0:
            return moved
        f = self.flow_id[arrived]
        mode = self.mode[f]
        wander = arrived[mode == _WANDER]
        route = arrived[mode != _WANDER]
        if len(route):
            fr = self.flow_id[route]
            nxt = self.wp_idx[route] + self.direction[route]
            inside = (nxt >= 0) & (nxt < self.route_len[fr])
            go_on = route[inside]
            self.wp_idx[go_on] = nxt[inside]
            ends = route[~inside]
            fe = self.flow_id[ends]
            rev = ends[self.mode[fe] == _REVERSE]
            self.direction[rev] *= -1
            self.wp_idx[rev] += self.direction[rev]
            self._retarget(go_on)
            self._retarget(rev)
            respawn = ends[self.mode[fe] == _RESPAWN]
            if len(respawn):
                moved = self._respawn(respawn, pos, vel, speed_pref, rng, robot_xy, keep_out_m)
        if len(wander):
            for f_id in np.unique(self.flow_id[wander]):
                group = wander[self.flow_id[wander] == f_id]
                self.target[group] = self._wander_targets(int(f_id), rng, len(group))
        return moved

    def _respawn(
        self,
        idx: np.ndarray,
        pos: np.ndarray,
        vel: np.ndarray,
        speed_pref: np.ndarray,
        rng: np.random.Generator,
        robot_xy: tuple[float, float],
        keep_out_m: float,
    ) -> bool:
        """Move the walkers ``idx`` back to their route start where that spot is free."""
        f = self.flow_id[idx]
        lateral = rng.uniform(-1.0, 1.0, len(idx)) * self.jitter[f]
        cand = self._lane_point(f, np.zeros_like(f), lateral)
        r = self.ped_radius_m
        ok = self.world.is_free(cand[:, 0], cand[:, 1], r + 0.05)
        ok &= np.hypot(cand[:, 0] - robot_xy[0], cand[:, 1] - robot_xy[1]) >= keep_out_m
        others = np.hypot(cand[:, None, 0] - pos[None, :, 0], cand[:, None, 1] - pos[None, :, 1])
        others[np.arange(len(idx)), idx] = np.inf
        ok &= others.min(axis=1) >= 2.0 * r + 0.1
        if len(idx) > 1:  # two walkers respawning onto the same spot in the same step
            dc = np.hypot(cand[:, None, 0] - cand[None, :, 0], cand[:, None, 1] - cand[None, :, 1])
            ok &= ~np.tril(dc < 2.0 * r + 0.1, -1).any(axis=1)
        idx, f, lateral, cand = idx[ok], f[ok], lateral[ok], cand[ok]
        if len(idx) == 0:
            return False
        pos[idx] = cand
        heading = self.routes[f, 1] - self.routes[f, 0]
        heading /= np.maximum(np.hypot(heading[:, 0], heading[:, 1]), 1e-12)[:, None]
        vel[idx] = heading * (0.5 * speed_pref[idx])[:, None]
        self.lateral[idx] = lateral
        self.wp_idx[idx] = 1
        self.direction[idx] = 1
        self._retarget(idx)
        return True
