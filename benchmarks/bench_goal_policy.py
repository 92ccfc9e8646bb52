"""Success rate of the built-in ``goal`` policy over 20 seeds per scenario.

The acceptance figures: >= 80 % on ``empty`` and >= 50 % on ``crossing``. Seeds are
``0 .. N-1`` (``--seeds``), so the figures are reproducible exactly. The exit status is 1
when a threshold is missed, so the script doubles as a manual check.

Usage::

    python benchmarks/bench_goal_policy.py [--seeds 20] [--all]
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import time

from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.policies import make_policy
from robot_sf_gym_video.sim.scenarios import list_scenarios

THRESHOLDS = {"empty": 0.8, "crossing": 0.5}


def evaluate(scenario: str, seeds: int) -> dict[str, object]:
    env = SocialNavEnv(scenario)
    policy = make_policy("goal", env)
    outcomes: collections.Counter[str] = collections.Counter()
    steps, near_misses, efficiency = [], [], []
    start = time.perf_counter()
    for seed in range(seeds):
        obs, _ = env.reset(seed=seed)
        policy.reset(seed=seed)
        while True:
            obs, _, terminated, truncated, info = env.step(policy(obs))
            if terminated or truncated:
                break
        metrics = info["metrics"]
        outcomes[metrics["outcome"]] += 1
        steps.append(metrics["steps"])
        near_misses.append(metrics["near_miss_steps"])
        if metrics["path_efficiency"] is not None:
            efficiency.append(metrics["path_efficiency"])
    return {
        "scenario": scenario,
        "success_rate": outcomes["success"] / seeds,
        "outcomes": dict(outcomes),
        "median_steps": statistics.median(steps),
        "mean_near_miss_steps": statistics.fmean(near_misses),
        "mean_path_efficiency": statistics.fmean(efficiency) if efficiency else None,
        "wall_s": time.perf_counter() - start,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--all", action="store_true", help="every built-in scenario")
    args = parser.parse_args(argv)
    names = list_scenarios() if args.all else list(THRESHOLDS)
    failed = False
    print(f"goal policy, seeds 0..{args.seeds - 1}")
    for name in names:
        r = evaluate(name, args.seeds)
        need = THRESHOLDS.get(name)
        verdict = ""
        if need is not None:
            ok = r["success_rate"] >= need
            failed |= not ok
            verdict = f"  (need >= {need:.0%}: {'ok' if ok else 'MISSED'})"
        eff = r["mean_path_efficiency"]
        print(
            f"  {name:11s} success {r['success_rate']:6.1%}{verdict}  outcomes {r['outcomes']}  "
            f"median steps {r['median_steps']:.0f}  near-miss steps/ep "
            f"{r['mean_near_miss_steps']:.1f}  path eff {eff if eff is None else round(eff, 3)}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
