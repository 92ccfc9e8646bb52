"""Where the video path's CPU goes: recorder CPU per frame, env-thread cost per step.

Sections (each batch runs in a fresh child interpreter, so nothing is warm):

- ``batch``: the perf batch (crossing, corridor, doorway, open_crowd; goal policy; 12
  episodes each; ``run_batch`` with video on). Prints the recorder's CPU per frame with
  everything counted (the recorder process from fork to exit: start-up, drawing,
  encoding, every file's finalising and hashing, reaped as a child of the batch), the
  env thread's extra CPU per step for video (thread CPU of the wrapper's ``step`` minus
  the env's own, averaged over every step, episode ends included) and the batch's CPU per
  step without video, from a paired no-video child.
- ``decompose``: the same batch's snapshots replayed through the recorder loop in one
  process, with thread CPU per stage (unpack, draw, encode, per-episode work). The sum is
  lower than ``batch`` by what only a real process pays (pipe reads, wake-ups, imports).
- ``simview``: ``batch`` with the sim-view renderer at 640x480 (lidar off, then on).
- ``workers``: every core runs an env (``--workers`` = cores), video off and on, in
  interleaved pairs; prints the paired wall-time overhead (noisy on a shared machine) and
  the floor it tends to with no spare core: recorder CPU per frame / batch CPU per step.

CPU-time figures are stable on a busy machine; wall-time overheads are not (use
``robot-sf-bench perf`` on a quiet machine for those).

Usage::

    python benchmarks/bench_recorder.py                 # batch + decompose
    python benchmarks/bench_recorder.py batch --repeats 3
    python benchmarks/bench_recorder.py simview
    python benchmarks/bench_recorder.py workers --repeats 3
    python benchmarks/bench_recorder.py decompose --x264 qp=22,keyframe_interval_s=2
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

SCENARIOS = ("crossing", "corridor", "doorway", "open_crowd")


def batch_child(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one batch here; return CPU figures of the env thread and of the recorder."""
    from robot_sf_gym_video.benchmark.runner import run_batch
    from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
    from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

    cpu = {"outer_ns": 0, "inner_ns": 0}
    outer_step, inner_step = VideoArtifactWrapper.step, SocialNavEnv.step

    def timed_outer(self: Any, action: Any) -> Any:
        t0 = time.thread_time_ns()
        try:
            return outer_step(self, action)
        finally:
            cpu["outer_ns"] += time.thread_time_ns() - t0

    def timed_inner(self: Any, action: Any) -> Any:
        t0 = time.thread_time_ns()
        try:
            return inner_step(self, action)
        finally:
            cpu["inner_ns"] += time.thread_time_ns() - t0

    if spec.get("video_size"):
        spec["video_size"] = tuple(spec["video_size"])
    probe_ns = _probe_cost_ns()
    VideoArtifactWrapper.step = timed_outer  # type: ignore[method-assign]
    SocialNavEnv.step = timed_inner  # type: ignore[method-assign]
    start_cpu, start_wall = time.process_time(), time.perf_counter()
    summary = run_batch(progress=False, **spec).to_dict()
    wall_s = time.perf_counter() - start_wall
    self_cpu_s = time.process_time() - start_cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    steps = max(int(summary["steps"]), 1)
    return {
        "video": spec["video_enabled"],
        "workers": spec["workers"],
        "steps": steps,
        "wall_s": wall_s,
        "cpu_ms_per_step": 1e3 * self_cpu_s / steps,
        "recorder_ms_per_frame": 1e3 * (children.ru_utime + children.ru_stime) / steps,
        "env_thread_video_ms_per_step": 1e-6 * (cpu["outer_ns"] - cpu["inner_ns"]) / steps
        - 1e-6 * probe_ns,
        "videos": summary.get("videos_written"),
    }


def _probe_cost_ns() -> float:
    """Return the thread CPU that a probe like ``timed_inner`` adds to one outer step.

    The outer figure includes the inner probe's clock reads; measured here around a no-op
    and subtracted, so only the wrapper's own work is left.
    """
    acc = {"ns": 0}

    def noop() -> None:
        return None

    def probed() -> None:
        t0 = time.thread_time_ns()
        try:
            return noop()
        finally:
            acc["ns"] += time.thread_time_ns() - t0

    runs = 20_000
    t0 = time.thread_time_ns()
    for _ in range(runs):
        probed()
    with_probe = time.thread_time_ns() - t0
    t0 = time.thread_time_ns()
    for _ in range(runs):
        noop()
    return max(with_probe - (time.thread_time_ns() - t0), 0) / runs


