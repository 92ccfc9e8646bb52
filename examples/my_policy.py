"""A user policy in a file, the shape ``robot-sf-bench run --policy FILE.py:FACTORY`` expects.

Run it::

    robot-sf-bench run --policy examples/my_policy.py:make_policy \
        --scenario crossing --episodes 5 --video --out mine
    python examples/my_policy.py --out mine   # the same through run_batch(policy=make_policy)

``make_policy(env)`` is the factory: the runner calls it once per worker and scenario with
the env the policy will act in, and the object it returns is called ``policy(obs) ->
action`` every step. ``reset(seed)`` (optional) is called at the start of every episode
with that episode's seed. An object with ``predict(obs, deterministic=True)`` (a
stable-baselines3 model, say) works as well.

This one sees only the observation: it heads for the goal and brakes when the lidar sees
something close ahead, with a little seeded hesitation to show where ``reset`` helps.
"""

from __future__ import annotations

import argparse
import math

import numpy as np


class CautiousPolicy:
    """Turn towards the goal; slow down when the lidar sees something within 1.5 m ahead."""

    def __init__(self, layout, brake_range_m: float = 1.5) -> None:
        self.layout = layout
        self.brake_range_m = brake_range_m
        ahead = np.abs(np.arctan2(np.sin(layout.lidar_angles_rad), np.cos(layout.lidar_angles_rad)))
        self.ahead = ahead < math.radians(25)  # rays within 25 degrees of the heading
        self.rng = np.random.default_rng()

    def reset(self, seed: int | None = None) -> None:
        """Reseed the hesitation (the runner calls this with each episode's seed)."""
        self.rng = np.random.default_rng(seed)

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Return ``[linear, angular]`` for one observation."""
        o = self.layout.decode(obs)
        turn = max(-1.0, min(1.0, 2.0 * o.goal_bearing_rad))
        nearest_ahead = float(o.lidar_ranges_m[self.ahead].min())
        speed = min(1.0, max(0.0, (nearest_ahead - 0.6) / self.brake_range_m))
        speed *= max(math.cos(o.goal_bearing_rad), 0.0) * self.rng.uniform(0.9, 1.0)
        return np.array([speed, turn], dtype=np.float32)


def make_policy(env):
    """Build the policy for ``env`` (the factory; the layout gives the units)."""
    return CautiousPolicy(env.unwrapped.observation_layout)


def main(argv: list[str] | None = None) -> int:
    """Evaluate ``make_policy`` with ``run_batch`` (every episode filmed) and print the summary."""
    from robot_sf_gym_video import run_batch

    parser = argparse.ArgumentParser(description="Evaluate this file's policy with run_batch.")
    parser.add_argument("--out", required=True, help="run directory")
    parser.add_argument("--scenario", action="append", help="scenario (repeatable; crossing)")
    parser.add_argument("--episodes", type=int, default=2, help="episodes per scenario (2)")
    args = parser.parse_args(argv)
    summary = run_batch(
        args.out,
        scenarios=args.scenario or ["crossing"],
        episodes=args.episodes,
        policy=make_policy,  # a factory: called as make_policy(env)
        video_enabled=True,
    )
    for line in summary.lines():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
