"""What action logs, ``--video-episodes failures`` and ``film`` cost.

Sections (each batch runs in a fresh child interpreter; CPU figures are the child's own CPU
plus every process it waited for: workers, recorders, encoders):

- ``actionlog``: the per-step cost of logging actions (thread CPU of ``ActionRecorder.add``
  and of writing the ``.npy`` files, per step) and the bytes per step on disk, over the
  perf batch's episodes (crossing, corridor, doorway, open_crowd; goal policy).
- ``failures``: ``--workers`` = cores on that mostly-successful batch: interleaved runs
  with video off, ``--video-episodes failures`` and ``all``; prints the median wall and
  CPU overhead of each against video off. ``failures`` films each failed episode from its
  held snapshots at its end (the wrapper's ``keep_episode``): one simulation per episode.
- ``hold``: the env thread's CPU per step spent in the video wrapper (its ``step`` minus
  the bare env's), filming live (``all``) and held (``failures``), over the same episodes;
  and the wrapper's CPU on an episode's last step, where a held failure is sent (the
  first one sent also forks the recorder process).
- ``film``: a no-video run, then ``film`` of every episode at the run's own settings and at
  sim-view 1280x720; prints wall and CPU seconds per filmed episode.

Wall times are noisy on a shared machine; CPU times are not. The lead re-measures
``failures`` on a quiet machine with::

    python benchmarks/bench_replay.py failures --repeats 5
    python benchmarks/bench_replay.py failures --repeats 5 --episodes 48   # a longer batch

Usage::

    python benchmarks/bench_replay.py actionlog
    python benchmarks/bench_replay.py failures --repeats 3
    python benchmarks/bench_replay.py hold
    python benchmarks/bench_replay.py film
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SCENARIOS = ["crossing", "corridor", "doorway", "open_crowd"]
EPISODES = 12


def _child(code: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter; it prints one JSON line, returned with CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=1800
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return {**out, "wall_s": wall, "cpu_s": cpu}


_BATCH = """
import json
from robot_sf_gym_video import run_batch
s = run_batch({out!r}, scenarios={scenarios!r}, episodes={episodes}, workers={workers},
              video_enabled={video}, video_episodes={select!r})
failed = s.episodes_run - s.outcomes["success"]
c = s.video_cost
print(json.dumps({{"steps": s.steps, "videos": s.videos_written,
                   "failures": failed, "episodes": s.episodes_run,
                   "cost": {{"setup": c.setup_s, "caller": c.caller_s, "drain": c.drain_s,
                             "encode_cpu": c.encode_s}}}}))