def _child(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _spec(out: Path, args: argparse.Namespace, video: bool, **extra: Any) -> dict[str, Any]:
    spec = {
        "out_dir": str(out),
        "scenarios": list(SCENARIOS),
        "episodes": args.episodes,
        "workers": 1,
        "video_enabled": video,
    }
    spec.update(extra)
    return spec


def _run_batch_child(spec: dict[str, Any]) -> dict[str, Any]:
    shutil.rmtree(spec["out_dir"], ignore_errors=True)
    return _child(["--child-batch", json.dumps(spec)])


def section_batch(args: argparse.Namespace, tmp: Path, **extra: Any) -> dict[str, Any]:
    """Paired no-video / video children; medians over ``--repeats``."""
    rows: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
    for i in range(args.repeats):
        rows["off"].append(_run_batch_child(_spec(tmp / f"off{i}", args, False)))
        rows["on"].append(_run_batch_child(_spec(tmp / f"on{i}", args, True, **extra)))

    def med(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in rows[kind])

    result = {
        "steps": rows["on"][0]["steps"],
        "repeats": args.repeats,
        "step_cpu_ms_without_video": med("off", "cpu_ms_per_step"),
        "recorder_ms_per_frame": med("on", "recorder_ms_per_frame"),
        "recorder_ms_per_frame_all": [round(r["recorder_ms_per_frame"], 4) for r in rows["on"]],
        "env_thread_video_ms_per_step": med("on", "env_thread_video_ms_per_step"),
        "settings": extra,
    }
    print(
        f"[batch {extra or 'default: synthetic 256x192'}] {result['steps']} steps, "
        f"{args.repeats} run(s)\n"
        f"  recorder CPU per frame (everything counted): {result['recorder_ms_per_frame']:.4f} ms"
        f"  (runs: {result['recorder_ms_per_frame_all']})\n"
        f"  env thread, video hand-over per step:        "
        f"{result['env_thread_video_ms_per_step']:.4f} ms\n"
        f"  batch CPU per step without video:            "
        f"{result['step_cpu_ms_without_video']:.4f} ms\n"
        f"  no-spare-core floor (recorder / step):       "
        f"{100 * result['recorder_ms_per_frame'] / result['step_cpu_ms_without_video']:.0f}%"
    )
    return result


def _capture(episodes: int) -> list[tuple[Any, list[bytes]]]:
    """Run the batch's episodes without video; keep each episode's static + snapshots."""
    from robot_sf_gym_video.benchmark.plan import build_plan
    from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
    from robot_sf_gym_video.policies import make_policy
    from robot_sf_gym_video.sim.trail import TrailCursor

    env, out, scenario, policy = SocialNavEnv(SCENARIOS[0]), [], None, None
    for spec in build_plan(SCENARIOS, episodes, 0):
        obs, _ = env.reset(seed=spec.seed, options={"scenario": spec.scenario})
        if spec.scenario != scenario:
            policy, scenario = make_policy("goal", env), spec.scenario
        snaps, done, cursor = [], False, TrailCursor()  # trail deltas, as the wrapper sends
        while not done:
            obs, _, terminated, truncated, _ = env.step(policy(obs))
            snaps.append(env.packed_frame_snapshot(lidar=False, cursor=cursor))
            done = terminated or truncated
        out.append((env.static_scene(), snaps))
    return out


def section_decompose(args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    """Replay captured snapshots through the recorder loop with per-stage thread CPU."""
    from robot_sf_gym_video.render.synthetic import SyntheticRenderer
    from robot_sf_gym_video.sim.snapshot_stream import SnapshotDecoder
    from robot_sf_gym_video.video import encoder as encoder_mod
    from robot_sf_gym_video.video import pyav_writer
    from robot_sf_gym_video.video.snapshot_recorder import RecorderConfig, build_loop

    episodes = _capture(args.episodes)
    acc: dict[str, float] = defaultdict(float)

    def timed(name: str, fn: Any) -> Any:
        def inner(*a: Any, **k: Any) -> Any:
            t0 = time.thread_time()
            try:
                return fn(*a, **k)
            finally:
                acc[name] += time.thread_time() - t0

        return inner

    SnapshotDecoder.unpack = timed("unpack", SnapshotDecoder.unpack)
    for name in ("render_for_encoder", "draw_for_encoder"):  # whichever the source calls
        setattr(SyntheticRenderer, name, timed("draw", getattr(SyntheticRenderer, name)))
    writer = pyav_writer.PyAVStreamWriter
    writer.write = timed("encode (copy, x264, mux)", writer.write)
    open_writer = writer.__init__
    if args.x264:  # e.g. "qp=22,keyframe_interval_s=2": what a settings change costs
        settings = _settings(args.x264)

        def open_writer(self: Any, spec: Any, _init: Any = writer.__init__) -> None:
            _init(self, dataclasses.replace(spec, settings=settings))

        print(f"[decompose] encoder settings: {settings}")
    writer.__init__ = timed("per episode: open", open_writer)
    writer.close = timed("per episode: flush + close", writer.close)
    encoder_mod._sha256 = timed("per episode: sha256", encoder_mod._sha256)
    frames = sum(len(s) for _, s in episodes)
    t0 = time.thread_time()
    loop = build_loop(RecorderConfig(str(tmp / "replay"), 10.0, "synthetic"), True)
    acc["start-up (renderer, encoder)"] = time.thread_time() - t0
    t0 = time.thread_time()
    for k, (static, snaps) in enumerate(episodes):
        loop.begin(f"e{k}", str(tmp / "replay" / f"e{k}.mp4"), f"e{k}.mp4", static)
        for i in range(0, len(snaps), 64):
            loop.frames(snaps[i : i + 64])
        loop.end(len(snaps))
    total = time.thread_time() - t0 + acc["start-up (renderer, encoder)"]
    loop.shutdown()
    print(f"[decompose] {frames} frames replayed in one process (thread CPU, ms per frame)")
    rows = {name: 1e3 * value / frames for name, value in acc.items()}
    rows["loop + dispatch (rest)"] = 1e3 * total / frames - sum(rows.values())
    for name, value in rows.items():
        print(f"  {name:32s} {value:.4f}")
    print(f"  {'total':32s} {1e3 * total / frames:.4f}")
    return rows


def _settings(text: str) -> Any:
    """Parse ``key=value,...`` into ``EncoderSettings`` (numbers where they parse)."""
    import dataclasses

    from robot_sf_gym_video.video.writer import DEFAULT_ENCODER_SETTINGS

    changes: dict[str, Any] = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        try:
            changes[key.strip()] = int(value) if value.strip().isdigit() else float(value)
        except ValueError:
            changes[key.strip()] = value.strip()
    return dataclasses.replace(DEFAULT_ENCODER_SETTINGS, **changes)


def section_workers(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Workers = cores: interleaved pairs of wall time, plus the CPU floor."""
    cores = os.cpu_count() or 1
    pairs, recorder_ms, step_ms = [], [], []
    for i in range(args.repeats):
        off = _run_batch_child(_spec(tmp / f"woff{i}", args, False, workers=cores))
        on = _run_batch_child(_spec(tmp / f"won{i}", args, True, workers=cores))
        pairs.append(100.0 * (on["wall_s"] - off["wall_s"]) / off["wall_s"])
    single = section_batch(argparse.Namespace(episodes=args.episodes, repeats=1), tmp)
    recorder_ms.append(single["recorder_ms_per_frame"])
    step_ms.append(single["step_cpu_ms_without_video"])
    floor = 100.0 * recorder_ms[0] / step_ms[0]
    print(
        f"[workers={cores}] paired wall overhead: median {statistics.median(pairs):+.1f}% "
        f"(pairs {[round(p, 1) for p in pairs]}); CPU floor with no spare core ~{floor:.0f}%"
    )
    return {"workers": cores, "pair_overheads_pct": pairs, "floor_pct": floor}


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "section",
        nargs="?",
        default="default",
        choices=("default", "batch", "decompose", "simview", "workers"),
    )
    parser.add_argument("--episodes", type=int, default=12, help="episodes per scenario")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--x264", help="decompose with other EncoderSettings, e.g. qp=22,keyframe_interval_s=2"
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child-batch", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_batch:
        print(json.dumps(batch_child(json.loads(args.child_batch))))
        return 0
    report: dict[str, Any] = {"python": sys.version.split()[0], "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-recorder-") as name:
        tmp = Path(name)
        if args.section in ("default", "batch"):
            report["batch"] = section_batch(args, tmp)
        if args.section in ("default", "decompose"):
            report["decompose"] = section_decompose(args, tmp)
        if args.section == "simview":
            for lidar in (False, True):
                extra = {
                    "video_renderer": "sim-view",
                    "video_size": [640, 480],
                    "video_lidar": lidar,
                }
                report[f"simview_lidar_{lidar}"] = section_batch(args, tmp, **extra)
        if args.section == "workers":
            report["workers"] = section_workers(args, tmp)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
