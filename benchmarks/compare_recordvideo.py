"""Gymnasium ``RecordVideo`` vs ``VideoArtifactWrapper`` on long classic-control episodes.

Conditions, each run in a fresh child interpreter (clean peak RSS), round-robin, in one run:

- ``bare``: env.step only (reference, no frames).
- ``render-only``: env.step + env.render() every step, frames thrown away. The baseline:
  overhead = (wall - wall_render_only) / wall_render_only.
- ``recordvideo``: ``gymnasium.wrappers.RecordVideo`` recording every episode.
- ``ours``: ``VideoArtifactWrapper`` (blocking finalize, the default).

Every wall time includes wrapper construction, the last episode's encoding and ``close()``.
Frames are decoded with PyAV and compared with the number of steps.

Usage::

    python benchmarks/compare_recordvideo.py                      # CartPole-v1, 2 x 1000
    python benchmarks/compare_recordvideo.py --env MountainCar-v0 --steps 1000
    python benchmarks/compare_recordvideo.py --json results/compare.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONDITIONS = ("bare", "render-only", "recordvideo", "ours")


def _policy(env_id: str, rng, n_actions: int, obs) -> int:
    """Pick the next action: a balancing controller on CartPole, seeded random otherwise.

    CartPole ends as soon as the pole falls, so random actions give ~20-step episodes; a
    linear controller on (angle, angular velocity, position, velocity) keeps it up for the
    full 1000 steps. MountainCar never reaches its goal with random actions in 1000 steps.
    """
    if env_id.startswith("CartPole"):
        x, x_dot, theta, theta_dot = (float(v) for v in obs)
        return int(10 * theta + 2 * theta_dot + 0.1 * x + 0.5 * x_dot > 0)
    return int(rng.integers(n_actions))


def run_child(condition: str, env_id: str, steps: int, episodes: int, out_dir: Path) -> dict:
    """Run one condition in this process and return its measurements."""
    import gymnasium as gym
    import numpy as np

    logging.disable(logging.WARNING)
    t0 = time.perf_counter()
    render_mode = None if condition == "bare" else "rgb_array"
    env = gym.make(env_id, render_mode=render_mode, max_episode_steps=steps)
    if condition == "recordvideo":
        from gymnasium.wrappers import RecordVideo

        env = RecordVideo(env, str(out_dir), episode_trigger=lambda _: True, disable_logger=True)
    elif condition == "ours":
        from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

        env = VideoArtifactWrapper(env, video_dir=out_dir)
    rng = np.random.default_rng(0)
    n_actions = int(env.action_space.n)
    steps_per_episode = []
    for episode in range(episodes):
        obs, _ = env.reset(seed=episode)
        n = 0
        while True:
            obs, _, terminated, truncated, _ = env.step(_policy(env_id, rng, n_actions, obs))
            n += 1
            if condition == "render-only":
                env.render()
            if terminated or truncated:
                break
        steps_per_episode.append(n)
    env.close()
    wall_s = time.perf_counter() - t0
    decoded = _decode_all(out_dir) if condition in ("recordvideo", "ours") else []
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "condition": condition,
        "wall_s": wall_s,
        "steps": steps_per_episode,
        "decoded_frames": decoded,
        "peak_rss_mb": self_rss,
        "peak_child_rss_mb": child_rss,
    }


def _decode_all(folder: Path) -> list[int]:
    import av

    counts = []
    for path in sorted(folder.glob("*.mp4")):
        with av.open(str(path)) as container:
            counts.append(sum(1 for _ in container.decode(video=0)))
    return counts


def main(argv: list[str] | None = None) -> int:
    """Run all conditions round-robin and print a table (and optional JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="CartPole-v1")
    parser.add_argument("--steps", type=int, default=1000, help="steps per episode")
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2, help="round-robin repetitions")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=CONDITIONS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = run_child(args.child, args.env, args.steps, args.episodes, args.out)
        print(json.dumps(result))
        return 0

    runs: dict[str, list[dict]] = {c: [] for c in CONDITIONS}
    with tempfile.TemporaryDirectory(prefix="compare-recordvideo-") as tmp:
        for rep in range(args.repeats):
            for condition in CONDITIONS:
                out = Path(tmp) / f"{condition}-{rep}"
                out.mkdir()
                cmd = [
                    sys.executable,
                    __file__,
                    "--child",
                    condition,
                    "--env",
                    args.env,
                    "--steps",
                    str(args.steps),
                    "--episodes",
                    str(args.episodes),
                    "--out",
                    str(out),
                ]
                done = subprocess.run(cmd, capture_output=True, text=True, check=True)
                runs[condition].append(json.loads(done.stdout.strip().splitlines()[-1]))
    base = statistics.median(r["wall_s"] for r in runs["render-only"])
    summary = {}
    for condition, results in runs.items():
        wall = statistics.median(r["wall_s"] for r in results)
        summary[condition] = {
            "wall_s_median": wall,
            "wall_s_all": [r["wall_s"] for r in results],
            "overhead_vs_render_only_pct": (wall - base) / base * 100.0,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
            "peak_child_rss_mb": max(r["peak_child_rss_mb"] for r in results),
            "steps": results[0]["steps"],
            "decoded_frames": results[0]["decoded_frames"],
        }
    ours = summary["ours"]["overhead_vs_render_only_pct"]
    theirs = summary["recordvideo"]["overhead_vs_render_only_pct"]
    report = {
        "env": args.env,
        "steps_per_episode": args.steps,
        "episodes": args.episodes,
        "repeats": args.repeats,
        "cpus": os.cpu_count(),
        "conditions": summary,
        "ours_over_recordvideo_overhead_ratio": ours / theirs if theirs > 0 else None,
    }
    print(f"{args.env}: {args.episodes} episodes x {args.steps} steps, {args.repeats} repeats")
    print(
        f"{'condition':12s} {'wall s':>8s} {'overhead':>9s} {'RSS MB':>7s} {'child MB':>8s}"
        "  frames/steps"
    )
    for condition, row in summary.items():
        print(
            f"{condition:12s} {row['wall_s_median']:8.2f} "
            f"{row['overhead_vs_render_only_pct']:8.0f}% "
            f"{row['peak_rss_mb']:7.0f} {row['peak_child_rss_mb']:8.0f}  "
            f"{row['decoded_frames']}/{row['steps']}"
        )
    if report["ours_over_recordvideo_overhead_ratio"] is not None:
        print(f"our overhead / RecordVideo's: {report['ours_over_recordvideo_overhead_ratio']:.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
