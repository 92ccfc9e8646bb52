"""What ``VideoArtifactWrapper`` costs the env's thread, at episode end, and in memory.

Sections (each condition runs in a fresh child interpreter):

- ``handover``: SocialNav (synthetic renderer, default size), plain vs wrapped with
  ``finalize="blocking"`` and ``"background"``. A thin timing wrapper sits between the
  video wrapper and the env, so every step is split exactly into the env's own work and
  what the video wrapper adds in the calling thread (``thread_time`` CPU and wall, the
  latter including any wait when the recorder is behind). Also: the extra wall time of
  the step that ends an episode (finalize), the first reset (recorder start), and the
  batch wall time including construction and ``close()``.
- ``rss``: peak RSS of the env's process and of the largest child (recorder process or
  ffmpeg) for single episodes of 200, 1000 and 5000 steps, plain vs wrapped, on SocialNav
  (``empty`` scenario, robot standing still, so every episode runs to its step limit) and
  on ``MountainCar-v0`` (600x400 frames from ``render()``).

Usage::

    python benchmarks/bench_wrapper.py                  # both sections
    python benchmarks/bench_wrapper.py handover --episodes 30 --scenario open_crowd
    python benchmarks/bench_wrapper.py rss --lengths 200 1000 5000 --json out.json

Timings drift with machine load; compare conditions from the same run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HANDOVER_CONDITIONS = ("plain", "blocking", "background")


def _timed_inner(env: Any) -> Any:
    """Wrap ``env`` so each step's own thread CPU and wall time are recorded."""
    import gymnasium as gym

    class StepTimer(gym.Wrapper):
        def __init__(self, inner: gym.Env) -> None:
            super().__init__(inner)
            self.cpu_ns: list[int] = []
            self.wall_ns: list[int] = []

        def step(self, action: Any) -> Any:
            c0, w0 = time.thread_time_ns(), time.perf_counter_ns()
            out = self.env.step(action)
            self.cpu_ns.append(time.thread_time_ns() - c0)
            self.wall_ns.append(time.perf_counter_ns() - w0)
            return out

    return StepTimer(env)


def _policy(rng: Any) -> Any:
    import numpy as np

    return np.array([0.8, rng.uniform(-0.3, 0.3)], np.float32)


def handover_child(
    condition: str, scenario: str, episodes: int, out_dir: Path, size: tuple[int, int] | None
) -> dict:
    """Run ``episodes`` SocialNav episodes under ``condition``; return per-step figures."""
    import numpy as np

    from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
    from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

    logging.disable(logging.WARNING)
    t_start = time.perf_counter()
    timer = _timed_inner(SocialNavEnv(scenario))
    env = timer
    if condition != "plain":
        env = VideoArtifactWrapper(timer, video_dir=out_dir, finalize=condition, video_size=size)
    rng = np.random.default_rng(0)
    extra_cpu_ns, extra_wall_ns, end_extra_wall_ns, reset_wall_ns = [], [], [], []
    for episode in range(episodes):
        w0 = time.perf_counter_ns()
        env.reset(seed=episode)
        reset_wall_ns.append(time.perf_counter_ns() - w0)
        while True:
            c0, w0 = time.thread_time_ns(), time.perf_counter_ns()
            _, _, terminated, truncated, _ = env.step(_policy(rng))
            cpu, wall = time.thread_time_ns() - c0, time.perf_counter_ns() - w0
            if terminated or truncated:
                end_extra_wall_ns.append(wall - timer.wall_ns[-1])
                break
            extra_cpu_ns.append(cpu - timer.cpu_ns[-1])
            extra_wall_ns.append(wall - timer.wall_ns[-1])
    t_close = time.perf_counter()
    collected = env.collect_artifacts(wait=True) if condition == "background" else []
    stats = env.video_stats if condition != "plain" else {}
    env.close()
    t_end = time.perf_counter()
    ms = 1e-6
    return {
        "condition": condition,
        "steps": len(timer.cpu_ns),
        "episodes": episodes,
        "wall_s": t_end - t_start,
        "close_and_collect_ms": (t_end - t_close) * 1e3,
        "env_step_cpu_ms_median": statistics.median(timer.cpu_ns) * ms,
        "env_step_wall_ms_mean": statistics.mean(timer.wall_ns) * ms,
        "video_cpu_ms_per_step_median": statistics.median(extra_cpu_ns) * ms,
        "video_cpu_ms_per_step_mean": statistics.mean(extra_cpu_ns) * ms,
        "video_wall_ms_per_step_median": statistics.median(extra_wall_ns) * ms,
        "video_wall_ms_per_step_mean": statistics.mean(extra_wall_ns) * ms,
        "end_step_extra_ms_median": statistics.median(end_extra_wall_ns) * ms,
        "end_step_extra_ms_max": max(end_extra_wall_ns) * ms,
        "first_reset_ms": reset_wall_ns[0] * ms,
        "later_reset_ms_median": statistics.median(reset_wall_ns[1:]) * ms
        if episodes > 1
        else None,
        "videos": len(collected) if condition == "background" else stats.get("videos"),
        "encode_ms_per_frame": stats.get("encode_ms_per_frame"),
    }


