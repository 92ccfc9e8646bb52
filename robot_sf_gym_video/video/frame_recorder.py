"""Recorder for any ``render_mode="rgb_array"`` env: a writer thread fed by a bounded queue.

- ``FrameThreadRecorder``: the wrapper puts each ``env.render()`` array, as is, into a
  bounded queue; a background thread converts it (``frames.to_rgb24``) and streams it
  into ffmpeg (rgb24) through an ``EpisodeEncoder``.

Why a thread (not a process) here: the frame already exists in the env's process, and
shipping 0.7 MB per frame to another process would cost more than encoding it. The env's
thread pays only ``Queue.put`` (a few microseconds); the copy and the pipe write release
the GIL. The queue holds at most ``max_queued_frames`` frames: if the encoder falls behind,
``step()`` waits instead of memory growing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
from typing import Any

from robot_sf_gym_video.video._util import RecorderDiedError, children_cpu_s
from robot_sf_gym_video.video.encoder import EpisodeEncoder
from robot_sf_gym_video.video.frames import to_rgb24
from robot_sf_gym_video.video.writer import WriterFactory

__all__ = ["FrameThreadRecorder"]

log = logging.getLogger(__name__)

_WAIT_POLL_S = 0.5


class FrameThreadRecorder:
    """Encode frames handed over by the env's thread on a background thread.

    Messages are handled strictly in order, so ``end()`` of one episode, ``begin()`` of the
    next and its frames may be queued back to back; results appear in the same order.

    Args:
        video_dir: Absolute output folder.
        fps: Frame rate of the files.
        writer_factory: Test seam; ``None`` uses ffmpeg.
        exe: ffmpeg binary.
        max_queued_frames: Bound of the hand-over queue (frames are ~0.7 MB at 600x400).
    """

    def __init__(
        self,
        video_dir: str | os.PathLike[str],
        fps: float,
        *,
        writer_factory: WriterFactory | None = None,
        exe: str | None = None,
        max_queued_frames: int = 8,
    ) -> None:
        self._encoder = EpisodeEncoder(video_dir, fps, writer_factory=writer_factory, exe=exe)
        self._inbox: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=max_queued_frames)
        self._results: queue.Queue[dict[str, Any]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="robot-sf-video-writer", daemon=True)
        self._closed = False
        self._cpu0 = (0.0, 0.0)
        self._thread.start()

    # -- called from the env's thread ------------------------------------------------------
    def begin(self, episode_id: str, final_path: str, report_path: str) -> None:
        """Start an episode (its frames follow with ``push``)."""
        self._put(("B", episode_id, final_path, report_path))

    def push(self, frame: Any) -> None:
        """Hand over one frame; blocks only while the queue is full."""
        self._put(("S", frame))

    def end(self, steps: int) -> None:
        """Finish the current episode; its result arrives in ``poll()``/``wait()``."""
        self._put(("E", steps))

    def discard(self) -> None:
        """Drop the current episode; no file, no result."""
        self._put(("D",))

    def poll(self) -> list[dict[str, Any]]:
        """Return the results that are ready, without waiting."""
        out = []
        while True:
            try:
                out.append(self._results.get_nowait())
            except queue.Empty:
                return out

    def wait(self) -> dict[str, Any]:
        """Wait for the next result.

        Raises:
            RecorderDiedError: the writer thread is gone.
        """
        while True:
            try:
                return self._results.get(timeout=_WAIT_POLL_S)
            except queue.Empty:
                if not self._thread.is_alive():
                    raise RecorderDiedError("the video writer thread stopped") from None

    def close(self) -> None:
        """Finish queued work (pending ``end`` messages), stop the thread; idempotent."""
        if self._closed:
            return
        if self._thread.is_alive():
            with contextlib.suppress(RecorderDiedError):
                self._put(("Q",))
            self._thread.join()
        self._closed = True

    # -- the writer thread -------------------------------------------------------------------
    def _put(self, message: tuple[Any, ...]) -> None:
        """Queue ``message``; while the queue is full, make sure the thread still runs."""
        if self._closed:
            raise RecorderDiedError("the recorder is closed")
        while True:
            try:
                self._inbox.put(message, timeout=_WAIT_POLL_S)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    raise RecorderDiedError("the video writer thread stopped") from None

    def _run(self) -> None:
        try:
            while True:
                message = self._inbox.get()
                if message[0] == "Q":
                    return
                try:
                    self._handle(message)
                except Exception as exc:  # one bad frame must not stop later episodes
                    log.debug("video writer message failed", exc_info=True)
                    self._encoder.fail("encode-error", f"writer error: {exc!r}")
        finally:
            self._encoder.shutdown()

    def _handle(self, message: tuple[Any, ...]) -> None:
        encoder = self._encoder
        kind = message[0]
        if kind == "S":
            try:
                rgb = to_rgb24(message[1])
            except ValueError as exc:
                encoder.fail("encode-error", str(exc))
                return
            encoder.add_frame(rgb.data, rgb.shape[1], rgb.shape[0], "rgb24")
        elif kind == "B":
            self._cpu0 = (time.thread_time(), children_cpu_s())
            encoder.begin(message[1], message[2], message[3], "env")
        elif kind == "E":
            result = encoder.end(message[1])
            cpu_s = time.thread_time() - self._cpu0[0] + children_cpu_s() - self._cpu0[1]
            result["encode_cpu_ms"] = cpu_s * 1000.0
            self._results.put(result)
        elif kind == "D":
            encoder.discard()
