"""``robot-sf-bench perf``: the paired measurement behind the published video budget.

The figure users care about is "how much longer does my batch take with video on?". It is
measured here, not estimated: the same fixed batch (``goal`` policy, default step limits,
synthetic renderer, default video size) runs without and with video, interleaved A B A B so
drift in machine load hits both conditions alike, each run in a fresh child interpreter so
peak RSS is per condition. Each run's wall time covers the whole ``run_batch`` call:
recorder start-up, every frame, and the final episode's file being finalised.

- ``add_arguments(parser)`` / ``run(args)``: the CLI subcommand (wired by ``cli.py``).
- ``measure(settings)``: the library entry point, returns a ``PerfSample``.
- ``machine_info()``: hardware, OS, Python and package versions for the published sample.
- ``format_sample`` / ``judgeable``: the terminal report (``perf_text``, re-exported).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from robot_sf_gym_video.benchmark.budget import DEFAULT_BUDGET_PCT
from robot_sf_gym_video.benchmark.options import parse_video_size
from robot_sf_gym_video.benchmark.perf_stats import ConditionPair, RunFigures, judge_paired
from robot_sf_gym_video.benchmark.perf_text import MIN_JUDGED_PAIRS, format_sample, judgeable
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.fileops import atomic_write
from robot_sf_gym_video.render.registry import RENDERER_NAMES

__all__ = [
    "MIN_JUDGED_PAIRS",
    "PerfSample",
    "PerfSettings",
    "add_arguments",
    "format_sample",
    "judgeable",
    "machine_info",
    "measure",
    "run",
]

logger = logging.getLogger(__name__)

DEFAULT_SCENARIOS = ("crossing", "corridor", "doorway", "open_crowd")
_PACKAGES = (
    "robot_sf_gym_video",
    "gymnasium",
    "numpy",
    "av",
    "moviepy",
    "imageio-ffmpeg",
    "pygame-ce",
)


@dataclass
class PerfSettings:
    """What to measure. Defaults are the published configuration.

    Attributes:
        out_dir: Folder for the runs and ``perf_sample.json`` (nothing is written elsewhere).
        scenarios: Scenarios of the fixed batch.
        episodes: Episodes per scenario; grown automatically until the no-video batch lasts
            ``min_seconds`` (a short batch measures start-up, not video).
        min_seconds: Minimum wall time of the no-video batch.
        repeats: Number of A/B pairs with one worker (at least 9 settle a 5% question).
        busy_repeats: Number of A/B pairs with every core running an env (0 to skip).
        max_steps: Step limit override (None: the scenarios' defaults).
        seed: Batch seed.
        budget_pct: Allowed video overhead in percent.
        renderer: Frame source measured.
        video_size: Frame size override ``(W, H)``; None is the renderer default.
        calibrate: Grow ``episodes`` to reach ``min_seconds`` before measuring.
    """

    out_dir: Path
    scenarios: tuple[str, ...] = DEFAULT_SCENARIOS
    episodes: int = 4
    min_seconds: float = 5.0
    repeats: int = 9
    busy_repeats: int = 3
    max_steps: int | None = None
    seed: int = 0
    budget_pct: float = DEFAULT_BUDGET_PCT
    renderer: str = "synthetic"
    video_size: tuple[int, int] | None = None
    calibrate: bool = True


@dataclass
class PerfSample:
    """The published sample: settings, machine and per-worker-count figures."""

    settings: dict[str, Any]
    machine: dict[str, Any]
    single_worker: dict[str, Any]
    all_cores_busy: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (the content of ``perf_sample.json``)."""
        return asdict(self)


def machine_info() -> dict[str, Any]:
    """Hardware, OS, Python and package versions, so a published figure can be compared."""
    cpu_model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    ffmpeg_version = None
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
        first = subprocess.run(
            [exe, "-version"], capture_output=True, text=True, timeout=30
        ).stdout.splitlines()
        ffmpeg_version = first[0] if first else None
    except Exception as exc:  # machine info is best effort
        logger.debug("ffmpeg version unavailable: %s", exc)
    return {
        "cpu_model": cpu_model,
        "logical_cores": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": versions,
        "ffmpeg": ffmpeg_version,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _memory_gb() -> float | None:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return round(pages / 2**30, 1)


def _child_command(settings: PerfSettings, run_dir: Path, video: bool, workers: int) -> list[str]:
    spec = {
        "out_dir": str(run_dir),
        "scenarios": list(settings.scenarios),
        "episodes": settings.episodes,
        "seed": settings.seed,
        "max_steps": settings.max_steps,
        "workers": workers,
        "video_enabled": video,
        "video_renderer": settings.renderer,
        "video_size": list(settings.video_size) if settings.video_size else None,
    }
    return [sys.executable, "-m", "robot_sf_gym_video.benchmark.perf", "--child", json.dumps(spec)]


def _run_child(settings: PerfSettings, label: str, video: bool, workers: int) -> RunFigures:
    run_dir = settings.out_dir / "runs" / label
    if run_dir.exists():
        shutil.rmtree(run_dir)
    proc = subprocess.run(
        _child_command(settings, run_dir, video, workers), capture_output=True, text=True
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"perf run {label} failed (exit {proc.returncode}): {tail}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return RunFigures(**data)


def _child_main(spec_json: str) -> int:
    """Run one batch in this fresh interpreter and print its figures as one JSON line."""
    from robot_sf_gym_video.benchmark.runner import run_batch

    spec = json.loads(spec_json)
    if spec.get("video_size"):
        spec["video_size"] = tuple(spec["video_size"])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    summary = run_batch(progress=False, **spec)
    wall_s = time.perf_counter() - started
    summary_dict = summary.to_dict()
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = RunFigures(
        video=bool(spec["video_enabled"]),
        workers=int(spec["workers"]),
        wall_s=wall_s,
        episodes=int(summary_dict.get("episodes_run", summary_dict.get("episodes", 0))),
        steps=int(summary_dict.get("steps", 0)),
        peak_rss_mb=round(own.ru_maxrss / 1024.0, 1),
        peak_child_rss_mb=round(children.ru_maxrss / 1024.0, 1),
        cpu_s=own.ru_utime + own.ru_stime - cpu0,
        children_cpu_s=children.ru_utime + children.ru_stime,
        summary=summary_dict,
    )
    print(json.dumps(asdict(figures)))
    return 0


def _calibrate(settings: PerfSettings) -> None:
    """Grow episodes per scenario until the no-video batch lasts ``min_seconds``."""
    for _ in range(4):
        probe = _run_child(settings, "calibrate", video=False, workers=1)
        if probe.wall_s >= settings.min_seconds:
            return
        factor = settings.min_seconds * 1.15 / max(probe.wall_s, 1e-3)
        settings.episodes = max(settings.episodes + 1, math.ceil(settings.episodes * factor))
        logger.info(
            "perf: batch too short (%.2f s); using %d episodes", probe.wall_s, settings.episodes
        )


def _paired(settings: PerfSettings, workers: int, repeats: int) -> ConditionPair:
    pair = ConditionPair(workers=workers, without_video=[], with_video=[])
    for i in range(repeats):
        pair.without_video.append(_run_child(settings, f"w{workers}_novideo_{i}", False, workers))
        pair.with_video.append(_run_child(settings, f"w{workers}_video_{i}", True, workers))
        logger.info(
            "perf: workers=%d pair %d/%d: %.3f s vs %.3f s",
            workers,
            i + 1,
            repeats,
            pair.without_video[-1].wall_s,
            pair.with_video[-1].wall_s,
        )
    return pair


def measure(settings: PerfSettings) -> PerfSample:
    """Run the paired measurement and return the sample (also the no-video calibration)."""
    if settings.repeats < 1:
        raise UsageError(f"--repeats must be >= 1, got {settings.repeats}")
    if settings.episodes < 1:
        raise UsageError(f"--episodes must be >= 1, got {settings.episodes}")
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    if settings.calibrate:
        _calibrate(settings)
    single = _paired(settings, workers=1, repeats=settings.repeats)
    cores = os.cpu_count() or 1
    busy = None
    if settings.busy_repeats > 0 and cores > 1:
        busy = _paired(settings, workers=cores, repeats=settings.busy_repeats).to_dict()
    shutil.rmtree(settings.out_dir / "runs", ignore_errors=True)
    settings_dict = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(settings).items()}
    return PerfSample(
        settings=settings_dict,
        machine=machine_info(),
        single_worker=single.to_dict(),
        all_cores_busy=busy,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``perf`` subcommand's options on ``parser``."""
    arg = parser.add_argument
    arg("--out", default="perf_results", help="folder for the paired runs and perf_sample.json")
    arg(
        "--scenario",
        action="append",
        dest="scenarios",
        metavar="NAME",
        help=f"scenario of the batch; repeatable (default: {', '.join(DEFAULT_SCENARIOS)})",
    )
    arg("--episodes", type=int, default=4, help="episodes per scenario to start calibrating from")
    arg(
        "--min-seconds",
        type=float,
        default=5.0,
        help="grow the batch until one run without video lasts this long (s)",
    )
    arg("--repeats", type=int, default=9, help="interleaved A/B pairs with one worker (>= 9)")
    arg("--busy-repeats", type=int, default=3, help="A/B pairs with every core running a worker")
    arg(
        "--max-steps",
        type=int,
        default=None,
        help="step limit per episode (default: each scenario's own; 30 with --quick)",
    )
    arg("--seed", type=int, default=0, help="batch seed of every run")
    arg("--budget-pct", type=float, default=DEFAULT_BUDGET_PCT, help="video overhead budget (%%)")
    arg("--renderer", choices=RENDERER_NAMES, default="synthetic", help="frame source filmed")
    arg(
        "--video-size",
        default=None,
        metavar="WxH",
        help="frame size, e.g. 320x240 (default: the renderer's)",
    )
    arg("--quick", action="store_true", help="CI smoke mode: tiny batch, one pair, no calibration")


def _check_args(args: argparse.Namespace) -> None:
    """Refuse a bad option before any child runs, as one line naming it (exit 2).

    Otherwise the first child fails with a wrapped traceback, or a negative count is
    silently accepted. Checked as given, before ``--quick`` overrides the counts.
    """
    from robot_sf_gym_video.sim.scenarios import load_scenario

    minimum = {"episodes": 1, "repeats": 1, "busy_repeats": 0, "max_steps": 1}
    for name, least in minimum.items():
        value = getattr(args, name)
        if value is not None and value < least:
            raise UsageError(f"--{name.replace('_', '-')} must be >= {least}, got {value}")
    for name in ("min_seconds", "budget_pct"):
        value = getattr(args, name)
        if not (math.isfinite(value) and value > 0):
            raise UsageError(f"--{name.replace('_', '-')} must be a number > 0, got {value}")
    for scenario in args.scenarios or ():
        load_scenario(scenario)  # ScenarioError names the valid ones
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is not a folder; give a folder for the paired runs")


def settings_from_args(args: argparse.Namespace) -> PerfSettings:
    """Build ``PerfSettings`` from parsed CLI arguments (``--quick`` shrinks everything)."""
    _check_args(args)
    settings = PerfSettings(
        out_dir=Path(args.out),
        scenarios=tuple(args.scenarios) if args.scenarios else DEFAULT_SCENARIOS,
        episodes=args.episodes,
        min_seconds=args.min_seconds,
        repeats=args.repeats,
        busy_repeats=args.busy_repeats,
        max_steps=args.max_steps,
        seed=args.seed,
        budget_pct=args.budget_pct,
        renderer=args.renderer,
        video_size=parse_video_size(args.video_size),
    )
    if args.quick:
        settings.episodes, settings.repeats, settings.busy_repeats = 1, 1, 1
        settings.max_steps = settings.max_steps or 30
        settings.calibrate = False
    return settings


def run(args: argparse.Namespace) -> int:
    """Measure, print, write ``perf_sample.json`` and judge the single-worker overhead."""
    settings = settings_from_args(args)
    sample = measure(settings)
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    out = settings.out_dir / "perf_sample.json"
    atomic_write(out, json.dumps(sample.to_dict(), indent=2) + "\n")
    print(format_sample(sample, settings.budget_pct))
    print(f"wrote {out}")
    figures = sample.single_worker
    if not judgeable(figures):
        return 0
    low, high = figures["overhead_interval_pct"]
    verdict = judge_paired(figures["overhead_pct"], low, high, settings.budget_pct)
    if verdict.over_budget or verdict.inconclusive:
        consequence = (
            "failing because ROBOT_SF_PERF_ENFORCE=1"
            if verdict.exit_code
            else "a conclusive breach fails with ROBOT_SF_PERF_ENFORCE=1"
        )
        logger.warning("%s; %s", verdict.line(), consequence)
    return verdict.exit_code


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.exit(_child_main(sys.argv[2]))
    sys.exit("usage: robot-sf-bench perf [options]")
