"""The simple built-in policies: ``goal`` (reactive, observation only), ``random``, ``zero``.

- ``GoalPolicy``: a reactive controller that sees only the observation (lidar, speeds, goal
  distance and bearing): it picks the free heading closest to the goal bearing, turns
  towards it and brakes for whatever is ahead.
- ``RandomPolicy``: uniform random actions, reproducible from the episode seed.
- ``ZeroPolicy``: always the zero action (a crowd-only baseline).
- ``layout_of(env, name)``: the env's ``ObservationLayout``, or a ``UsageError`` naming the
  policy that needs a SocialNav env.

The classic social-navigation baselines live in ``policies/baselines.py``; every built-in
is listed in ``policies/registry.py``.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import gymnasium as gym
import numpy as np

from robot_sf_gym_video.env.observation import ObservationLayout
from robot_sf_gym_video.errors import UsageError

__all__ = ["GoalPolicy", "RandomPolicy", "ZeroPolicy", "layout_of", "wrap_angle"]


def wrap_angle(angle: np.ndarray | float) -> np.ndarray | float:
    """Wrap angles to ``[-pi, pi)``."""
    return (angle + np.pi) % (2.0 * np.pi) - np.pi


class GoalPolicy:
    """Head for the goal along the free direction closest to it; slow down for obstacles.

    For every candidate heading (the lidar ray angles plus the exact goal bearing) the
    policy measures how far a corridor as wide as the robot plus ``margin_m`` on each side
    stays free of lidar returns, and scores the heading by the progress it promises: that
    clear distance (capped at ``lookahead_m`` or the goal distance) times the cosine of its
    deviation from the goal bearing. It steers to the best heading (the goal bearing itself
    when it is within 10 % of the best) and stops, facing the goal, when no heading promises
    progress. The forward speed respects the stopping distance to the nearest return
    ahead and shrinks with the heading error, so the robot turns on the spot when it must.

    Args:
        layout: The env's observation layout (``env.unwrapped.observation_layout``).
        margin_m: Extra clearance kept on each side of the robot.
        lookahead_m: A heading counts as free when its corridor is clear this far.
        turn_gain: Angular speed command per radian of heading error (rad/s per rad).
        max_accel_mps2: Braking deceleration assumed for the stopping distance.
    """

    def __init__(
        self,
        layout: ObservationLayout,
        *,
        margin_m: float = 0.25,
        lookahead_m: float = 2.5,
        turn_gain: float = 2.5,
        max_accel_mps2: float = 1.2,
    ) -> None:
        self.layout = layout
        self.half_width_m = layout.robot_radius_m + margin_m
        self.lookahead_m = lookahead_m
        self.turn_gain = turn_gain
        self.max_accel_mps2 = max_accel_mps2
        self._cos = np.cos(layout.lidar_angles_rad)
        self._sin = np.sin(layout.lidar_angles_rad)

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset: the controller is stateless."""

    def _free_distance(self, headings: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Distance each heading's corridor stays clear of the points ``(xs, ys)``."""
        ch, sh = np.cos(headings)[:, None], np.sin(headings)[:, None]
        along = xs * ch + ys * sh
        cross = np.abs(ys * ch - xs * sh)
        w = self.half_width_m
        blocked = (cross < w) & (along > 0.0)
        reach = along - np.sqrt(np.maximum(w * w - cross * cross, 0.0))
        free = np.where(blocked, reach, np.inf).min(axis=1)
        return np.minimum(free, self.layout.lidar_max_range_m)

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Return the action ``[linear, angular]`` in ``[-1, 1]`` for one observation."""
        o = self.layout.decode(obs)
        max_range = self.layout.lidar_max_range_m
        hits = o.lidar_ranges_m < max_range * 0.999
        xs = (o.lidar_ranges_m * self._cos)[hits]
        ys = (o.lidar_ranges_m * self._sin)[hits]
        bearing = o.goal_bearing_rad
        candidates = np.concatenate(([bearing, 0.0], self.layout.lidar_angles_rad))
        free = self._free_distance(candidates, xs, ys)
        # Progress each heading promises: clear distance (up to the lookahead or the goal)
        # times the cosine of its deviation from the goal bearing.
        reach = np.minimum(free, min(self.lookahead_m, o.goal_distance_m))
        progress = reach * np.cos(wrap_angle(candidates - bearing))
        best = int(np.argmax(progress))
        if progress[0] >= 0.9 * progress[best]:
            best = 0  # the goal bearing itself is (nearly) as good: take it
        heading = float(candidates[best])
        if progress[best] < 0.1:  # boxed in: stop and face the goal until it clears
            heading = bearing
        error = float(wrap_angle(heading))
        angular = self.turn_gain * error / self.layout.max_angular_speed_radps

        clearance_ahead = float(free[1]) - 0.05
        v_stop = math.sqrt(2.0 * self.max_accel_mps2 * max(clearance_ahead, 0.0))
        v_goal = math.sqrt(2.0 * self.max_accel_mps2 * o.goal_distance_m) + 0.2
        alignment = max(math.cos(error), 0.0) ** 2
        v = min(self.layout.max_speed_mps, v_stop, v_goal) * alignment
        if progress[best] < 0.1:
            v = 0.0
        linear = v / self.layout.max_speed_mps
        return np.array(
            (min(max(linear, -1.0), 1.0), min(max(angular, -1.0), 1.0)), dtype=np.float32
        )


class RandomPolicy:
    """Uniform random actions, reproducible.

    Without a seed it samples the env's own ``action_space`` (seed that with
    ``env.action_space.seed(s)``); with a seed, or after ``reset(seed=...)``, it samples a
    private copy seeded with that value, so each episode's actions follow from its seed.
    """

    def __init__(self, action_space: gym.Space[Any], seed: int | None = None) -> None:
        self._env_space = action_space
        self._space = action_space
        if seed is not None:
            self.reset(seed)

    def reset(self, seed: int | None = None) -> None:
        """Reseed (a private copy of) the action space; None keeps the current stream."""
        if seed is not None:
            self._space = copy.deepcopy(self._env_space)
            self._space.seed(int(seed))

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Sample one action (the observation is ignored)."""
        return self._space.sample()


class ZeroPolicy:
    """Always the zero action: the robot stays where it is (a crowd-only baseline)."""

    def __init__(self, action_space: gym.Space[Any]) -> None:
        shape = getattr(action_space, "shape", None) or (2,)
        self._action = np.zeros(shape, dtype=np.float32)

    def reset(self, seed: int | None = None) -> None:
        """Nothing to reset."""

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Return a zero action (a fresh array each call)."""
        return self._action.copy()


def layout_of(env: gym.Env[Any, Any], name: str = "goal") -> ObservationLayout:
    """Return the observation layout of a SocialNav env (wrappers are fine)."""
    layout = getattr(getattr(env, "unwrapped", env), "observation_layout", None)
    if not isinstance(layout, ObservationLayout):
        raise UsageError(
            f"policy {name!r} needs a SocialNav env (robot_sf_gym_video/SocialNav-v0); "
            f"got {type(getattr(env, 'unwrapped', env)).__name__}"
        )
    return layout