def rss_child(kind: str, wrapped: bool, steps: int, out_dir: Path) -> dict:
    """Run one episode of ``steps`` steps; return peak RSS of this process and children."""
    import gymnasium as gym
    import numpy as np

    from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

    logging.disable(logging.WARNING)
    if kind == "socialnav":
        from robot_sf_gym_video.env.social_nav_env import SocialNavEnv

        env = SocialNavEnv("empty", max_episode_steps=steps)
        action: Any = np.zeros(2, np.float32)
    else:
        env = gym.make("MountainCar-v0", render_mode="rgb_array", max_episode_steps=steps)
        action = 1  # no push: the car never reaches the flag
    if wrapped:
        env = VideoArtifactWrapper(env, video_dir=out_dir)
    env.reset(seed=0)
    n = 0
    while True:
        _, _, terminated, truncated, info = env.step(action)
        n += 1
        if not wrapped and kind != "socialnav":
            env.render()  # the fair plain baseline for a render()-filmed env
        if terminated or truncated:
            break
    env.close()
    usage_self = resource.getrusage(resource.RUSAGE_SELF)
    usage_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "kind": kind,
        "wrapped": wrapped,
        "steps": n,
        "frames": info.get("video", {}).get("frames"),
        "peak_rss_mb": usage_self.ru_maxrss / 1024,
        "peak_child_rss_mb": usage_children.ru_maxrss / 1024,
    }


