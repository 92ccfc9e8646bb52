"""How much a busy second vCPU slows the batch by itself, with no video at all.

The video overhead of a one-worker batch has two parts: what the env's own thread pays per
step (packing and handing over a snapshot), and how much the recorder, busy on the other
vCPU, slows the env's vCPU. On a VM whose two vCPUs share a physical core (SMT siblings,
shared caches), the second part is not zero even though the recorder never touches the
env's thread. This script measures it directly: the perf batch without video, alone and
next to a pure-Python spinner process, in interleaved pairs (each batch a fresh
interpreter, order alternating A B / B A so drift hits both alike).

The load runs at the recorder's niceness (``RECORDER_NICENESS``) and at a duty cycle
(busy for ``duty`` of the time), so ``--duty`` can be set to the recorder's own busy
fraction (recorder CPU per frame / batch wall per step, from ``perf``). Two loads:

- ``--load spin`` (default): a pure-Python loop, busy for ``duty`` of each 10 ms period:
  what any busy neighbour costs (the vCPUs' shared core and scheduler).
- ``--load recorder``: the recorder's own work, without any hand-over: a process that
  draws and encodes captured perf-batch snapshots through the recorder loop (synthetic
  renderer, PyAV), over and over, sleeping to keep to ``duty``. Its caches and memory
  traffic are the recorder's, which a spinner does not reproduce.

Usage::

    python benchmarks/bench_interference.py                    # 9 pairs, duty 1.0, spin
    python benchmarks/bench_interference.py --pairs 9 --duty 1.0 0.7
    python benchmarks/bench_interference.py --load recorder --duty 0.7
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


_RECORDER_LOAD = """
import os, sys, tempfile, time
os.nice({nice})
from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.policies import make_policy
from robot_sf_gym_video.sim.trail import TrailCursor
from robot_sf_gym_video.video.snapshot_recorder import RecorderConfig, build_loop

episodes = []
for scenario in ("crossing", "corridor", "doorway", "open_crowd"):
    env = SocialNavEnv(scenario)
    obs, _ = env.reset(seed=1)
    policy, cursor, snaps, done = make_policy("goal", env), TrailCursor(), [], False
    while not done:
        obs, _, terminated, truncated, _ = env.step(policy(obs))
        snaps.append(env.packed_frame_snapshot(lidar=False, cursor=cursor))
        done = terminated or truncated
    episodes.append((env.static_scene(), snaps))
folder = tempfile.mkdtemp(prefix="robot-sf-load-")
loop = build_loop(RecorderConfig(folder, 10.0, "synthetic"), True)
print("ready", flush=True)
duty, busy, start = {duty!r}, 0.0, time.perf_counter()
while True:
    for k, (static, snaps) in enumerate(episodes):
        path = os.path.join(folder, f"e{{k}}.mp4")
        loop.begin(f"e{{k}}", path, path, static)
        for i in range(0, len(snaps), 16):
            t0 = time.thread_time()
            loop.frames(snaps[i : i + 16])
            busy += time.thread_time() - t0
            ahead = busy / duty - (time.perf_counter() - start)
            if ahead > 0:
                time.sleep(ahead)
        loop.end(len(snaps))
"""


def _start_spinner(duty: float, load: str = "spin") -> subprocess.Popen[bytes]:
    if load == "recorder":
        code = _RECORDER_LOAD.format(nice=RECORDER_NICENESS, duty=duty)
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        ready = proc.stdout.readline() if proc.stdout is not None else b""
        if not ready.startswith(b"ready"):
            _stop(proc)
            raise RuntimeError("the recorder load did not start")
        return proc
    code = _SPINNER.format(nice=RECORDER_NICENESS, busy=duty * _PERIOD_S, period=_PERIOD_S)
    return subprocess.Popen([sys.executable, "-c", code])


def _stop(spinner: subprocess.Popen[bytes]) -> None:
    spinner.kill()
    spinner.wait(timeout=10)


def _batch_wall(settings: PerfSettings, label: str, duty: float | None, load: str) -> float:
    spinner = _start_spinner(duty, load) if duty is not None else None
    try:
        if spinner is not None:
            time.sleep(0.2)  # the spinner is running before the batch starts
        return _run_child(settings, label, video=False, workers=1).wall_s
    finally:
        if spinner is not None:
            _stop(spinner)


def measure(pairs: int, duty: float, episodes: int, load: str = "spin") -> dict[str, object]:
    """Return the paired slowdown (%) of the no-video batch next to a ``load`` at ``duty``."""
    with tempfile.TemporaryDirectory(prefix="robot-sf-interference-") as tmp:
        settings = PerfSettings(
            out_dir=Path(tmp), scenarios=DEFAULT_SCENARIOS, episodes=episodes, repeats=pairs
        )
        slowdowns = []
        for i in range(pairs):
            order = (None, duty) if i % 2 == 0 else (duty, None)
            walls = {d: _batch_wall(settings, f"p{i}_{d}", d, load) for d in order}
            slowdowns.append(100.0 * (walls[duty] / walls[None] - 1.0))
            print(
                f"pair {i + 1}/{pairs}: alone {walls[None]:.3f} s, "
                f"next to the {load} load {walls[duty]:.3f} s ({slowdowns[-1]:+.1f}%)",
                file=sys.stderr,
            )
    low, high = bootstrap_median_interval(slowdowns)
    return {
        "load": load,
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
    parser.add_argument(
        "--load",
        choices=("spin", "recorder"),
        default="spin",
        help="what runs next to the batch (default spin; see the module docstring)",
    )
    args = parser.parse_args()
    if args.pairs < 1 or any(not 0.0 < d <= 1.0 for d in args.duty):
        parser.error("--pairs must be >= 1 and every --duty in (0, 1]")
    for duty in args.duty:
        print(json.dumps(measure(args.pairs, duty, args.episodes, args.load)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
