"""Median wall time of one ``SocialNavEnv.step`` with a 50-pedestrian crowd.

The figure the video budget is measured against: a step includes the robot, the
social-force crowd, collision checks, the lidar scan, the observation, the reward and the
streaming metrics (no rendering). Each ``step`` call is timed on its own; resets are
timed separately and excluded from the step figure; the policy's time is excluded too
(actions are precomputed).

Usage::

    python benchmarks/bench_env_step.py [--scenario open_crowd] [--steps 3000] [--json]

Timings are noisy on a shared machine: run it on an idle one for a figure to publish.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time

import numpy as np

from robot_sf_gym_video.env.social_nav_env import SocialNavEnv


def measure(scenario: str, steps: int, seed: int) -> dict[str, float]:
    env = SocialNavEnv(scenario)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    # Mostly forward with some turning: the robot roams through the crowd.
    actions = np.stack((rng.uniform(0.2, 1.0, steps), rng.uniform(-0.6, 0.6, steps)), axis=1)
    actions = actions.astype(np.float32)
    for action in actions[:50]:  # warm-up (caches, first allocations)
        if any(env.step(action)[2:4]):
            env.reset()
    step_s: list[float] = []
    reset_s: list[float] = []
    snapshot_s: list[float] = []
    peds = len(env.sim.crowd)
    for action in actions:
        t0 = time.perf_counter()
        _, _, terminated, truncated, _ = env.step(action)
        t1 = time.perf_counter()
        env.frame_snapshot()
        t2 = time.perf_counter()
        step_s.append(t1 - t0)
        snapshot_s.append(t2 - t1)
        if terminated or truncated:
            t0 = time.perf_counter()
            env.reset()
            reset_s.append(time.perf_counter() - t0)
    step_ms = np.array(step_s) * 1e3
    return {
        "scenario": scenario,
        "pedestrians": peds,
        "steps": steps,
        "step_ms_median": float(np.median(step_ms)),
        "step_ms_mean": float(step_ms.mean()),
        "step_ms_p90": float(np.percentile(step_ms, 90)),
        "snapshot_us_median": float(np.median(snapshot_s) * 1e6),
        "reset_ms_mean": float(statistics.fmean(reset_s) * 1e3) if reset_s else float("nan"),
        "episodes_reset": len(reset_s),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="open_crowd")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    result = measure(args.scenario, args.steps, args.seed)
    result["python"] = platform.python_version()
    result["numpy"] = np.__version__
    result["machine"] = platform.processor() or platform.machine()
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"SocialNavEnv.step, scenario {result['scenario']} ({result['pedestrians']} "
        f"pedestrians), {result['steps']} steps, obs + reward + metrics included:"
    )
    print(
        f"  median {result['step_ms_median']:.3f} ms   mean {result['step_ms_mean']:.3f} ms   "
        f"p90 {result['step_ms_p90']:.3f} ms"
    )
    print(
        f"  frame_snapshot() median {result['snapshot_us_median']:.1f} us; "
        f"reset() mean {result['reset_ms_mean']:.2f} ms over {result['episodes_reset']} resets"
    )
    print(f"  python {result['python']}, numpy {result['numpy']}, {result['machine']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
