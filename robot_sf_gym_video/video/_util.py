"""Small process helpers shared by the writer and both recorders.

- ``RecorderDiedError``: a recorder thread/process stopped; pending results are lost.
- ``grow_pipe(fd, nbytes)``: ask Linux for a larger pipe buffer (best effort, no-op
  elsewhere).
- ``children_cpu_s()``: CPU seconds of reaped child processes (the ffmpeg encoders).
"""

from __future__ import annotations

import contextlib
import os

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl
    fcntl = None  # type: ignore[assignment]

__all__ = ["PIPE_BYTES", "RecorderDiedError", "children_cpu_s", "grow_pipe"]

#: Pipe buffer asked for by default: absorbs a few frames of jitter while still bounding
#: memory (1 MiB is Linux's default limit for unprivileged processes).
PIPE_BYTES = 1 << 20


class RecorderDiedError(RuntimeError):
    """The recorder stopped unexpectedly; results still pending will never arrive."""


def grow_pipe(fd: int, nbytes: int = PIPE_BYTES) -> None:
    """Enlarge the pipe behind ``fd`` to ``nbytes`` where the OS allows it."""
    setsz = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if setsz is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, setsz, nbytes)


def children_cpu_s() -> float:
    """Return CPU seconds of reaped child processes; 0 where the OS does not report it."""
    times = os.times()
    return times.children_user + times.children_system
