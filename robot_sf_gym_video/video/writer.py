"""The frame-writer interface the recorders stream into, so tests can swap the encoder.

- ``FrameWriter``: protocol of one open output file: ``write(frame)``, ``close()``,
  ``abort()``.
- ``WriterFactory``: ``(final_path, width_px, height_px, fps, pix_fmt_in) -> FrameWriter``.
- ``WriterError`` and its two subclasses, raised by writers so the recorder can map a
  failure to the right ``video_skip`` reason:
  ``PathUnwritableError`` -> ``unwritable-path``, ``EncoderFailedError`` -> ``encode-error``.

The real writer is ``robot_sf_gym_video.video.ffmpeg.FfmpegStreamWriter``; a test double
only has to implement these three methods (see ``tests/video``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

__all__ = [
    "PIX_FMTS",
    "EncoderFailedError",
    "FrameWriter",
    "PathUnwritableError",
    "WriterError",
    "WriterFactory",
    "frame_nbytes",
]

#: Raw pixel formats a writer accepts: packed RGB, or planar I420 (Y, then U, then V at
#: half resolution), which a palette rasterizer can produce directly and halves ffmpeg's CPU.
PIX_FMTS: tuple[str, ...] = ("rgb24", "yuv420p")


class WriterError(Exception):
    """A writer could not produce its file; the subclass says why."""


class PathUnwritableError(WriterError):
    """The output folder or file cannot be created, written or renamed."""


class EncoderFailedError(WriterError):
    """The encoder rejected input, died or exited with an error."""


def frame_nbytes(width_px: int, height_px: int, pix_fmt: str) -> int:
    """Return the byte size of one raw frame (``width_px`` and ``height_px`` even)."""
    if pix_fmt == "rgb24":
        return width_px * height_px * 3
    if pix_fmt == "yuv420p":
        return width_px * height_px * 3 // 2
    raise ValueError(f"pix_fmt must be one of {PIX_FMTS}, got {pix_fmt!r}")


class FrameWriter(Protocol):
    """One output video being written; frames arrive in order, one per env step."""

    def write(self, frame: bytes | bytearray | memoryview) -> None:
        """Append one raw frame (``frame_nbytes`` bytes in the writer's pixel format)."""
        ...

    def close(self) -> None:
        """Finish the file and make it appear under its final name (atomically)."""
        ...

    def abort(self) -> None:
        """Stop and delete everything written so far; never leaves a file behind."""
        ...


WriterFactory = Callable[[Path, int, int, float, str], FrameWriter]
"""``factory(final_path, width_px, height_px, fps, pix_fmt_in)`` opens one writer."""

PathLike = str | os.PathLike
