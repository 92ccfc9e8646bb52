"""The pipe transport: a supervised recorder process fed through an OS pipe.

- ``encode_message(kind, payload)``: the bytes of one message (wire format in
  ``transport``'s docstring).
- ``serve_pipe(inbox, outbox, loop)``: the recorder process's loop.
- ``PipeTransport``: the env side: sends messages, reads results, and supervises the
  process (``video.supervise``): a blocked write or a missing result past the stall
  timeout kills it, and every wait is bounded.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import struct
import time
from typing import TYPE_CHECKING, Any

from robot_sf_gym_video.video._util import RecorderDiedError
from robot_sf_gym_video.video.supervise import (
    DEFAULT_STALL_TIMEOUT_S,
    Watchdog,
    exit_cause,
    wait_readable,
)
from robot_sf_gym_video.video.transport import JOIN_TIMEOUT_S

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from robot_sf_gym_video.video.recorder import RecorderLoop

__all__ = ["PipeTransport", "encode_message", "serve_pipe"]

log = logging.getLogger(__name__)

_COUNT = struct.Struct("<I")


def encode_message(kind: str, payload: Any) -> bytes:
    """Return the pipe bytes of one message (see the module docstring)."""
    if kind == "S":
        lengths = struct.pack(f"<{len(payload)}I", *map(len, payload))
        return b"".join((b"S", _COUNT.pack(len(payload)), lengths, *payload))
    if kind in ("B", "C"):
        return kind.encode("ascii") + pickle.dumps(payload, protocol=5)
    if kind == "E":
        return b"E%d" % payload
    return kind.encode("ascii")


def _split_batch(message: bytes) -> list[memoryview]:
    """Return the packed snapshots of an ``S`` message, as views (no copies)."""
    view = memoryview(message)
    (count,) = _COUNT.unpack_from(view, 1)
    offset = 1 + _COUNT.size + 4 * count
    items = []
    for length in struct.unpack_from(f"<{count}I", view, 1 + _COUNT.size):
        items.append(view[offset : offset + length])
        offset += length
    return items


def serve_pipe(inbox: Connection, outbox: Connection, loop: RecorderLoop) -> None:
    """Run ``loop`` on pipe messages until ``Q`` or until the env side disappears."""
    while True:
        try:
            message = inbox.recv_bytes()
        except (EOFError, OSError):
            return  # the env side is gone
        tag = message[:1]
        try:
            if tag == b"S":
                loop.frames(_split_batch(message))
            elif tag == b"B":
                loop.begin(*pickle.loads(message[1:]))
            elif tag == b"C":
                loop.scene(pickle.loads(message[1:]))
            elif tag == b"E":
                outbox.send(loop.end(int(message[1:])))
            elif tag == b"D":
                loop.discard()
            elif tag == b"Q":
                return
        except (EOFError, OSError):
            return  # cannot report results any more
        except Exception as exc:  # one bad message must not stop later episodes
            log.debug("recorder message failed", exc_info=True)
            loop.fail(f"recorder error: {exc!r}")


class PipeTransport:
    """Messages to a recorder process over an OS pipe; results back on a second pipe.

    Supervised: a write blocked for longer than ``stall_timeout_s`` (the recorder is
    stopped or hung) makes the watchdog kill the recorder, which ends the write with a
    broken pipe; a result that does not come within it does the same, whether the env
    side waits for it or asks ``alive`` at the next take. Every other wait is bounded.

    Args:
        worker: The started recorder process (or thread), reading ``inbox_w``'s other end.
        inbox_w: Sending end of the data pipe.
        out_r: Receiving end of the result pipe.
        stall_timeout_s: Longest time without progress before the recorder is killed.
    """

    def __init__(
        self,
        worker: Any,
        inbox_w: Connection,
        out_r: Connection,
        stall_timeout_s: float = DEFAULT_STALL_TIMEOUT_S,
    ) -> None:
        self.worker = worker
        self._inbox_w = inbox_w
        self._out_r = out_r
        self._owner_pid = os.getpid()
        self._dead = False
        self.stall_timeout_s = stall_timeout_s
        self._watchdog = Watchdog(self._kill, stall_timeout_s)
        self._owed = 0  # episodes ended whose result has not come back yet
        self._torn = False  # a write was cut short: the pipe may hold half a message
        self._progress_at = time.monotonic()  # last result, or when a result became owed

    @property
    def alive(self) -> bool:
        """False once the recorder is gone, or owes a result for over the stall timeout."""
        if self._dead:
            return False
        if self._owed and time.monotonic() - self._progress_at > self.stall_timeout_s:
            self._watchdog.stalled = True
            self._kill()
            self._dead = True
            return False
        return self.worker.is_alive()

    def _progress(self, results: int) -> None:
        self._owed = max(0, self._owed - results)
        self._progress_at = time.monotonic()

    def cause(self) -> str:
        """Say why the recorder stopped: killed by a signal, exited, or stalled."""
        return exit_cause(self.worker, self.stall_timeout_s if self._watchdog.stalled else None)

    def _kill(self) -> None:
        """Stop a stalled recorder at once (SIGKILL also ends a SIGSTOPped process)."""
        with contextlib.suppress(Exception):
            self.worker.kill()

    @property
    def pid(self) -> int | None:
        """Process id of the recorder process (None for a thread)."""
        return getattr(self.worker, "pid", None)

    def send(self, kind: str, payload: Any) -> None:
        """Write one message; blocks only while the pipe is full."""
        if self._dead:
            raise RecorderDiedError("the video recorder is not running")
        try:
            with self._watchdog.busy():
                self._inbox_w.send_bytes(encode_message(kind, payload))
        except (OSError, ValueError):
            self._dead = True
            raise RecorderDiedError(self.cause()) from None
        except BaseException:
            # A Ctrl-C between two partial writes of a large message: the recorder would
            # read the next message as this one's tail and wait for bytes that never come.
            self._torn = True
            raise
        if kind == "E":
            if not self._owed:
                self._progress_at = time.monotonic()
            self._owed += 1

    def ready(self) -> list[dict[str, Any]]:
        """Return the results waiting on the result pipe."""
        out: list[dict[str, Any]] = []
        try:
            while self._out_r.poll():
                out.append(self._out_r.recv())
        except (EOFError, OSError):
            self._dead = True
        if out:
            self._progress(len(out))
        return out

    def next_result(self) -> dict[str, Any]:
        """Wait for the next result, at most the stall timeout (then kill the recorder)."""
        if not self._dead and not wait_readable(
            self._out_r, self.stall_timeout_s, self.worker.is_alive
        ):
            if self.worker.is_alive():
                self._watchdog.stalled = True
                self._kill()
            self._dead = True
        try:
            if not self._dead:
                result = self._out_r.recv()
                self._progress(1)
                return result
        except (EOFError, OSError):
            self._dead = True
        raise RecorderDiedError(self.cause())

    def stop(self) -> list[dict[str, Any]]:
        """Ask the recorder to finish, collect what it still sends, and join it."""
        if self._owner_pid != os.getpid():
            return []
        late: list[dict[str, Any]] = []
        if self._torn:
            self._dead = True  # it cannot parse what follows: stop it (SIGTERM) below
        with contextlib.suppress(RecorderDiedError):
            self.send("Q", None)
        while not self._dead:
            try:
                late.append(self.next_result())
            except RecorderDiedError:
                break
        self._watchdog.stop()
        if not self._torn:
            self.worker.join(JOIN_TIMEOUT_S)
        if hasattr(self.worker, "terminate"):
            if self.worker.is_alive():
                if not self._torn:  # expected after a torn write: no warning for that
                    log.warning("video recorder did not stop; terminating it")
                self.worker.terminate()  # SIGTERM: it removes its temp file
                self.worker.join(JOIN_TIMEOUT_S)
            if self.worker.is_alive():
                self.worker.kill()
                self.worker.join(JOIN_TIMEOUT_S)
            self.worker.close()
        for conn in (self._inbox_w, self._out_r):
            conn.close()
        return late

    def forget_after_fork(self) -> None:
        """In a forked child, close the inherited data-pipe end (the parent owns it)."""
        if self._owner_pid != os.getpid():
            with contextlib.suppress(OSError):
                self._inbox_w.close()
