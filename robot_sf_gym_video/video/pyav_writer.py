"""In-process H.264 encoder for the recorder process: libx264 through PyAV, no child process.

- ``pyav_available()``: True when PyAV imports and its FFmpeg build has libx264 (cached).
- ``PyAVStreamWriter``: a ``FrameWriter`` that encodes raw frames with libx264 inside the
  calling process and writes an MP4 under a temporary name, renamed when complete.

Why it exists next to ``FfmpegStreamWriter``: the bundled ffmpeg binary is 172 MB and costs
20-30 ms of CPU just to start, once per episode; feeding it through a pipe adds kernel copies
and wake-ups of its five pipeline threads for every frame. In the recorder *process* the same
libx264 called in-process costs about half the CPU per frame on SocialNav episodes
(docs/performance.md), which is what keeps video inside the 5% budget on a 2-core machine.
It is only used in a recorder process: in a thread PyAV would hold the GIL against the env.

Output is pinned like the ffmpeg path: one x264 thread, constant QP, ultrafast, bit-exact
muxing without metadata, ``+faststart``, one frame in = one frame out, so identical frames
give byte-identical files (for a given PyAV/FFmpeg build).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from robot_sf_gym_video.video.ffmpeg import DEFAULT_QP
from robot_sf_gym_video.video.writer import (
    EncoderFailedError,
    check_frame_geometry,
    claim_temp_path,
    commit_temp_path,
)

if TYPE_CHECKING:
    import av

__all__ = ["PyAVStreamWriter", "pyav_available"]

log = logging.getLogger(__name__)


def _i420_slices(width_px: int, height_px: int) -> tuple[slice, slice, slice]:
    """Byte ranges of the Y, U and V planes in a packed I420 frame."""
    luma = width_px * height_px
    chroma = luma // 4
    return slice(0, luma), slice(luma, luma + chroma), slice(luma + chroma, luma + 2 * chroma)


@functools.lru_cache(maxsize=1)
def pyav_available() -> bool:
    """Return True when PyAV can encode H.264 (libx264) in this process."""
    try:
        import av
    except Exception as exc:  # ImportError, or a broken binary wheel
        log.debug("PyAV unavailable: %s", exc)
        return False
    return "libx264" in getattr(av, "codecs_available", ())


class PyAVStreamWriter:
    """One MP4 being encoded in-process by libx264 (PyAV), streamed frame by frame.

    Memory stays flat: each frame is encoded and muxed as it arrives; nothing is buffered
    beyond x264's own zero-latency pipeline.

    Args:
        final_path: Where the finished MP4 goes (its folder must exist).
        width_px: Frame width, even.
        height_px: Frame height, even.
        fps: Frame rate written into the file.
        pix_fmt_in: ``"yuv420p"`` (planar I420, encoded as is) or ``"rgb24"`` (converted).
        qp: x264 constant quantiser.

    Raises:
        PathUnwritableError: the temporary file cannot be created in the folder.
        EncoderFailedError: PyAV cannot open the encoder.
    """

    #: False: ``close()`` refuses to replace an existing final file (unseeded episodes,
    #: whose names are unique, must never overwrite a file of another episode).
    replace: bool = True

    def __init__(
        self,
        final_path: str | os.PathLike[str],
        width_px: int,
        height_px: int,
        fps: float,
        pix_fmt_in: str = "yuv420p",
        *,
        qp: int = DEFAULT_QP,
    ) -> None:
        self._nbytes = check_frame_geometry(width_px, height_px, pix_fmt_in)
        import av

        self._av = av
        self.final_path = Path(final_path)
        self.width_px, self.height_px, self.pix_fmt_in = width_px, height_px, pix_fmt_in
        self.fps = fps
        self.frames = 0
        self._shape = (
            (height_px * 3 // 2, width_px) if pix_fmt_in == "yuv420p" else (height_px, width_px, 3)
        )
        self._done = False
        self._frame: av.VideoFrame | None = None
        self._plane_slices: tuple[slice, slice, slice] | None = None
        self.temp_path = claim_temp_path(self.final_path)
        try:
            self._container = av.open(
                os.fspath(self.temp_path),
                mode="w",
                format="mp4",
                options={"movflags": "+faststart", "fflags": "+bitexact"},
            )
            rate = Fraction(fps).limit_denominator(1001)
            stream = self._container.add_stream("libx264", rate=rate)
            stream.width, stream.height, stream.pix_fmt = width_px, height_px, "yuv420p"
            stream.codec_context.thread_count = 1
            stream.options = {
                "preset": "ultrafast",
                "tune": "zerolatency",
                "qp": str(qp),
                "flags": "+bitexact",
            }
            self._stream = stream
            self._time_base = Fraction(1) / rate
        except Exception as exc:
            self._done = True
            self._close_container_quietly()
            self._unlink_temp()
            raise EncoderFailedError(f"cannot open the PyAV libx264 encoder: {exc}") from exc

    def alive(self) -> bool:
        """Return True while the writer can take frames."""
        return not self._done

    def write(self, frame: bytes | bytearray | memoryview | np.ndarray) -> None:
        """Encode one raw frame and mux its packets.

        Raises:
            EncoderFailedError: the frame has the wrong size or the encoder failed.
        """
        if self._done:
            raise EncoderFailedError("writer already closed")
        data = np.frombuffer(frame, dtype=np.uint8)
        if data.nbytes != self._nbytes:
            raise EncoderFailedError(
                f"frame has {data.nbytes} bytes, expected {self._nbytes} "
                f"({self.width_px}x{self.height_px} {self.pix_fmt_in})"
            )
        try:
            video_frame = self._to_frame(data)
            video_frame.pts = self.frames
            video_frame.time_base = self._time_base
            self._mux(self._stream.encode(video_frame))
        except Exception as exc:
            raise EncoderFailedError(f"libx264 failed at frame {self.frames + 1}: {exc}") from exc
        self.frames += 1

    def _to_frame(self, data: np.ndarray) -> av.VideoFrame:
        """Wrap raw bytes as a yuv420p ``VideoFrame``.

        I420 input is copied plane by plane into one reused frame (~16 us at 320x240,
        against ~90 us for ``from_ndarray``). Reuse is safe: libx264 copies the picture
        into its own buffers before ``encode()`` returns.
        """
        if self.pix_fmt_in != "yuv420p":
            rgb = self._av.VideoFrame.from_ndarray(data.reshape(self._shape), format="rgb24")
            return rgb.reformat(format="yuv420p")
        if self._frame is None:
            self._frame = self._av.VideoFrame(self.width_px, self.height_px, "yuv420p")
            self._plane_slices = _i420_slices(self.width_px, self.height_px)
            planes = self._frame.planes
            if any(
                p.buffer_size != sl.stop - sl.start
                for p, sl in zip(planes, self._plane_slices, strict=True)
            ):
                self._plane_slices = None  # padded lines: let PyAV handle the layout
        if self._plane_slices is None:
            return self._av.VideoFrame.from_ndarray(data.reshape(self._shape), format="yuv420p")
        for plane, part in zip(self._frame.planes, self._plane_slices, strict=True):
            plane.update(data[part])
        return self._frame

    def close(self) -> None:
        """Flush the encoder, finish the MP4 and rename it to ``final_path``.

        Raises:
            EncoderFailedError: flushing or finishing failed (the temporary file is removed).
            PathUnwritableError: the rename failed (the temporary file is removed).
        """
        if self._done:
            raise EncoderFailedError("writer already closed")
        self._done = True
        try:
            try:
                self._mux(self._stream.encode(None))
                self._container.close()
            except Exception as exc:
                self._close_container_quietly()
                raise EncoderFailedError(f"cannot finish the MP4: {exc}") from exc
            commit_temp_path(self.temp_path, self.final_path, replace=self.replace)
        except BaseException:
            self._unlink_temp()
            raise

    def abort(self) -> None:
        """Drop the file being written; safe to call at any time, repeatedly."""
        if not self._done:
            self._done = True
            self._close_container_quietly()
        self._unlink_temp()

    def _mux(self, packets: list[Any]) -> None:
        for packet in packets:
            self._container.mux(packet)

    def _close_container_quietly(self) -> None:
        container: av.container.OutputContainer | None = getattr(self, "_container", None)
        if container is not None:
            with contextlib.suppress(Exception):
                container.close()

    def _unlink_temp(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temp_path)
