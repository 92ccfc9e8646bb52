"""What every frame writer shares: the interface, the encoder settings, the file handling.

- ``EncoderSettings`` / ``DEFAULT_ENCODER_SETTINGS``: the one place that decides how
  libx264 encodes (preset, tune, QP, keyframe interval); both writers read it, so a
  change of quality or seekability is one edit here.
- ``FrameWriter``: protocol of one open output file: ``write(frame)``, ``close()``,
  ``abort()``; ``WriterFactory`` opens one.
- ``TempFileWriter``: the base both real writers extend. It checks the geometry, claims
  the hidden temporary file, commits it by rename and deletes it on abort, so that no
  half-written file ever carries a final name; subclasses only encode.
- ``WriterError`` and its two subclasses, raised by writers so the recorder can map a
  failure to the right ``video_skip`` reason:
  ``PathUnwritableError`` -> ``unwritable-path``, ``EncoderFailedError`` -> ``encode-error``.

A test double only has to implement the three ``FrameWriter`` methods (see ``tests/video``).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from robot_sf_gym_video.fileops import claim_temp, commit

__all__ = [
    "DEFAULT_ENCODER_SETTINGS",
    "PIX_FMTS",
    "EncoderFailedError",
    "EncoderSettings",
    "FrameWriter",
    "PathUnwritableError",
    "TempFileWriter",
    "WriterError",
    "WriterFactory",
    "WriterSpec",
    "check_frame_geometry",
    "claim_temp_path",
    "commit_temp_path",
    "frame_nbytes",
]

#: Raw pixel formats a writer accepts: packed RGB, or planar I420 (Y, then U, then V at
#: half resolution), which a palette rasterizer can produce directly and halves ffmpeg's CPU.
PIX_FMTS: tuple[str, ...] = ("rgb24", "yuv420p")


@dataclass(frozen=True)
class EncoderSettings:
    """How libx264 encodes every file, whichever writer runs it.

    Every option that could make two runs differ stays pinned by the writers (one thread,
    bit-exact muxing, no metadata); these are the ones worth choosing.

    Attributes:
        preset: x264 speed preset. ``ultrafast`` keeps the recorder's CPU per frame close
            to the cost of drawing the frame.
        tune: x264 tune. ``zerolatency`` drops lookahead and B-frames: one frame in gives
            its packet out at once, so memory stays flat and nothing waits for the end.
        qp: Constant quantiser. A fixed QP skips rate control (less CPU than CRF). 22
            keeps every decoded frame within the fidelity floors of docs/renderers.md
            (RGB and luma PSNR against swscale's yuv420p of ``render()``); 28 let
            errors pile up along past positions (pink and orange ghosts).
        keyframe_interval_s: Seconds of video between keyframes, so players seek without
            decoding from the start and errors cannot accumulate for a whole file; None
            leaves x264's default (one keyframe per 250 frames).
        ip_ratio: QP step from P- to I-frames (x264 ``ipratio``; libavcodec's
            ``i_qfactor`` is its inverse). 4 codes each keyframe at a QP 12 lower: the
            static background in the reference is then close to exact, so the frames
            predicted from it skip it instead of re-coding its quantisation noise. That
            costs less x264 CPU than flat quality (1.0) and makes every frame more
            faithful, for somewhat larger files; quality steps down from each keyframe
            to the P-frame level and does not drift along the clip
            (``tests/benchmark/test_fidelity.py``).
        dct_decimate: x264's DCT decimation, which drops blocks holding only a few small
            coefficients. Off: scoring every block costs more CPU than coding the few
            coefficients it would drop, and keeping them is slightly more faithful (the
            files grow by a few percent).
    """

    preset: str = "ultrafast"
    tune: str = "zerolatency"
    qp: int = 22
    keyframe_interval_s: float | None = 2.0
    ip_ratio: float = 4.0
    dct_decimate: bool = False

    def gop_frames(self, fps: float) -> int | None:
        """Return the keyframe interval in frames at ``fps`` (None: x264's default)."""
        if self.keyframe_interval_s is None:
            return None
        return max(1, math.floor(self.keyframe_interval_s * fps + 1e-9))

    @property
    def i_qfactor(self) -> str:
        """Return ``ip_ratio`` as libavcodec's ``i_qfactor`` option (its inverse)."""
        return repr(1.0 / self.ip_ratio)

    def x264_options(self, fps: float) -> dict[str, str]:
        """Return the codec options (PyAV ``stream.options``; ffmpeg's ``-preset`` etc.)."""
        options = {"preset": self.preset, "tune": self.tune, "qp": str(self.qp)}
        options["i_qfactor"] = self.i_qfactor
        gop = self.gop_frames(fps)
        if gop is not None:
            options["g"] = str(gop)
        params = self.x264_params
        if params:
            options["x264-params"] = params
        return options

    @property
    def x264_params(self) -> str:
        """Return the options libavcodec has no name for, as x264's ``key=value:...``."""
        return "" if self.dct_decimate else "dct-decimate=0"


#: The settings every recorder uses.
DEFAULT_ENCODER_SETTINGS = EncoderSettings()


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
        """Append one raw frame (``frame_nbytes`` bytes in the writer's pixel format).

        The caller may overwrite ``frame`` once this returns (the recorder draws every
        frame into one reused buffer): a writer that keeps pixels must copy them.
        """
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


@dataclass(frozen=True)
class WriterSpec:
    """What one writer writes: the file, its frame geometry and rate, and how x264 encodes.

    Why one object: every writer (and its base) takes the same description; a per-call
    change (another ``qp``) is ``dataclasses.replace`` on ``settings`` where it is needed.

    Attributes:
        final_path: Where the finished file goes (its folder must exist).
        width_px: Frame width, even.
        height_px: Frame height, even.
        fps: Frame rate written into the file.
        pix_fmt_in: One of ``PIX_FMTS``.
        settings: How libx264 encodes.
    """

    final_path: Path
    width_px: int
    height_px: int
    fps: float
    pix_fmt_in: str
    settings: EncoderSettings = DEFAULT_ENCODER_SETTINGS


class TempFileWriter:
    """Base of the real writers: claim a temporary file, commit it by rename, or abort.

    Subclasses encode into ``temp_path`` and implement ``_finish`` (flush the encoder and
    complete the temporary file) and ``_abandon`` (stop encoding at once). ``final_path``
    may be reassigned before ``close()`` (a warm spare writer is started before the next
    episode's name is known).

    Args:
        spec: What to write (file, geometry, rate, pixel format, x264 settings).

    Raises:
        ValueError: bad geometry or pixel format.
        PathUnwritableError: the temporary file cannot be created in the folder.
    """

    #: False: ``close()`` refuses to replace an existing final file (unseeded episodes,
    #: whose names are unique, must never overwrite a file of another episode).
    replace: bool = True

    def __init__(self, spec: WriterSpec) -> None:
        self._nbytes = check_frame_geometry(spec.width_px, spec.height_px, spec.pix_fmt_in)
        self.final_path = Path(spec.final_path)
        self.width_px, self.height_px = spec.width_px, spec.height_px
        self.pix_fmt_in = spec.pix_fmt_in
        self.fps = spec.fps
        self.settings = spec.settings
        self.frames = 0
        self._done = False
        self.temp_path = claim_temp_path(self.final_path)

    def alive(self) -> bool:
        """Return True while the writer can take frames."""
        return not self._done

    def matches(self, width_px: int, height_px: int, fps: float, pix_fmt_in: str) -> bool:
        """Return True when this writer was opened for frames of this geometry and rate."""
        return (width_px, height_px, fps, pix_fmt_in) == (
            self.width_px,
            self.height_px,
            self.fps,
            self.pix_fmt_in,
        )

    def _size_error(self, nbytes: int) -> EncoderFailedError:
        return EncoderFailedError(
            f"frame has {nbytes} bytes, expected {self._nbytes} "
            f"({self.width_px}x{self.height_px} {self.pix_fmt_in})"
        )

    def close(self) -> None:
        """Finish the file and rename it to ``final_path``.

        Raises:
            EncoderFailedError: the encoder failed (the temporary file is removed).
            PathUnwritableError: the rename failed (the temporary file is removed).
        """
        if self._done:
            raise EncoderFailedError("writer already closed")
        self._done = True
        try:
            self._finish()
            commit_temp_path(self.temp_path, self.final_path, replace=self.replace)
        except BaseException:
            self._unlink_temp()
            raise

    def abort(self) -> None:
        """Drop the file being written; safe to call at any time, repeatedly."""
        if not self._done:
            self._done = True
            self._abandon()
        self._unlink_temp()

    def _finish(self) -> None:
        """Flush the encoder and complete ``temp_path`` (subclasses)."""
        raise NotImplementedError

    def _abandon(self) -> None:
        """Stop encoding now, without completing the file (subclasses)."""
        raise NotImplementedError

    def _unlink_temp(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temp_path)


WriterFactory = Callable[[Path, int, int, float, str], FrameWriter]
"""``factory(final_path, width_px, height_px, fps, pix_fmt_in)`` opens one writer."""

PathLike = str | os.PathLike
