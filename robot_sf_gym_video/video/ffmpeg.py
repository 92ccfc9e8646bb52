"""The encoder: probing ffmpeg once per process and streaming raw frames into it.

- ``EncoderStatus`` / ``probe_encoder()`` / ``moviepy_status()``: re-exported from
  ``video.probe`` (what this machine can encode).
- ``ffmpeg_command(...)``: the exact command line for ``yuv420p`` input (pinned for
  byte-identical output).
- ``FfmpegStreamWriter``: one ffmpeg child fed raw frames through its stdin; writes to a
  hidden temporary name in the target folder and renames it only when ffmpeg succeeded.

Who starts ffmpeg: for ``rgb24`` frames (any generic env's ``render()``, and SocialNav's
``frame_format="rgb24"``) moviepy's ``FFMPEG_VideoWriter``, whose raw ``rgb24`` pipe into
ffmpeg is exactly that job; the same determinism options are passed to it. Frames are then
written to its pipe directly (its ``write_frame`` would copy each frame once more). For
planar ``yuv420p``, which the synthetic renderer draws directly and which halves ffmpeg's
CPU, moviepy has no input option, so that command is built here. Both use the binary of
``imageio_ffmpeg.get_ffmpeg_exe()`` (which honours ``IMAGEIO_FFMPEG_EXE``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import tempfile
import weakref
from dataclasses import replace
from fractions import Fraction

from robot_sf_gym_video.video._util import grow_pipe
from robot_sf_gym_video.video.probe import EncoderStatus, moviepy_status, probe_encoder
from robot_sf_gym_video.video.writer import (
    DEFAULT_ENCODER_SETTINGS,
    EncoderFailedError,
    EncoderSettings,
    TempFileWriter,
    WriterSpec,
)

__all__ = [
    "DEFAULT_QP",
    "EncoderStatus",
    "FfmpegStreamWriter",
    "ffmpeg_command",
    "moviepy_status",
    "probe_encoder",
]

log = logging.getLogger(__name__)

#: x264 constant quantiser of the default settings (kept for callers; see ``EncoderSettings``).
DEFAULT_QP = DEFAULT_ENCODER_SETTINGS.qp
_CLOSE_TIMEOUT_S = 120.0
_live_writers: weakref.WeakSet[FfmpegStreamWriter] = weakref.WeakSet()


def _forget_writers_after_fork() -> None:
    """In a forked child, drop every writer inherited from the parent.

    A forked recorder process inherits the write end of each ffmpeg stdin pipe the parent
    holds; if it kept them open, ffmpeg would never see end-of-input when the parent
    finishes a file. The child also must never kill the parent's ffmpeg or delete its
    temporary files, so the inherited objects are turned into inert shells.
    """
    for writer in list(_live_writers):
        writer._forget_inherited()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_writers_after_fork)


def _rate(fps: float) -> str:
    """Return ``fps`` as an exact ffmpeg rational (``10``, ``30000/1001``)."""
    frac = Fraction(fps).limit_denominator(1001)
    if frac <= 0:
        raise ValueError(f"fps must be > 0, got {fps!r}")
    return str(frac.numerator) if frac.denominator == 1 else f"{frac.numerator}/{frac.denominator}"


def _output_options(settings: EncoderSettings, fps: float) -> list[str]:
    """Return the x264 and MP4 options every file gets (see ``ffmpeg_command``)."""
    gop = settings.gop_frames(fps)
    return [
        "-tune",
        settings.tune,
        "-qp",
        str(settings.qp),
        "-i_qfactor",
        settings.i_qfactor,
        *(("-g", str(gop)) if gop is not None else ()),
        *(("-x264-params", settings.x264_params) if settings.x264_params else ()),
        "-movflags",
        "+faststart",
        "-fflags",
        "+bitexact",
        "-flags:v",
        "+bitexact",
        "-map_metadata",
        "-1",
        "-fps_mode",
        "passthrough",
        "-f",
        "mp4",
    ]


def _start_moviepy(
    temp_path: str, width_px: int, height_px: int, fps: float, settings: EncoderSettings, log_fh
) -> subprocess.Popen:
    """Start ffmpeg for ``rgb24`` frames through moviepy's ``FFMPEG_VideoWriter``.

    Raises:
        EncoderFailedError: moviepy cannot be imported, or ffmpeg cannot be started.
    """
    try:
        from moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter
    except Exception as exc:
        raise EncoderFailedError(f"moviepy is not importable: {exc!r}") from exc
    params = ["-hide_banner", "-loglevel", "error", "-filter_threads", "1"]
    params += ["-filter_complex_threads", "1", *_output_options(settings, fps)]
    try:
        writer = FFMPEG_VideoWriter(
            temp_path,
            (width_px, height_px),
            fps,
            codec="libx264",
            preset=settings.preset,
            threads=1,
            logfile=log_fh,
            ffmpeg_params=params,
        )
    except OSError as exc:
        raise EncoderFailedError(f"cannot start ffmpeg: {exc}") from exc
    return writer.proc


def ffmpeg_command(
    exe: str,
    out_path: str | os.PathLike[str],
    width_px: int,
    height_px: int,
    fps: float,
    pix_fmt_in: str,
    qp: int | None = None,
    *,
    settings: EncoderSettings = DEFAULT_ENCODER_SETTINGS,
) -> list[str]:
    """Return the ffmpeg command that encodes raw frames from stdin into an MP4.

    Every option that could make two runs differ is pinned: one x264 thread (x264 is only
    deterministic single-threaded), ``+bitexact`` (no encoder version string) and no
    metadata (no creation time), so identical frames give byte-identical files. Timestamps
    pass through (``-fps_mode passthrough``): ffmpeg never drops or duplicates a frame, so N
    frames in are N frames out. ``+faststart`` moves the index to the front for browsers.
    """
    if qp is not None:
        settings = replace(settings, qp=qp)
    return [
        exe,
        "-y",
        "-loglevel",
        "error",
        # One thread per stage: on a 2-core machine ffmpeg's extra worker threads only
        # add wake-ups that steal time from the env's core.
        "-threads",
        "1",
        "-filter_threads",
        "1",
        "-filter_complex_threads",
        "1",
        "-f",
        "rawvideo",
        "-pix_fmt",
        pix_fmt_in,
        "-s",
        f"{width_px}x{height_px}",
        "-framerate",
        _rate(fps),
        "-i",
        "-",
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        settings.preset,
        "-threads",
        "1",
        "-pix_fmt",
        "yuv420p",
        *_output_options(settings, fps),
        os.fspath(out_path),
    ]


class FfmpegStreamWriter(TempFileWriter):
    """One MP4 being encoded by an ffmpeg child process that reads raw frames from stdin.

    The file is written under the ``TempFileWriter`` temporary name and renamed to
    ``final_path`` by ``close()`` only when ffmpeg exits cleanly.

    Args:
        spec: What to write; its ``pix_fmt_in`` is ``"rgb24"`` or ``"yuv420p"`` (planar
            I420) raw input.
        exe: ffmpeg binary; defaults to the probed one.

    Raises:
        PathUnwritableError: the temporary file cannot be created in the folder.
        EncoderFailedError: ffmpeg cannot be started.
    """

    def __init__(self, spec: WriterSpec, *, exe: str | None = None) -> None:
        super().__init__(spec)
        width_px, height_px, fps, settings = spec.width_px, spec.height_px, spec.fps, spec.settings
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()/abort()
        try:
            if spec.pix_fmt_in == "rgb24":
                args = (width_px, height_px, fps, settings, self._stderr)
                self._proc = _start_moviepy(os.fspath(self.temp_path), *args)
            else:
                self._proc = self._start_pipe(exe, width_px, height_px, fps, settings)
        except EncoderFailedError:
            self._done = True
            self._stderr.close()
            self._unlink_temp()
            raise
        self._stdin = self._proc.stdin
        grow_pipe(self._stdin.fileno())
        self._owner_pid = os.getpid()
        _live_writers.add(self)

    def _start_pipe(
        self, exe: str | None, width_px: int, height_px: int, fps: float, settings: EncoderSettings
    ) -> subprocess.Popen:
        """Start ffmpeg for planar ``yuv420p`` frames with ``ffmpeg_command``."""
        exe = exe or probe_encoder().exe or "ffmpeg"
        cmd = ffmpeg_command(
            exe, self.temp_path, width_px, height_px, fps, "yuv420p", settings=settings
        )
        try:
            return subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                bufsize=0,
                close_fds=True,
            )
        except OSError as exc:
            raise EncoderFailedError(f"cannot start ffmpeg: {exc}") from exc

    def _forget_inherited(self) -> None:
        """Close this process's copy of the pipe; ``close``/``abort`` become no-ops."""
        if self._owner_pid != os.getpid():
            self._done = True
            with contextlib.suppress(OSError, ValueError):
                self._stdin.close()

    @property
    def pid(self) -> int:
        """Process id of the ffmpeg child (tests kill it to simulate a crash)."""
        return self._proc.pid

    def alive(self) -> bool:
        """Return True while ffmpeg is running and can take frames."""
        return not self._done and self._proc.poll() is None

    def write(self, frame: bytes | bytearray | memoryview) -> None:
        """Send one raw frame to ffmpeg (blocks while ffmpeg's pipe is full).

        Raises:
            EncoderFailedError: ffmpeg has exited (broken pipe) or the frame size is wrong.
        """
        view = memoryview(frame).cast("B")
        if view.nbytes != self._nbytes:
            raise self._size_error(view.nbytes)
        try:
            while view.nbytes:
                written = self._stdin.write(view)
                view = view[written:]
        except (OSError, ValueError) as exc:
            raise EncoderFailedError(f"ffmpeg stopped taking frames: {self._error_tail()}") from exc
        self.frames += 1

    def close(self) -> None:
        """Flush, wait for ffmpeg, then rename the temporary file to ``final_path``.

        Raises:
            EncoderFailedError: ffmpeg failed (the temporary file is removed).
            PathUnwritableError: the rename failed (the temporary file is removed).
        """
        try:
            super().close()
        finally:
            self._stderr.close()

    def abort(self) -> None:
        """Kill ffmpeg and delete the temporary file; safe to call at any time, repeatedly."""
        if self._owner_pid != os.getpid():
            return  # an inherited copy in a forked child: the parent owns the process
        super().abort()

    def _finish(self) -> None:
        with contextlib.suppress(OSError):
            self._stdin.close()
        try:
            code = self._proc.wait(timeout=_CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=_CLOSE_TIMEOUT_S)
            raise EncoderFailedError("ffmpeg did not finish in time") from None
        if code != 0:
            raise EncoderFailedError(f"ffmpeg exited {code}: {self._error_tail()}")

    def _abandon(self) -> None:
        with contextlib.suppress(OSError):
            self._proc.kill()
        with contextlib.suppress(OSError, ValueError):
            self._stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(timeout=_CLOSE_TIMEOUT_S)
        self._stderr.close()

    def _error_tail(self) -> str:
        """Return the last line ffmpeg wrote to stderr (or a placeholder)."""
        try:
            self._stderr.seek(0)
            lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        except (OSError, ValueError):
            return "no ffmpeg output"
        return lines[-1][:300] if lines else "no ffmpeg output"
