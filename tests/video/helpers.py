"""Helpers for the video tests: decode MP4s with PyAV, list leftovers, find encoders."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def decoded_frames(path: Path) -> list[np.ndarray]:
    """Decode every frame of ``path`` to RGB arrays (PyAV)."""
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def count_frames(path: Path) -> int:
    """Return the number of frames PyAV decodes from ``path``."""
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def leftovers(folder: Path) -> list[str]:
    """Names in ``folder`` that are temporary files (must be empty after an episode)."""
    if not folder.exists():
        return []
    return sorted(p.name for p in folder.iterdir() if "partial" in p.name or p.name.startswith("."))


def wait_for_encoders(n: int, timeout_s: float = 10.0) -> list:
    """Wait until ``n`` ffmpeg processes run below this process; return them (psutil)."""
    import psutil

    deadline = time.monotonic() + timeout_s
    found: list = []
    while time.monotonic() < deadline:
        found = [p for p in psutil.Process().children(recursive=True) if "ffmpeg" in p.name()]
        if len(found) >= n:
            return found
        time.sleep(0.01)
    raise AssertionError(f"expected {n} ffmpeg processes, found {found}")
