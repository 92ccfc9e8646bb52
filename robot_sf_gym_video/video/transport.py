"""How messages reach the recorder loop: a process pipe or a thread queue.

- ``RecorderHandle``: the env-side ``Recorder`` over either transport. It batches pushed
  items (``batch_steps`` per message) and stamps nothing else on the env's thread.
- ``PipeTransport`` (in ``pipe_transport``): a recorder process (forked where possible)
  fed through an OS pipe; ``serve_pipe`` is its loop. Used for SocialNav snapshots.
- ``QueueTransport``: a recorder thread fed through a bounded ``queue.Queue``;
  ``serve_queue`` is its loop. Used for frames an env renders itself, and for snapshots
  where no child process may be started (a daemonic process).

Messages, in order: ``begin(episode_id, final_path, report_path, static)``, ``frames``
(a batch of pushed items), ``scene(static)`` (a clip that runs on into a new episode),
``end(steps)``, ``discard``, ``quit``. On the pipe they are one tag byte each: ``S`` +
``<I`` count, ``count`` x ``<I`` lengths and the packed snapshots back to back (their
trails as deltas: ``video.capture.SnapshotPacker``); ``B`` and
``C`` + pickled arguments; ``E`` + ASCII steps; ``D``; ``Q``. One pipe write and one
recorder wake-up per batch instead of per step is most of what the hand-over saves.

Both transports are bounded (the OS pipe, grown to 256 KiB; the queue's ``maxsize``): if the
recorder falls behind, ``push`` blocks and memory never grows. Every wait on the recorder
polls in short slices and checks that it is still alive.

A *held* episode (``begin(..., hold_bytes=N)``, a take whose fate is known only at its end)
goes through the same calls, but its messages stay in memory: ``end`` sends them all, in
order, so the recorder sees exactly the messages of a live episode and makes the same
file; ``discard`` forgets them and the recorder never hears of it. Once its items exceed
``N`` bytes they are sent and the episode streams on live (a later ``discard`` then tells
the recorder), so holding never grows memory past the cap.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from robot_sf_gym_video.video._util import RecorderDiedError

if TYPE_CHECKING:
    from robot_sf_gym_video.video.recorder import RecorderLoop

__all__ = [
    "QueueTransport",
    "RecorderHandle",
    "Transport",
    "serve_queue",
]

log = logging.getLogger(__name__)

POLL_S = 0.5  # slice of every wait on the recorder, between liveness checks
#: After ``quit`` and its results a recorder process only has to exit (then it is
#: terminated, then killed).
JOIN_TIMEOUT_S = 2.0
#: A recorder thread finishes the episodes still queued before it exits, so it gets
#: longer; a thread that still does not stop is left behind (it is a daemon).
THREAD_JOIN_TIMEOUT_S = 60.0


class Transport(Protocol):
    """Carries messages to a recorder loop and its results back."""

    def send(self, kind: str, payload: Any) -> None:
        """Send one message (``RecorderDiedError`` if the recorder is gone)."""
        ...

    def ready(self) -> list[dict[str, Any]]:
        """Return results already back, without waiting."""
        ...

    def next_result(self) -> dict[str, Any]:
        """Wait for the next result (``RecorderDiedError`` if the recorder is gone)."""
        ...

    def stop(self) -> list[dict[str, Any]]:
        """Send ``quit``, collect the remaining results, stop the recorder."""
        ...

    @property
    def alive(self) -> bool:
        """False once the recorder is known to be gone."""
        ...

    def cause(self) -> str:
        """Say why the recorder stopped."""
        ...


class RecorderHandle:
    """The env side of a recorder: batches steps, sends messages, hands results back.

    Args:
        transport: How messages travel.
        batch_steps: Items per ``frames`` message (1 for large frames).
    """

    def __init__(self, transport: Transport, batch_steps: int) -> None:
        self.transport = transport
        self._batch: list[Any] = []
        self._batch_steps = batch_steps
        self._late: list[dict[str, Any]] = []
        self._closed = False
        self._held: list[tuple[str, Any]] | None = None  # messages of a held episode
        self._held_bytes = 0
        self._hold_cap = 0

    @property
    def pid(self) -> int | None:
        """Process id of the recorder process (None for a thread)."""
        return getattr(self.transport, "pid", None)

    @property
    def alive(self) -> bool:
        """False once the recorder is known to be gone (died, killed, stalled, closed)."""
        return not self._closed and self.transport.alive

    def cause(self) -> str:
        """Say why the recorder stopped (for skip messages and the restart warning)."""
        return self.transport.cause()

    def begin(
        self,
        episode_id: str,
        final_path: str,
        report_path: str,
        static: Any = None,
        hold_bytes: int | None = None,
    ) -> None:
        """Start an episode: the static scene travels once.

        Args:
            episode_id: File stem, echoed in the result.
            final_path: Absolute path of the finished file.
            report_path: The path as reported in the artifact.
            static: The static scene (snapshot recorders), else None.
            hold_bytes: Hold the episode's messages until ``end`` (or ``discard``), while
                its items stay within this many bytes (see the module docstring).
        """
        self._flush()
        if hold_bytes is not None:
            self._held, self._held_bytes, self._hold_cap = [], 0, hold_bytes
        self._send("B", (episode_id, final_path, report_path, static))

    def push(self, item: Any) -> None:
        """Hand over one step; blocks only when the transport is full."""
        batch = self._batch
        batch.append(item)
        if len(batch) >= self._batch_steps:
            self._batch = []
            self._deliver("S", batch)

    def scene(self, static: Any) -> None:
        """Replace the static scene mid-file (a clip running on into a new episode)."""
        self._send("C", static)

    def end(self, steps: int) -> None:
        """Finish the current episode; its result arrives in ``poll()``/``wait()``.

        A held episode's messages are all sent now, in order.
        """
        self._send("E", steps)
        self._release()

    def discard(self) -> None:
        """Drop the current episode; no file, no result (a held one is just forgotten)."""
        self._batch = []
        if self._held is not None:
            self._held = None
            return
        self._send("D", None)

    def poll(self) -> list[dict[str, Any]]:
        """Return the results that are ready, without waiting."""
        out, self._late = self._late, []
        if not self._closed:
            out += self.transport.ready()
        return out

    def wait(self) -> dict[str, Any]:
        """Wait for the next result.

        Raises:
            RecorderDiedError: the recorder is gone.
        """
        if self._late:
            return self._late.pop(0)
        if self._closed:
            raise RecorderDiedError("the video recorder is closed")
        return self.transport.next_result()

    def close(self) -> None:
        """Let the recorder finish queued episodes, keep their results, stop it."""
        if self._closed:
            return
        self._closed = True
        self._batch, self._held = [], None
        self._late += self.transport.stop()

    def _send(self, kind: str, payload: Any) -> None:
        if self._closed:
            raise RecorderDiedError("the video recorder is closed")
        self._flush()
        self._deliver(kind, payload)

    def _flush(self) -> None:
        """Deliver the steps pushed since the last batch."""
        if self._batch:
            batch, self._batch = self._batch, []
            self._deliver("S", batch)

    def _deliver(self, kind: str, payload: Any) -> None:
        """Send one message, or keep it while an episode is held (the one place that sends)."""
        held = self._held
        if held is None:
            self.transport.send(kind, payload)
            return
        held.append((kind, payload))
        if kind == "S":
            self._held_bytes += sum(map(_nbytes, payload))
            if self._held_bytes > self._hold_cap:
                log.info("a held episode exceeded %d bytes; it streams on live", self._hold_cap)
                self._release()

    def _release(self) -> None:
        """Send the held messages in order; the episode (if still running) goes on live."""
        held, self._held = self._held, None
        for kind, payload in held or ():
            self.transport.send(kind, payload)


def _nbytes(item: Any) -> int:
    """Size of one pushed item: a packed snapshot (bytes) or a frame (an array)."""
    nbytes = getattr(item, "nbytes", None)
    if nbytes is not None:
        return int(nbytes)
    return len(item) if isinstance(item, (bytes, bytearray)) else sys.getsizeof(item)


# -- the queue -------------------------------------------------------------------------------
def serve_queue(
    inbox: queue.Queue[tuple[str, Any]],
    results: queue.Queue[dict[str, Any]],
    make_loop: Callable[[], RecorderLoop],
) -> None:
    """Run a loop made in this thread on queued messages until ``quit``."""
    loop = make_loop()
    try:
        while True:
            kind, payload = inbox.get()
            try:
                if kind == "S":
                    loop.frames(payload)
                elif kind == "B":
                    loop.begin(*payload)
                elif kind == "C":
                    loop.scene(payload)
                elif kind == "E":
                    results.put(loop.end(payload))
                elif kind == "D":
                    loop.discard()
                elif kind == "Q":
                    return
            except Exception as exc:  # one bad message must not stop later episodes
                log.debug("recorder message failed", exc_info=True)
                loop.fail(f"writer error: {exc!r}")
    finally:
        loop.shutdown()


class QueueTransport:
    """Messages to a recorder thread over a bounded queue; results on a second queue.

    Args:
        make_loop: Builds the ``RecorderLoop`` inside the new thread.
        max_messages: Bound of the inbox (each ``frames`` message holds one batch).
        name: Thread name.
        stall_timeout_s: A thread that takes no message, or owes a result, for this long
            (e.g. its ffmpeg child is stopped) is abandoned: a thread cannot be killed,
            but the env side stops waiting for it and the next take starts a new one.
    """

    def __init__(
        self,
        make_loop: Callable[[], RecorderLoop],
        max_messages: int = 8,
        name: str = "robot-sf-video-recorder",
        stall_timeout_s: float = 30.0,
    ) -> None:
        self.stall_timeout_s = stall_timeout_s
        self._stalled = False
        self._inbox: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=max_messages)
        self._results: queue.Queue[dict[str, Any]] = queue.Queue()
        self.worker = threading.Thread(
            target=serve_queue, args=(self._inbox, self._results, make_loop), name=name
        )
        self.worker.daemon = True
        self.worker.start()

    def send(self, kind: str, payload: Any) -> None:
        """Queue one message; while the queue is full, make sure the thread still runs."""
        deadline = time.monotonic() + self.stall_timeout_s
        while True:
            try:
                self._inbox.put((kind, payload), timeout=POLL_S)
                return
            except queue.Full:
                self._check(deadline)

    def _check(self, deadline: float) -> None:
        """Raise ``RecorderDiedError`` once the thread is gone or the deadline has passed."""
        if not self._stalled and time.monotonic() > deadline:
            self._stalled = True
        if self._stalled or not self.worker.is_alive():
            raise RecorderDiedError(self.cause())

    @property
    def alive(self) -> bool:
        """False once the writer thread has stopped or was abandoned as stalled."""
        return not self._stalled and self.worker.is_alive()

    def cause(self) -> str:
        """Say why the recorder stopped."""
        if self._stalled:
            return (
                f"the video writer thread made no progress for {self.stall_timeout_s:g} s "
                "and was abandoned"
            )
        return "the video writer thread stopped"

    def ready(self) -> list[dict[str, Any]]:
        """Return the results already queued."""
        out = []
        while True:
            try:
                out.append(self._results.get_nowait())
            except queue.Empty:
                return out

    def next_result(self) -> dict[str, Any]:
        """Wait for the next result, at most the stall timeout, checking the thread lives."""
        deadline = time.monotonic() + self.stall_timeout_s
        while True:
            try:
                return self._results.get(timeout=POLL_S)
            except queue.Empty:
                if self._results.empty():
                    self._check(deadline)

    def stop(self) -> list[dict[str, Any]]:
        """Finish queued work, stop the thread, return results not yet collected."""
        if self.alive:
            with contextlib.suppress(RecorderDiedError):
                self.send("Q", None)
            self.worker.join(THREAD_JOIN_TIMEOUT_S)
        return self.ready()
