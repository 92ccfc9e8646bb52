import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def group_gone(pgid: int, timeout_s: float = 5.0) -> bool:
    """Wait until no process of group ``pgid`` is left; False after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def records_of(run_dir):
    path = Path(run_dir) / "episodes.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def without_timings(record, drop=()):
    return {k: v for k, v in record.items() if k != "wall_time_s" and k not in drop}


def run_python(code, *, env_extra=None, timeout=180):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
        check=False,
    )


@pytest.fixture(scope="module")
def video_run(tmp_path_factory):
    """One micro-batch with video, shared by several read-only tests."""
    from robot_sf_gym_video.benchmark.runner import run_batch

    out = tmp_path_factory.mktemp("video_run") / "run"
    summary = run_batch(out, scenarios=["crossing"], episodes=2, max_steps=30, video_enabled=True)
    return out, summary
