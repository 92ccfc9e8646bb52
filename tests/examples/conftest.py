"""Helpers for the example tests: run a script in a subprocess, decode an MP4 with PyAV."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
MP4_IN_LINE = re.compile(r"(\S+\.mp4)")


def count_frames(path: str | os.PathLike[str]) -> int:
    """Number of frames PyAV decodes from ``path``."""
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def printed_videos(stdout: str) -> list[Path]:
    """Every ``*.mp4`` path a script printed, in order."""
    return [Path(m) for line in stdout.splitlines() for m in MP4_IN_LINE.findall(line)]


@pytest.fixture
def run_example(tmp_path):
    """Run ``examples/<name>`` with ``args`` in an empty working dir; return the process.

    The working dir is ``tmp_path / "cwd"``: a test can check that a script wrote nothing
    outside its ``--out``.
    """
    cwd = tmp_path / "cwd"
    cwd.mkdir()

    def run(name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, str(EXAMPLES / name), *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert proc.returncode == 0, f"{name} failed ({proc.returncode}):\n{proc.stderr}"
        return proc

    run.cwd = cwd
    return run
