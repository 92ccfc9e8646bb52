"""Supervising a recorder process: bounded waits, a stall watchdog, why it stopped.

- ``DEFAULT_STALL_TIMEOUT_S``: how long a recorder may make no progress before it is
  killed (a wrapper option and the runner's ``video_stall_timeout_s``).
- ``Watchdog``: a daemon thread that kills the recorder when an env-side call into it
  (a pipe write) has been blocked for longer than the stall timeout.
- ``wait_readable(conn, timeout_s, alive)``: wait for a result without ever blocking for
  good.
- ``exit_cause(process, stalled_s)``: one phrase saying why a recorder stopped, for the
  episode's skip message and the one warning per worker.

Why: a recorder that died, or was stopped (SIGSTOP, a swapped-out machine), must cost at
most one episode's video and a bounded wait, never the rest of the batch. A pipe write
cannot take a timeout, so a blocked write is ended by killing its reader: the write then
fails with a broken pipe, which the env side turns into a skip.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "DEFAULT_STALL_TIMEOUT_S",
    "Watchdog",
    "check_stall_timeout",
    "exit_cause",
    "wait_readable",
]

DEFAULT_STALL_TIMEOUT_S = 30.0


def check_stall_timeout(value: object) -> float:
    """Return ``value`` as a positive finite number of seconds, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"stall timeout {value!r} must be a number of seconds")
    if not (0 < float(value) < float("inf")):
        raise ValueError(f"stall timeout {value!r} must be positive and finite")
    return float(value)


class Watchdog:
    """Calls ``on_stall`` once when a call marked ``busy()`` lasts over ``timeout_s``."""

    def __init__(self, on_stall: Callable[[], None], timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.stalled = False
        self._on_stall = on_stall
        self._since = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="robot-sf-recorder-watchdog", daemon=True
        )
        self._thread.start()

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Mark a blocking call into the recorder (cheap: two attribute writes)."""
        self._since = time.monotonic()
        try:
            yield
        finally:
            self._since = 0.0

    def _run(self) -> None:
        interval = min(0.5, self.timeout_s / 4)
        while not self._stop.wait(interval):
            since = self._since
            if since and time.monotonic() - since > self.timeout_s:
                self.stalled = True
                self._on_stall()
                return

    def stop(self) -> None:
        """End the watchdog thread (idempotent)."""
        self._stop.set()


def wait_readable(conn: Any, timeout_s: float, alive: Callable[[], bool]) -> bool:
    """Wait until ``conn`` has data; False after ``timeout_s`` or once ``alive()`` is False.

    Polls in short slices so a dead recorder is noticed at once, not after the timeout.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        try:
            if conn.poll(min(remaining, 0.25)):
                return True
        except (EOFError, OSError):
            return True  # let the caller's recv() see the end of file
        if not alive():
            return bool(conn.poll(0))


def exit_cause(process: Any, stalled_s: float | None = None) -> str:
    """Say why a recorder process stopped (call after it is known to be gone)."""
    pid = getattr(process, "pid", None)
    who = f"the video recorder (pid {pid})" if pid else "the video recorder"
    if stalled_s is not None:
        return f"{who} made no progress for {stalled_s:g} s and was stopped"
    if not hasattr(process, "exitcode"):  # thread mode
        return f"{who} stopped"
    code = process.exitcode
    if code is None:
        with contextlib.suppress(Exception):
            process.join(0.5)
            code = process.exitcode
    if code is None:
        return f"{who} stopped"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"{who} was killed by {name}"
    return f"{who} exited with code {code}"
