"""Ctrl-C and SIGTERM during a batch: stop within seconds, leave a resumable run.

- ``BatchInterrupted``: raised by ``run_batch`` when a signal stopped it (a
  ``KeyboardInterrupt``, so plain Python callers see what they expect); it carries the
  signal and how many planned episodes are recorded, for the CLI's one line.
- ``interruptible()``: context manager for the batch's main thread: SIGTERM raises
  ``KeyboardInterrupt`` like SIGINT does, and the signal that came is remembered.
- ``shielded()``: context manager that ignores SIGINT and SIGTERM while cleaning up, so a
  second Ctrl-C cannot cut the bounded shutdown short (every wait in it has a timeout).
- ``worker_signals()``: the same SIGTERM-as-interrupt rule inside a worker process.
- ``signals_blocked()`` / ``unblock_signals()`` (from ``robot_sf_gym_video._signals``):
  start children with SIGINT and SIGTERM blocked.

Why raise rather than set a flag: an exception also breaks out of a blocking call (a full
pipe, a queue read), which a flag checked between steps cannot.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import NoReturn

from robot_sf_gym_video._signals import signals_blocked, unblock_signals

__all__ = [
    "BatchInterrupted",
    "exit_after_interrupt",
    "exit_code",
    "interruptible",
    "last_signal",
    "shielded",
    "signals_blocked",
    "unblock_signals",
    "worker_signals",
]

_last_signal: list[int] = []


class BatchInterrupted(KeyboardInterrupt):
    """A batch stopped by SIGINT or SIGTERM; completed episodes are recorded.

    Attributes:
        signum: The signal that stopped it.
        recorded: Planned episodes with a record in ``episodes.jsonl``.
        planned: Episodes in the plan.
    """

    def __init__(self, signum: int, recorded: int, planned: int) -> None:
        super().__init__(f"interrupted: {recorded} of {planned} episodes recorded")
        self.signum, self.recorded, self.planned = signum, recorded, planned

    def line(self) -> str:
        """Return the one line the CLI prints."""
        return (
            f"interrupted: {self.recorded} of {self.planned} episodes recorded; "
            "resume with --resume"
        )


def exit_after_interrupt(code: int) -> NoReturn:
    """End the process with ``code`` now: the exit handlers run, the rest of shutdown not.

    Why: an interrupt that lands during an import can leave CPython's "unhandled
    KeyboardInterrupt" flag set even though it was caught; the normal shutdown then ends
    the process by SIGINT (exit -2) instead of the code the CLI chose. The ``atexit``
    handlers still run (multiprocessing unregisters its semaphores, logging flushes), so
    only the interpreter's own teardown is skipped: by now workers are stopped and files
    are closed.
    """
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()  # private but long-standing: the registered handlers, now
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def exit_code(signum: int) -> int:
    """Shell convention: 128 + signal number (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + signum


def _raise(signum: int, frame: FrameType | None) -> None:
    """Raise ``KeyboardInterrupt`` for the first signal only.

    Later signals (a second Ctrl-C, the parent's SIGTERM to a worker already stopping)
    are noted and ignored: they would otherwise cut the bounded cleanup short and print
    a traceback from inside it.
    """
    first = not _last_signal
    _last_signal.append(signum)
    if first:
        raise KeyboardInterrupt


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def interruptible() -> Iterator[list[int]]:
    """Turn SIGINT and SIGTERM into ``KeyboardInterrupt`` here; yield the signals seen.

    Outside the main thread (where Python cannot install handlers) nothing changes.
    """
    _last_signal.clear()
    if not _in_main_thread():
        yield _last_signal
        return
    old = {sig: signal.signal(sig, _raise) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield _last_signal
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Ignore SIGINT and SIGTERM for the duration (bounded cleanup only)."""
    if not _in_main_thread():
        yield
        return
    old = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def worker_signals() -> None:
    """In a worker process: SIGINT and SIGTERM both raise ``KeyboardInterrupt``.

    The parent starts workers with both signals blocked (``signals_blocked``), so
    a Ctrl-C during a worker's start-up waits here instead of printing a traceback from
    the middle of its imports; unblocking delivers it.
    """
    signal.signal(signal.SIGINT, _raise)
    signal.signal(signal.SIGTERM, _raise)
    unblock_signals()


def last_signal(default: int = signal.SIGINT) -> int:
    """Return the most recent signal caught by these handlers (``default`` if none)."""
    return _last_signal[-1] if _last_signal else default