def _child(args: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_handover(
    scenario: str, episodes: int, repeats: int, tmp: Path, size: list[int] | None
) -> dict:
    """Run the hand-over conditions round-robin; keep the run with median batch wall."""
    runs: dict[str, list[dict]] = {c: [] for c in HANDOVER_CONDITIONS}
    for rep in range(repeats):
        for condition in HANDOVER_CONDITIONS:
            out = tmp / f"handover-{condition}-{rep}"
            args = ["--child-handover", condition, "--scenario", scenario]
            if size:
                args += ["--video-size", str(size[0]), str(size[1])]
            runs[condition].append(_child([*args, "--episodes", str(episodes), "--out", str(out)]))
    picked = {}
    for condition, results in runs.items():
        results.sort(key=lambda r: r["wall_s"])
        picked[condition] = results[len(results) // 2]
    base = picked["plain"]
    for condition in ("blocking", "background"):
        row = picked[condition]
        row["batch_overhead_pct"] = (row["wall_s"] - base["wall_s"]) / base["wall_s"] * 100.0
        for key in ("video_cpu_ms_per_step_median", "video_wall_ms_per_step_median"):
            row[key] -= base[key]  # remove the timing probe's own cost
    return picked


def run_rss(lengths: list[int], tmp: Path) -> list[dict]:
    """Run every (env kind, wrapped, length) once in its own child."""
    rows = []
    for kind in ("socialnav", "mountaincar"):
        for wrapped in (False, True):
            for steps in lengths:
                out = tmp / f"rss-{kind}-{wrapped}-{steps}"
                args = ["--child-rss", kind, "--steps", str(steps), "--out", str(out)]
                rows.append(_child([*args, "--wrapped"] if wrapped else args))
    return rows


def _print_handover(result: dict) -> None:
    print("\n== hand-over (SocialNav, synthetic renderer; figures of the calling thread) ==")
    for condition, row in result.items():
        print(
            f"{condition:10s} steps {row['steps']:5d}  batch {row['wall_s']:6.2f} s"
            + (f" ({row['batch_overhead_pct']:+.0f}%)" if "batch_overhead_pct" in row else "")
            + f"  env step cpu {row['env_step_cpu_ms_median']:.3f} ms"
        )
        if condition == "plain":
            print(
                f"{'':10s} timing probe alone: cpu median "
                f"{row['video_cpu_ms_per_step_median']:.4f} ms/step (subtracted below)"
            )
            continue
        print(
            f"{'':10s} video in calling thread: cpu median "
            f"{row['video_cpu_ms_per_step_median']:.4f}"
            f" / mean {row['video_cpu_ms_per_step_mean']:.4f} ms/step; wall median "
            f"{row['video_wall_ms_per_step_median']:.4f} / mean "
            f"{row['video_wall_ms_per_step_mean']:.4f} ms/step"
        )
        print(
            f"{'':10s} end step +{row['end_step_extra_ms_median']:.2f} ms median "
            f"(max {row['end_step_extra_ms_max']:.1f}); first reset {row['first_reset_ms']:.1f} ms;"
            f" close {row['close_and_collect_ms']:.1f} ms; recorder "
            f"{row['encode_ms_per_frame'] or 0:.2f} ms CPU/frame"
        )


def _print_rss(rows: list[dict]) -> None:
    print("\n== peak RSS, one episode (MB: env process / largest child) ==")
    for row in rows:
        tag = "wrapped" if row["wrapped"] else "plain  "
        print(
            f"{row['kind']:12s} {tag} {row['steps']:5d} steps: {row['peak_rss_mb']:6.0f} / "
            f"{row['peak_child_rss_mb']:4.0f}   frames {row['frames']}"
        )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the sections, print (and optionally save) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("section", nargs="?", choices=("all", "handover", "rss"), default="all")
    parser.add_argument("--scenario", default="crossing")
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--lengths", type=int, nargs="+", default=[200, 1000, 5000])
    parser.add_argument(
        "--video-size", type=int, nargs=2, metavar=("W", "H"), help="SocialNav frame size"
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child-handover", choices=HANDOVER_CONDITIONS, help=argparse.SUPPRESS)
    parser.add_argument("--child-rss", choices=("socialnav", "mountaincar"), help=argparse.SUPPRESS)
    parser.add_argument("--wrapped", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_handover:
        size = tuple(args.video_size) if args.video_size else None
        result = handover_child(args.child_handover, args.scenario, args.episodes, args.out, size)
        print(json.dumps(result))
        return 0
    if args.child_rss:
        print(json.dumps(rss_child(args.child_rss, args.wrapped, args.steps, args.out)))
        return 0
    report: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        }
    }
    with tempfile.TemporaryDirectory(prefix="bench-wrapper-") as tmp:
        if args.section in ("all", "handover"):
            report["handover"] = run_handover(
                args.scenario, args.episodes, args.repeats, Path(tmp), args.video_size
            )
            _print_handover(report["handover"])
        if args.section in ("all", "rss"):
            report["rss"] = run_rss(args.lengths, Path(tmp))
            _print_rss(report["rss"])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
