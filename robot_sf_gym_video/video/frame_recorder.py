"""Recorder for any ``render_mode="rgb_array"`` env: a writer thread fed by a bounded queue.

- ``FrameThreadRecorder``: the wrapper puts each ``env.render()`` array, as is, into a
  bounded queue; a background thread runs the ``RecorderLoop`` with a
  ``PassThroughSource`` (``frames.to_rgb24``) and streams the frames into ffmpeg (rgb24).

Why a thread (not a process) here: the frame already exists in the env's process, and
shipping 0.7 MB per frame to another process would cost more than encoding it. The env's
thread pays only ``Queue.put`` (a few microseconds); the copy and the pipe write release
the GIL. The queue holds at most ``max_queued_frames`` frames: if the encoder falls behind,
``step()`` waits instead of memory growing.
"""

from __future__ import annotations

import functools

from robot_sf_gym_video.video.encoder import EncoderConfig, EpisodeEncoder
from robot_sf_gym_video.video.recorder import PassThroughSource, RecorderLoop
from robot_sf_gym_video.video.transport import QueueTransport, RecorderHandle

__all__ = ["FrameThreadRecorder"]


def _frame_loop(config: EncoderConfig) -> RecorderLoop:
    return RecorderLoop(EpisodeEncoder(config), PassThroughSource())


class FrameThreadRecorder(RecorderHandle):
    """Encode frames handed over by the env's thread on a background thread.

    Messages are handled strictly in order, so ``end()`` of one episode, ``begin()`` of the
    next and its frames may be queued back to back; results appear in the same order.

    Args:
        config: Output folder, frame rate and writer (``writer_factory`` is a test seam;
            ``None`` uses ffmpeg).
        max_queued_frames: Bound of the hand-over queue (frames are ~0.7 MB at 600x400).
    """

    def __init__(self, config: EncoderConfig, *, max_queued_frames: int = 8) -> None:
        make_loop = functools.partial(_frame_loop, config)
        transport = QueueTransport(make_loop, max_queued_frames, name="robot-sf-video-writer")
        super().__init__(transport, batch_steps=1)
