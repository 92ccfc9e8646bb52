"""Starting child processes so that Ctrl-C never hits them half-started.

- ``signals_blocked()``: block SIGINT and SIGTERM in this thread while starting children.
- ``unblock_signals()``: in the child, once its own handlers are in place.

Why: the signal mask is inherited by ``fork`` and ``exec``, and a blocked signal stays
pending rather than lost. A Ctrl-C that arrives while a worker or recorder is still
importing is then delivered once it can handle it, instead of printing a traceback from
the middle of its start-up. Used by the benchmark's workers and the video recorders.

The mask alone is not enough in the starting process: it is per thread, and the kernel
hands a process-wide signal to any thread that does not block it (numpy's BLAS pool, a
queue's feeder thread). Python then raises ``KeyboardInterrupt`` in the main thread all the
same, half-way through ``Process.start()``, and the child dies on a truncated pickle with a
traceback. So the main thread also defers its Python handlers for the duration and
re-raises what arrived once the children are started.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["signals_blocked", "unblock_signals"]

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread while starting child processes.

    A signal that arrives meanwhile stays pending (or, if another thread took it, is
    noted) and is delivered when the block ends, so nothing is lost; a child inherits the
    mask and unblocks once ready.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    with _handlers_deferred() as arrived:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            yield
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
    for signum in dict.fromkeys(arrived):
        signal.raise_signal(signum)  # now the real handler runs, outside the start


@contextlib.contextmanager
def _handlers_deferred() -> Iterator[list[int]]:
    """In the main thread: note SIGINT and SIGTERM instead of handling them, for a while."""
    arrived: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield arrived  # only the main thread runs Python handlers; its own block covers it
        return

    def note(signum: int, _frame: FrameType | None) -> None:
        arrived.append(signum)

    # A handler installed outside Python reads as None and could not be put back: left be.
    kept = [sig for sig in _STOP_SIGNALS if signal.getsignal(sig) is not None]
    previous = {sig: signal.signal(sig, note) for sig in kept}
    try:
        yield arrived
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def unblock_signals() -> None:
    """Unblock SIGINT and SIGTERM (in a child started under ``signals_blocked``)."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
