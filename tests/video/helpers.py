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


class ProcessWatch:
    """Processes started below this one since the watch was created.

    The whole suite runs in one interpreter, so other tests may leave helpers running
    (e.g. multiprocessing's resource tracker); only processes new to a test count.
    """

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self._before = {p.pid for p in self._me.children(recursive=True)}

    def new(self, ffmpeg: bool | None = None) -> list:
        """Live processes started since creation (only ffmpeg / only non-ffmpeg if asked)."""
        import psutil

        out = []
        for proc in self._me.children(recursive=True):
            try:
                if proc.pid in self._before or proc.status() == psutil.STATUS_ZOMBIE:
                    continue
                if "resource_tracker" in " ".join(proc.cmdline()):
                    continue
                if ffmpeg is None or ("ffmpeg" in proc.name()) == ffmpeg:
                    out.append(proc)
            except psutil.NoSuchProcess:
                continue
        return out


def wait_for_encoders(n: int, timeout_s: float = 10.0, watch: ProcessWatch | None = None) -> list:
    """Wait until ``n`` new ffmpeg processes run below this process; return them (psutil)."""
    watch = watch or ProcessWatch()
    deadline = time.monotonic() + timeout_s
    found: list = []
    while time.monotonic() < deadline:
        found = watch.new(ffmpeg=True)
        if len(found) >= n:
            return found
        time.sleep(0.01)
    raise AssertionError(f"expected {n} ffmpeg processes, found {found}")


def kill_and_wait(procs: list, timeout_s: float = 10.0) -> None:
    """SIGKILL psutil processes and wait until each has really exited (zombie or gone).

    ``os.kill`` returns before the kernel has ended the target; code that polls the child
    right after could still see it running.
    """
    import psutil

    for proc in procs:
        proc.kill()
    deadline = time.monotonic() + timeout_s
    for proc in procs:
        while time.monotonic() < deadline:
            try:
                if proc.status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.NoSuchProcess:
                break
            time.sleep(0.005)
