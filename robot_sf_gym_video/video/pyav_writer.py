"""In-process H.264 encoder for the recorder process: libx264 through PyAV, no child process.

- ``pyav_installed()``: True when PyAV is installed (no import; cached).
- ``pyav_available()``: True when PyAV imports and its FFmpeg build has libx264 (cached).
- ``PyAVStreamWriter``: a ``TempFileWriter`` that encodes raw frames with libx264 inside the
  calling process and writes an MP4 under a temporary name, renamed when complete.

Why it exists next to ``FfmpegStreamWriter``: the bundled ffmpeg binary is 172 MB and costs
20-30 ms of CPU just to start, once per episode; feeding it through a pipe adds kernel copies
and wake-ups of its pipeline threads for every frame. In the recorder *process* the same
libx264 called in-process costs about half the CPU per frame (docs/performance.md). It is
only used in a recorder process: in a thread PyAV would hold the GIL against the env.

Per frame the writer does one copy into a frame buffer that libx264 reads directly (a
``VideoFrame`` made once over a numpy array), one encode call and one mux call; a frame
drawn straight into ``frame_buffer``, or into one array the caller reuses frame after
frame (wrapped once, see ``_input_frame``), is not even copied. Output is pinned like the ffmpeg
path (``EncoderSettings`` plus one thread, bit-exact muxing, ``+faststart``): one frame in
= one frame out, and identical frames give byte-identical files for a given PyAV build.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import logging
import os
import weakref
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from robot_sf_gym_video.render.i420_tiles import swscale_options
from robot_sf_gym_video.video.writer import (
    EncoderFailedError,
    TempFileWriter,
    WriterSpec,
)

if TYPE_CHECKING:
    import av

__all__ = ["PyAVStreamWriter", "pyav_available", "pyav_installed"]

log = logging.getLogger(__name__)

_MAX_ADOPTED = 64  # arrays wrapped for good per file (a renderer's ring holds 16)


@functools.lru_cache(maxsize=1)
def pyav_installed() -> bool:
    """Return True when PyAV is installed, without importing it.

    The env's process never needs PyAV: only a recorder process does, which then checks
    ``pyav_available``.
    """
    return importlib.util.find_spec("av") is not None


@functools.lru_cache(maxsize=1)
def pyav_available() -> bool:
    """Return True when PyAV can encode H.264 (libx264) in this process."""
    try:
        import av
    except Exception as exc:  # ImportError, or a broken binary wheel
        log.debug("PyAV unavailable: %s", exc)
        return False
    return "libx264" in getattr(av, "codecs_available", ())


class PyAVStreamWriter(TempFileWriter):
    """One MP4 being encoded in-process by libx264 (PyAV), streamed frame by frame.

    Memory stays flat: each frame is encoded and muxed as it arrives; nothing is buffered
    beyond x264's own zero-latency pipeline. Reusing one input frame is safe: libx264
    copies the picture into its own buffers before ``encode()`` returns.

    Args:
        spec: What to write; its ``pix_fmt_in`` is ``"yuv420p"`` (planar I420, encoded as
            is) or ``"rgb24"`` (converted by swscale, in C).

    Raises:
        PathUnwritableError: the temporary file cannot be created in the folder.
        EncoderFailedError: PyAV cannot open the encoder.
    """

    def __init__(self, spec: WriterSpec) -> None:
        super().__init__(spec)
        import av

        width_px, height_px, fps = spec.width_px, spec.height_px, spec.fps
        settings, pix_fmt_in = spec.settings, spec.pix_fmt_in

        i420 = pix_fmt_in == "yuv420p"
        shape = (height_px * 3 // 2, width_px) if i420 else (height_px, width_px, 3)
        #: The encoder's input frame as a numpy array: a caller may draw straight into it.
        self.frame_buffer = np.zeros(shape, dtype=np.uint8)
        self._flat = self.frame_buffer.reshape(-1)
        self._frame = av.VideoFrame.from_numpy_buffer(self.frame_buffer, format=pix_fmt_in)
        self._rgb = pix_fmt_in == "rgb24"
        self._reformat = swscale_options()
        # Arrays copied once (weakly held) and arrays wrapped for good, by id: see
        # _input_frame. The identity check on every hit makes a reused id harmless.
        self._seen: weakref.WeakValueDictionary[int, np.ndarray] = weakref.WeakValueDictionary()
        self._adopted: dict[int, tuple[np.ndarray, av.VideoFrame]] = {}
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
            stream.options = {**settings.x264_options(fps), "flags": "+bitexact"}
            self._stream = stream
            self._time_base = Fraction(1) / rate
        except Exception as exc:
            self._done = True
            self._close_container_quietly()
            self._unlink_temp()
            raise EncoderFailedError(f"cannot open the PyAV libx264 encoder: {exc}") from exc

    def write(self, frame: bytes | bytearray | memoryview | np.ndarray) -> None:
        """Encode one raw frame and mux its packets.

        Raises:
            EncoderFailedError: the frame has the wrong size or the encoder failed.
        """
        if self._done:
            raise EncoderFailedError("writer already closed")
        hit = self._adopted.get(id(frame))
        video_frame = hit[1] if hit is not None and hit[0] is frame else self._input_frame(frame)
        try:
            if self._rgb:
                video_frame = video_frame.reformat(format="yuv420p", **self._reformat)
            video_frame.pts = self.frames
            video_frame.time_base = self._time_base
            self._container.mux(self._stream.encode(video_frame))
        except Exception as exc:
            raise EncoderFailedError(f"libx264 failed at frame {self.frames + 1}: {exc}") from exc
        self.frames += 1

    def _input_frame(self, frame: bytes | bytearray | memoryview | np.ndarray) -> av.VideoFrame:
        """Return the ``VideoFrame`` that holds ``frame``'s pixels (copied, or adopted).

        An array handed over a second time is one the caller draws into again and again
        (``SyntheticRenderer.draw_for_encoder``'s ring): from then on it is wrapped in a
        ``VideoFrame`` of its own, made once, and never copied. Anything else is copied
        into ``frame_buffer``; arrays seen once are only weakly remembered, so a caller's
        fresh frames are not kept alive.
        """
        if frame is self.frame_buffer:
            return self._frame
        data = np.frombuffer(frame, dtype=np.uint8)
        if data.size != self._nbytes:
            raise self._size_error(data.size)
        key = id(frame)
        if self._seen.get(key) is frame and len(self._adopted) < _MAX_ADOPTED:
            import av

            wrapped = av.VideoFrame.from_numpy_buffer(
                frame.reshape(self.frame_buffer.shape), format=self.pix_fmt_in
            )
            self._adopted[key] = (frame, wrapped)
            return wrapped
        if isinstance(frame, np.ndarray) and frame.dtype == np.uint8 and frame.flags.c_contiguous:
            self._seen[key] = frame
        np.copyto(self._flat, data)
        return self._frame

    def _finish(self) -> None:
        try:
            self._container.mux(self._stream.encode(None))
            self._container.close()
        except Exception as exc:
            self._close_container_quietly()
            raise EncoderFailedError(f"cannot finish the MP4: {exc}") from exc

    def _abandon(self) -> None:
        self._close_container_quietly()

    def _close_container_quietly(self) -> None:
        container: av.container.OutputContainer | None = getattr(self, "_container", None)
        if container is not None:
            with contextlib.suppress(Exception):
                container.close()
