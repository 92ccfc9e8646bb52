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

from robot_sf_gym_video.fileops import claim_temp, commit

__all__ = [
    "PIX_FMTS",
    "EncoderFailedError",
    "FrameWriter",
    "PathUnwritableError",
    "WriterError",
    "WriterFactory",
    "check_frame_geometry",
    "claim_temp_path",
    "commit_temp_path",
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


def check_frame_geometry(width_px: int, height_px: int, pix_fmt: str) -> int:
    """Validate a writer's frame geometry and return the byte size of one raw frame.

    Raises:
        ValueError: a side is not positive and even, or the pixel format is unknown.
    """
    if width_px <= 0 or height_px <= 0 or width_px % 2 or height_px % 2:
        raise ValueError(f"frame size must be positive and even, got {width_px}x{height_px}")
    if pix_fmt not in PIX_FMTS:
        raise ValueError(f"pix_fmt_in must be one of {PIX_FMTS}, got {pix_fmt!r}")
    return frame_nbytes(width_px, height_px, pix_fmt)


def claim_temp_path(final_path: Path) -> Path:
    """Create and return the hidden temporary file a writer streams into.

    The package's one temp-name scheme (``fileops.temp_path_for``) in the final folder:
    the same filesystem, so the finished file can be renamed atomically, and never a final
    ``.mp4`` name. Creating it exclusively before any frame also proves the folder is
    writable.

    Raises:
        PathUnwritableError: the file cannot be created.
    """
    try:
        return claim_temp(final_path)
    except OSError as exc:
        raise PathUnwritableError(f"cannot create a file in {final_path.parent}: {exc}") from exc


def commit_temp_path(temp_path: Path, final_path: Path, *, replace: bool = True) -> None:
    """Rename a finished temp file to ``final_path`` (see ``fileops.commit``).

    Raises:
        PathUnwritableError: the rename failed, or ``replace`` is False and ``final_path``
            already exists (a file of another episode is never replaced silently).
    """
    try:
        commit(temp_path, final_path, replace=replace)
    except FileExistsError as exc:
        raise PathUnwritableError(
            f"{final_path.name} already exists and belongs to another episode; not replaced"
        ) from exc
    except OSError as exc:
        raise PathUnwritableError(f"cannot rename to {final_path}: {exc}") from exc


WriterFactory = Callable[[Path, int, int, float, str], FrameWriter]
"""``factory(final_path, width_px, height_px, fps, pix_fmt_in)`` opens one writer."""

PathLike = str | os.PathLike