"""


def _batch(
    out: Path, *, workers: int, video: bool, select: str = "all", episodes: int = EPISODES
) -> dict[str, Any]:
    code = _BATCH.format(
        out=str(out),
        scenarios=SCENARIOS,
        episodes=episodes,
        workers=workers,
        video=video,
        select=select,
    )
    return _child(code)


def actionlog(_args: argparse.Namespace) -> None:
    """Thread CPU per step of collecting and writing action logs; bytes per step."""
    from robot_sf_gym_video.benchmark.actions import ActionRecorder, write_action_log
    from robot_sf_gym_video.benchmark.plan import build_plan
    from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
    from robot_sf_gym_video.policies import make_policy

    env = SocialNavEnv("crossing")
    add_ns = write_ns = step_ns = steps = size = 0
    with tempfile.TemporaryDirectory() as tmp:
        for spec in build_plan(SCENARIOS, EPISODES, 0):
            obs, _ = env.reset(seed=spec.seed, options={"scenario": spec.scenario})
            policy = make_policy("goal", env)
            log, done = ActionRecorder(), False
            while not done:
                t_policy = time.thread_time_ns()
                action = policy(obs)
                t0 = time.thread_time_ns()
                log.add(action)
                t1 = time.thread_time_ns()
                obs, _, terminated, truncated, _ = env.step(action)
                step_ns += time.thread_time_ns() - t1 + (t0 - t_policy)
                add_ns += t1 - t0
                done, steps = terminated or truncated, steps + 1
            t0 = time.thread_time_ns()
            write_action_log(tmp, spec.episode_id, log.array())
            write_ns += time.thread_time_ns() - t0
        size = sum(p.stat().st_size for p in (Path(tmp) / "actions").iterdir())
    print(f"episodes {len(build_plan(SCENARIOS, EPISODES, 0))}, steps {steps}")
    print(f"collect: {add_ns / steps / 1000:.2f} us CPU per step (ActionRecorder.add)")
    print(f"write:   {write_ns / steps / 1000:.2f} us CPU per step (.npy, temp file + rename)")
    print(f"policy + env.step alone: {step_ns / steps / 1000:.1f} us CPU per step")
    print(f"share of the step's CPU: {100 * (add_ns + write_ns) / step_ns:.2f}%")
    print(f"disk: {size / steps:.1f} bytes per step (float32 x 2 = 8, plus a 128-byte header)")


def failures(args: argparse.Namespace) -> None:
    """Interleaved off / failures / all batches with every core running an env."""
    workers = os.cpu_count() or 1
    modes = {"off": (False, "all"), "failures": (True, "failures"), "all": (True, "all")}
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.repeats):
            for mode, (video, select) in modes.items():
                out = Path(tmp) / f"{mode}-{rep}"
                batch = _batch(
                    out, workers=workers, video=video, select=select, episodes=args.episodes
                )
                runs[mode].append(batch)
    base = runs["off"][0]
    print(
        f"workers {workers}, {base['episodes']} episodes, {base['failures']} failures, "
        f"{base['steps']} steps, {args.repeats} interleaved repeats"
    )
    for mode in ("failures", "all"):
        for key in ("wall_s", "cpu_s"):
            pairs = [
                100 * (r[key] - o[key]) / o[key]
                for r, o in zip(runs[mode], runs["off"], strict=True)
            ]
            print(
                f"{mode:9s} {key[:-2]:4s} overhead vs off: median {statistics.median(pairs):+.1f}% "
                f"(runs: {', '.join(f'{p:+.1f}' for p in pairs)}); videos {runs[mode][0]['videos']}"
            )
        _print_cost(mode, runs[mode], runs["off"])


def _print_cost(mode: str, runs: list[dict[str, Any]], off: list[dict[str, Any]]) -> None:
    """Print median seconds per batch: totals against video off, and where video went.

    The parts are the runner's ``VideoCost`` summed over workers: wrapper set-up (encoder
    probe), the env loop's extra time in ``step``/``reset``, the wait for the last videos
    (wall seconds) and the recorders' encode CPU.
    """
    med = statistics.median
    parts = {k: med(r["cost"][k] for r in runs) for k in runs[0]["cost"]}
    print(
        f"{mode:9s} seconds: cpu {med(r['cpu_s'] for r in runs):.2f} "
        f"(off {med(r['cpu_s'] for r in off):.2f}), wall {med(r['wall_s'] for r in runs):.2f} "
        f"(off {med(r['wall_s'] for r in off):.2f}); "
        + ", ".join(f"{k} {v:.3f}" for k, v in parts.items())
    )


def _timed(env: Any) -> Any:
    """Wrap ``env`` so that ``.ns`` sums the thread CPU spent in its own ``step``."""
    import gymnasium

    class Timed(gymnasium.Wrapper):
        ns = 0

        def step(self, action: Any) -> Any:
            t0 = time.thread_time_ns()
            try:
                return self.env.step(action)
            finally:
                self.ns += time.thread_time_ns() - t0

    return Timed(env)


def _wrapper_cost(tmp: Path, label: str, keep: Any) -> dict[str, float]:
    """Run the batch's episodes through one wrapper; return its thread CPU per step (us)."""
    from robot_sf_gym_video.benchmark.plan import build_plan
    from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
    from robot_sf_gym_video.policies import make_policy
    from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

    timer = _timed(SocialNavEnv("crossing"))
    env = VideoArtifactWrapper(
        timer, video_dir=tmp / label, finalize="background", keep_episode=keep
    )
    body_ns = steps = 0
    last: dict[bool, list[int]] = {True: [], False: []}  # filmed? -> last-step CPU (ns)
    for spec in build_plan(SCENARIOS, EPISODES, 0):
        env.set_episode_identity(spec.scenario, spec.seed, spec.episode_idx)
        obs, _ = env.reset(seed=spec.seed, options={"scenario": spec.scenario})
        policy, done = make_policy("goal", env), False
        while not done:
            action = policy(obs)
            inner, t0 = timer.ns, time.thread_time_ns()
            obs, _, terminated, truncated, info = env.step(action)
            cost = time.thread_time_ns() - t0 - (timer.ns - inner)
            done, steps = terminated or truncated, steps + 1
            if done:
                last["video_pending" in info].append(cost)
            else:
                body_ns += cost
        env.collect_artifacts()
    env.collect_artifacts(wait=True)
    env.close()
    episodes = len(last[True]) + len(last[False])
    return {
        "step_us": body_ns / (steps - episodes) / 1000,
        "filmed_last_us": statistics.fmean(last[True]) / 1000 if last[True] else 0.0,
        "other_last_us": statistics.fmean(last[False]) / 1000 if last[False] else 0.0,
        "steps": steps,
        "filmed": len(last[True]),
    }


