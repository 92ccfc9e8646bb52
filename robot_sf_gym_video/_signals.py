"""Starting child processes so that Ctrl-C never hits them half-started.

- ``signals_blocked()``: block SIGINT and SIGTERM in this thread while starting children.
- ``unblock_signals()``: in the child, once its own handlers are in place.

Why: the signal mask is inherited by ``fork`` and ``exec``, and a blocked signal stays
pending rather than lost. A Ctrl-C that arrives while a worker or recorder is still
importing is then delivered once it can handle it, instead of printing a traceback from
the middle of its start-up. Used by the benchmark's workers and the video recorders.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

__all__ = ["signals_blocked", "unblock_signals"]

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread while starting child processes.

    A signal that arrives meanwhile stays pending and is delivered when the block ends,
    so nothing is lost; a child inherits the mask and unblocks once ready.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def unblock_signals() -> None:
    """Unblock SIGINT and SIGTERM (in a child started under ``signals_blocked``)."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
