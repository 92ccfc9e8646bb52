"""How much a busy second vCPU slows the batch by itself, with no video at all.

The video overhead of a one-worker batch has two parts: what the env's own thread pays per
step (packing and handing over a snapshot), and how much the recorder, busy on the other
vCPU, slows the env's vCPU. On a VM whose two vCPUs share a physical core (SMT siblings,
shared caches), the second part is not zero even though the recorder never touches the
env's thread. This script measures it directly: the perf batch without video, alone and
next to a pure-Python spinner process, in interleaved pairs (each batch a fresh
interpreter, order alternating A B / B A so drift hits both alike).

The spinner runs at the recorder's niceness (``RECORDER_NICENESS``) and at a duty cycle
(busy for ``duty`` of each 10 ms period), so ``--duty`` can be set to the recorder's own
busy fraction (recorder CPU per frame / batch wall per step, from ``perf``).

Usage::

    python benchmarks/bench_interference.py                    # 9 pairs, duty 1.0
    python benchmarks/bench_interference.py --pairs 9 --duty 1.0 0.8
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from robot_sf_gym_video.benchmark.perf import DEFAULT_SCENARIOS, PerfSettings, _run_child
from robot_sf_gym_video.benchmark.perf_stats import bootstrap_median_interval
from robot_sf_gym_video.video.snapshot_recorder import RECORDER_NICENESS

_PERIOD_S = 0.010
_SPINNER = """
import os, sys, time
os.nice({nice})
busy, period = {busy!r}, {period!r}
while True:
    start = time.perf_counter()
    while time.perf_counter() - start < busy:
        pass
    rest = period - (time.perf_counter() - start)
    if rest > 0:
        time.sleep(rest)
"""


def _start_spinner(duty: float) -> subprocess.Popen[bytes]:
    code = _SPINNER.format(nice=RECORDER_NICENESS, busy=duty * _PERIOD_S, period=_PERIOD_S)
    return subprocess.Popen([sys.executable, "-c", code])


def _stop(spinner: subprocess.Popen[bytes]) -> None:
    spinner.kill()
    spinner.wait(timeout=10)


def _batch_wall(settings: PerfSettings, label: str, duty: float | None) -> float:
    spinner = _start_spinner(duty) if duty is not None else None
    try:
        if spinner is not None:
            time.sleep(0.2)  # the spinner is running before the batch starts
        return _run_child(settings, label, video=False, workers=1).wall_s
    finally:
        if spinner is not None:
            _stop(spinner)


def measure(pairs: int, duty: float, episodes: int) -> dict[str, object]:
    """Return the paired slowdown (%) of the no-video batch next to a spinner at ``duty``."""
    with tempfile.TemporaryDirectory(prefix="robot-sf-interference-") as tmp:
        settings = PerfSettings(
            out_dir=Path(tmp), scenarios=DEFAULT_SCENARIOS, episodes=episodes, repeats=pairs
        )
        slowdowns = []
        for i in range(pairs):
            order = (None, duty) if i % 2 == 0 else (duty, None)
            walls = {d: _batch_wall(settings, f"p{i}_{d}", d) for d in order}
            slowdowns.append(100.0 * (walls[duty] / walls[None] - 1.0))
            print(
                f"pair {i + 1}/{pairs}: alone {walls[None]:.3f} s, "
                f"next to the spinner {walls[duty]:.3f} s ({slowdowns[-1]:+.1f}%)",
                file=sys.stderr,
            )
    low, high = bootstrap_median_interval(slowdowns)
    return {
        "duty": duty,
        "pairs": pairs,
        "episodes_per_scenario": episodes,
        "median_slowdown_pct": round(statistics.median(slowdowns), 2),
        "interval_95_pct": [round(low, 2), round(high, 2)],
        "slowdowns_pct": [round(s, 2) for s in slowdowns],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=9, help="interleaved pairs (default 9)")
    parser.add_argument(
        "--duty", type=float, nargs="+", default=[1.0], help="spinner busy fractions (0-1]"
    )
    parser.add_argument(
        "--episodes", type=int, default=12, help="episodes per scenario (default 12)"
    )
    args = parser.parse_args()
    if args.pairs < 1 or any(not 0.0 < d <= 1.0 for d in args.duty):
        parser.error("--pairs must be >= 1 and every --duty in (0, 1]")
    for duty in args.duty:
        print(json.dumps(measure(args.pairs, duty, args.episodes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
