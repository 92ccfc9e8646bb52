"""Episode metrics computed from the trajectory alone (never from frames).

- ``EpisodeMetrics``: an O(1)-memory accumulator; ``reset`` at episode start, ``update``
  once per step with the robot position and its distances, ``result(outcome)`` at the end
  returns a JSON-ready dict (plain ``float``/``int``/``bool``/``str``/``None``; NaN and
  infinity become ``None``).
- ``compute_metrics``: the same from whole arrays (for recorded or crafted trajectories).
- ``METRIC_KEYS``: the keys of the result, in order.
- ``EVENT_KINDS`` / ``WITH_TYPES``: the vocabulary of ``EpisodeMetrics.events`` (what
  happened, and what it happened with). Events are derived by the same ``update`` that
  counts them, so a record's ``events`` always agree with its ``metrics``.

Definitions (``docs/metrics.md`` has the full text): distances to pedestrians are surface to
surface (centre distance minus both radii), clearances are robot surface to the nearest
wall or obstacle edge, and per-step statistics use the state after each step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "EVENT_KINDS",
    "METRIC_KEYS",
    "METRIC_RANGES",
    "WITH_TYPES",
    "EpisodeMetrics",
    "compute_metrics",
]

METRIC_KEYS: tuple[str, ...] = (
    "outcome",
    "success",
    "collision",
    "collision_kind",
    "collision_step",
    "steps",
    "episode_time_s",
    "time_to_goal_s",
    "path_length_m",
    "straight_line_m",
    "path_efficiency",
    "min_ped_distance_m",
    "mean_closest_ped_distance_m",
    "min_obstacle_clearance_m",
    "near_miss_steps",
    "near_miss_events",
    "personal_space_intrusion_frac",
    "avg_speed_mps",
    "jerk_mean",
    "stalled_time_s",
    "final_goal_distance_m",
)


#: The range each non-negative or capped numeric metric can take (``None``: unbounded);
#: metrics absent here can take any value (``min_ped_distance_m`` is negative on contact).
METRIC_RANGES: dict[str, tuple[float | None, float | None]] = {
    "path_length_m": (0.0, None),
    "path_efficiency": (0.0, 1.0),
    "jerk_mean": (0.0, None),
    "time_to_goal_s": (0.0, None),
    "episode_time_s": (0.0, None),
    "avg_speed_mps": (0.0, None),
    "personal_space_intrusion_frac": (0.0, 1.0),
    "stalled_time_s": (0.0, None),
    "final_goal_distance_m": (0.0, None),
}

EVENT_KINDS: tuple[str, ...] = ("collision", "near_miss", "goal")
WITH_TYPES: tuple[str, ...] = ("pedestrian", "obstacle", "wall")


def _num(value: float) -> float | None:
    """Plain float, or None for NaN / infinity (JSON has neither)."""
    value = float(value)
    return value if math.isfinite(value) else None


class EpisodeMetrics:
    """Streaming accumulator of one episode's metrics.

    Args:
        dt_s: Simulation time step.
        near_miss_m: A step is a near miss when the closest pedestrian's surface distance is
            in ``[0, near_miss_m)`` (a collision, below 0, is not a near miss).
        personal_space_m: A step intrudes when the closest surface distance is below this.
        stall_speed_mps: A step is stalled when the robot moved slower than this.
    """

    def __init__(
        self,
        dt_s: float,
        *,
        near_miss_m: float = 0.25,
        personal_space_m: float = 0.45,
        stall_speed_mps: float = 0.05,
    ) -> None:
        self.dt_s = float(dt_s)
        self.near_miss_m = near_miss_m
        self.personal_space_m = personal_space_m
        self.stall_step_m = stall_speed_mps * self.dt_s
        self.reset((0.0, 0.0), (0.0, 0.0), 0.0)

    def reset(
        self, start_xy: Sequence[float], goal_xy: Sequence[float], goal_radius_m: float
    ) -> None:
        """Start a new episode at ``start_xy`` heading for ``goal_xy``."""
        self.start = (float(start_xy[0]), float(start_xy[1]))
        self.goal = (float(goal_xy[0]), float(goal_xy[1]))
        self.goal_radius_m = float(goal_radius_m)
        self.steps = 0
        self.path_length_m = 0.0
        self._pos = self.start
        self._vel: tuple[float, float] | None = None
        self._acc: tuple[float, float] | None = None
        self._jerk_sum = 0.0
        self._jerk_n = 0
        self.min_ped_m = math.inf
        self._closest_sum = 0.0
        self._closest_n = 0
        self.min_clearance_m = math.inf
        self.near_miss_steps = 0
        self.intrusion_steps = 0
        self.stalled_steps = 0
        self.collision_kind: str | None = None
        self.collision_step: int | None = None
        self._events: list[dict[str, Any]] = []
        self._near = self._colliding = False

    def update(
        self,
        x: float,
        y: float,
        closest_ped_m: float,
        obstacle_clearance_m: float,
        collision: str | None = None,
        *,
        contact: tuple[str, int] | None = None,
        closest_ped_id: int | None = None,
    ) -> None:
        """Account for one step that left the robot at ``(x, y)``.

        Args:
            x: Robot x after the step.
            y: Robot y after the step.
            closest_ped_m: Surface distance to the closest pedestrian (inf if none).
            obstacle_clearance_m: Surface distance to the nearest wall or obstacle.
            collision: ``"pedestrian"`` / ``"obstacle"`` if the robot collided this step.
            contact: ``(type, id)`` of what the robot collided with (``WITH_TYPES``).
            closest_ped_id: Crowd index of the closest pedestrian (names near misses).
        """
        self.steps += 1
        dt = self.dt_s
        px, py = self._pos
        dx, dy = x - px, y - py
        moved = math.hypot(dx, dy)
        self.path_length_m += moved
        if moved < self.stall_step_m:
            self.stalled_steps += 1
        vel = (dx / dt, dy / dt)
        if self._vel is not None:
            acc = ((vel[0] - self._vel[0]) / dt, (vel[1] - self._vel[1]) / dt)
            if self._acc is not None:
                self._jerk_sum += math.hypot(acc[0] - self._acc[0], acc[1] - self._acc[1]) / dt
                self._jerk_n += 1
            self._acc = acc
        self._vel = vel
        self._pos = (float(x), float(y))

        if math.isfinite(closest_ped_m):
            self.min_ped_m = min(self.min_ped_m, closest_ped_m)
            self._closest_sum += closest_ped_m
            self._closest_n += 1
            near = 0.0 <= closest_ped_m < self.near_miss_m
            if near:
                self.near_miss_steps += 1
                if not self._near:  # one event per contiguous interval, at its first step
                    self._event("near_miss", ("pedestrian", closest_ped_id))
            self._near = near
            if closest_ped_m < self.personal_space_m:
                self.intrusion_steps += 1
        else:
            self._near = False
        self.min_clearance_m = min(self.min_clearance_m, obstacle_clearance_m)
        if collision is not None and self.collision_kind is None:
            self.collision_kind = collision
            self.collision_step = self.steps
        if collision is not None and not self._colliding:
            self._event("collision", contact)
        self._colliding = collision is not None

    def _event(self, kind: str, with_: tuple[str, int | None] | None) -> None:
        """Record an event at the current step (``with_``: ``(type, id)`` or None)."""
        who = None
        if with_ is not None:
            who = {"type": with_[0], "id": None if with_[1] is None else int(with_[1])}
        self._events.append(
            {"step": self.steps, "t_s": round(self.steps * self.dt_s, 6), "kind": kind, "with": who}
        )

    @property
    def n_events(self) -> int:
        """Events so far (the goal event, added by ``events``, not counted)."""
        return len(self._events)

    def events(self, outcome: str | None = None) -> list[dict[str, Any]]:
        """Return the episode's events so far, oldest first, plus ``goal`` on success.

        Each is ``{"step", "t_s", "kind", "with"}``; ``with`` is ``{"type", "id"}`` or
        None (goal events). ``len`` of the near misses equals ``near_miss_events``; the
        first collision's step equals ``collision_step``.
        """
        events = [dict(e) for e in self._events]
        if outcome == "success":
            t_s = round(self.steps * self.dt_s, 6)
            events.append({"step": self.steps, "t_s": t_s, "kind": "goal", "with": None})
        return events

    def result(self, outcome: str) -> dict[str, Any]:
        """Return the episode's metrics as a JSON-ready dict (keys in ``METRIC_KEYS`` order)."""
        success = outcome == "success"
        steps = self.steps
        duration = steps * self.dt_s
        straight = max(
            math.hypot(self.goal[0] - self.start[0], self.goal[1] - self.start[1])
            - self.goal_radius_m,
            0.0,
        )
        efficiency = None
        if success and self.path_length_m > 0.0:
            efficiency = min(straight / self.path_length_m, 1.0)
        elif success:
            efficiency = 1.0
        gx, gy = self.goal
        return {
            "outcome": str(outcome),
            "success": bool(success),
            "collision": self.collision_kind is not None,
            "collision_kind": self.collision_kind,
            "collision_step": self.collision_step,
            "steps": int(steps),
            "episode_time_s": _num(duration),
            "time_to_goal_s": _num(duration) if success else None,
            "path_length_m": _num(self.path_length_m),
            "straight_line_m": _num(straight),
            "path_efficiency": efficiency,
            "min_ped_distance_m": _num(self.min_ped_m),
            "mean_closest_ped_distance_m": (
                _num(self._closest_sum / self._closest_n) if self._closest_n else None
            ),
            "min_obstacle_clearance_m": _num(self.min_clearance_m),
            "near_miss_steps": int(self.near_miss_steps),
            "near_miss_events": sum(e["kind"] == "near_miss" for e in self._events),
            "personal_space_intrusion_frac": (
                _num(self.intrusion_steps / steps) if steps else None
            ),
            "avg_speed_mps": _num(self.path_length_m / duration) if steps else None,
            "jerk_mean": _num(self._jerk_sum / self._jerk_n) if self._jerk_n else None,
            "stalled_time_s": _num(self.stalled_steps * self.dt_s),
            "final_goal_distance_m": _num(math.hypot(gx - self._pos[0], gy - self._pos[1])),
        }