def hold(_args: argparse.Namespace) -> None:
    """Print the wrapper's env-thread CPU per step, filming live vs held (``failures``)."""
    with tempfile.TemporaryDirectory() as tmp:
        for label, keep in (
            ("live (all)", None),
            ("held (failures)", lambda info: info["outcome"] != "success"),
        ):
            r = _wrapper_cost(Path(tmp), label.split()[0], keep)
            print(
                f"{label:16s} {r['step_us']:5.1f} us CPU per step in the wrapper; last step "
                f"{r['filmed_last_us']:6.1f} us filmed, {r['other_last_us']:6.1f} us not; "
                f"{r['steps']} steps, {r['filmed']} filmed"
            )


_FILM = """
import json, time
from robot_sf_gym_video.benchmark.film import film_run
s = film_run({out!r}, workers={workers}, **{kwargs!r})
print(json.dumps({{"filmed": len(s.filmed), "frames": s.frames}}))
"""


def film(args: argparse.Namespace) -> None:
    """Seconds (wall and CPU) per episode filmed by replay."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        _batch(out, workers=1, video=False)
        for label, kwargs in (
            ("own settings (synthetic 256x192)", {}),
            ("sim-view 1280x720", {"video_renderer": "sim-view", "video_size": "1280x720"}),
        ):
            for workers in (1, os.cpu_count() or 1):
                r = _child(_FILM.format(out=str(out), workers=workers, kwargs=kwargs))
                n = r["filmed"]
                print(
                    f"film {label}, workers {workers}: {n} episodes, {r['frames']} frames, "
                    f"{r['wall_s'] / n:.3f} s wall and {r['cpu_s'] / n:.3f} s CPU per episode "
                    f"({1000 * r['cpu_s'] / r['frames']:.2f} ms CPU per frame)"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="section", required=True)
    sub.add_parser("actionlog")
    fail = sub.add_parser("failures")
    fail.add_argument("--repeats", type=int, default=3)
    fail.add_argument(
        "--episodes",
        type=int,
        default=EPISODES,
        help=f"episodes per scenario (default {EPISODES}); each worker's one-off costs "
        "(recorder start, encoder check) weigh less in a longer batch",
    )
    sub.add_parser("hold")
    sub.add_parser("film")
    args = parser.parse_args()
    sections = {"actionlog": actionlog, "failures": failures, "hold": hold, "film": film}
    sections[args.section](args)


if __name__ == "__main__":
    main()