def compute_metrics(
    positions_m: np.ndarray,
    *,
    goal_xy: Sequence[float],
    goal_radius_m: float,
    dt_s: float,
    outcome: str,
    closest_ped_m: Sequence[float] | None = None,
    obstacle_clearance_m: Sequence[float] | None = None,
    collisions: Sequence[str | None] | None = None,
) -> dict[str, Any]:
    """Metrics of a whole trajectory at once.

    Args:
        positions_m: ``(T + 1, 2)`` robot positions: the start, then one row per step.
        goal_xy: Goal centre.
        goal_radius_m: Arrival tolerance.
        dt_s: Time step.
        outcome: ``"success" | "collision" | "timeout"``.
        closest_ped_m: ``(T,)`` surface distance to the closest pedestrian (inf if none);
            all inf when omitted.
        obstacle_clearance_m: ``(T,)`` robot surface to nearest wall; inf when omitted.
        collisions: ``(T,)`` collision kind or None per step; no collision when omitted.
    """
    pos = np.asarray(positions_m, dtype=np.float64).reshape(-1, 2)
    steps = len(pos) - 1
    inf = [math.inf] * steps
    peds = list(closest_ped_m) if closest_ped_m is not None else inf
    walls = list(obstacle_clearance_m) if obstacle_clearance_m is not None else inf
    kinds = list(collisions) if collisions is not None else [None] * steps
    acc = EpisodeMetrics(dt_s)
    acc.reset(pos[0], goal_xy, goal_radius_m)
    for t in range(steps):
        acc.update(pos[t + 1, 0], pos[t + 1, 1], peds[t], walls[t], kinds[t])
    return acc.result(outcome)
