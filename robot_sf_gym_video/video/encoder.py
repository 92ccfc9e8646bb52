"""Per-episode bookkeeping shared by both recorders: frames in, one artifact or skip out.

- ``EpisodeEncoder``: owns the current episode's writer and a warm spare ffmpeg for the
  next episode, counts frames, maps writer failures to skip reasons, and at episode end
  stats and hashes the finished file. Used by exactly one thread (the recorder thread or
  the recorder process), never by the env's thread.
- ``result_payload(result)``: strip a result dict down to ``{"video": ...}`` or
  ``{"video_skip": ...}``.

A result is a plain dict (it crosses a process pipe): ``{"episode_id": str, "video":
{...}}`` or ``{"episode_id": str, "video_skip": {...}}``, plus ``"encode_cpu_ms"`` (CPU
the recorder and its ffmpeg children spent on the episode, approximate).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from robot_sf_gym_video.registry import Registry
from robot_sf_gym_video.video.artifact import VideoArtifact, VideoSkip
from robot_sf_gym_video.video.ffmpeg import FfmpegStreamWriter
from robot_sf_gym_video.video.naming import is_unseeded_id
from robot_sf_gym_video.video.writer import (
    FrameWriter,
    PathUnwritableError,
    WriterError,
    WriterFactory,
    WriterSpec,
)

__all__ = [
    "ENCODERS",
    "ENCODER_BACKENDS",
    "ENCODER_CHOICES",
    "EncoderConfig",
    "EncoderSpec",
    "EpisodeEncoder",
    "result_payload",
]


@dataclass(frozen=True)
class EncoderSpec:
    """An H.264 encoder implementation behind ``EpisodeEncoder``.

    Attributes:
        name: What ``encoder=`` selects.
        needs: Import name of the dependency that provides it.
        own_process_only: True when it may only run in a recorder process of its own
            (PyAV holds the GIL while it encodes, which would stall the env's thread).
        summary: One line for the docs.
    """

    name: str
    needs: str
    own_process_only: bool = False
    summary: str = ""


ENCODERS: Registry[EncoderSpec] = Registry(
    "encoder",
    [
        EncoderSpec("ffmpeg", "imageio_ffmpeg", summary="the bundled ffmpeg binary, piped"),
        EncoderSpec("pyav", "av", own_process_only=True, summary="libx264 in-process (PyAV)"),
    ],
)
#: Encoder implementations behind ``EpisodeEncoder``.
ENCODER_BACKENDS: tuple[str, ...] = ENCODERS.names()
#: What users may ask for: ``"auto"`` picks per recorder (``resolve_encoder``).
ENCODER_CHOICES: tuple[str, ...] = ("auto", *ENCODER_BACKENDS)

log = logging.getLogger(__name__)

_SPARE_NAME = "next.mp4"  # placeholder final name of the warm spare (renamed before use)
_HASH_CHUNK_BYTES = 1 << 20


def result_payload(result: dict[str, Any]) -> dict[str, Any]:
    """Return ``{"video": {...}}`` or ``{"video_skip": {...}}`` from a recorder result."""
    key = "video" if "video" in result else "video_skip"
    return {key: result[key]}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class EncoderConfig:
    """Where and how an ``EpisodeEncoder`` writes its files (one object for every recorder).

    Attributes:
        video_dir: Absolute folder for the files; created at the first frame.
        fps: Frame rate written into the files.
        writer_factory: Opens writers; ``None`` uses the ``backend``'s writer.
        exe: ffmpeg binary for the default writer.
        backend: ``"ffmpeg"`` (the bundled binary, one child per episode, warm spares) or
            ``"pyav"`` (libx264 in this process: no child to start; only for a recorder
            process, since it holds the GIL while encoding).
    """

    video_dir: str | os.PathLike[str]
    fps: float
    writer_factory: WriterFactory | None = None
    exe: str | None = None
    backend: str = "ffmpeg"


class EpisodeEncoder:
    """Turn the frames of one episode at a time into a finished MP4 (or a skip reason).

    The first frame of an episode fixes its size and pixel format; the writer is opened
    then (taking the warm spare when it matches) and a new spare is started immediately,
    so the next episode never waits for ffmpeg to start. Any writer failure ends the
    encoding of that episode (frames are then dropped, the episode itself goes on) and is
    reported at ``end()``.

    Args:
        config: Folder, frame rate and writer backend.
    """

    def __init__(self, config: EncoderConfig) -> None:
        # checked where users choose it (the wrapper)
        assert config.backend in ENCODERS, config.backend
        self.backend = config.backend
        self.video_dir = Path(config.video_dir)
        self.fps = config.fps
        self._factory = config.writer_factory
        self._exe = config.exe
        self._spare: FfmpegStreamWriter | None = None
        self._writer: FrameWriter | None = None
        self._episode_id = ""
        self._final_path = self.video_dir / _SPARE_NAME
        self._report_path = ""
        self._label = "env"
        self._notes: str | None = None
        self._frames = 0
        self._failure: tuple[str, str] | None = None

    @property
    def failed(self) -> bool:
        """True once the current episode cannot produce a file (frames are dropped)."""
        return self._failure is not None

    # -- episode lifecycle -------------------------------------------------------------
    def begin(
        self,
        episode_id: str,
        final_path: str | os.PathLike[str],
        report_path: str,
        renderer_label: str,
        notes: str | None = None,
    ) -> None:
        """Start an episode; any unfinished previous one is discarded first."""
        if self._writer is not None:
            self.discard()
        self._episode_id = episode_id
        self._final_path = Path(final_path)
        self._report_path = report_path
        self._label = renderer_label
        self._notes = notes
        self._frames = 0
        self._failure = None

    def fail(self, reason: str, message: str) -> None:
        """Stop encoding this episode (frames are dropped) and report ``reason`` at end."""
        if self._failure is None:
            self._failure = (reason, message)
        self._abort_writer()

    def add_frame(
        self, frame: bytes | memoryview, width_px: int, height_px: int, pix_fmt: str
    ) -> None:
        """Encode one frame of the current episode (dropped once the episode has failed)."""
        if self._failure is not None:
            return
        if self._writer is None:
            try:
                self._writer = self._open(width_px, height_px, pix_fmt)
            except PathUnwritableError as exc:
                self.fail("unwritable-path", str(exc))
                return
            except (WriterError, OSError, ValueError) as exc:
                self.fail("encode-error", f"cannot start the encoder: {exc}")
                return
            self.warm(width_px, height_px, pix_fmt)
        try:
            self._writer.write(frame)
        except (WriterError, OSError, ValueError) as exc:
            self.fail("encode-error", f"encoder failed at frame {self._frames + 1}: {exc}")
            return
        self._frames += 1

    def end(self, steps: int) -> dict[str, Any]:
        """Finish the episode and return its result dict (see the module docstring)."""
        writer, self._writer = self._writer, None
        if self._failure is None and steps == 0:
            self._failure = ("no-frames", "the episode ended before its first step")
        if self._failure is None and (writer is None or self._frames != steps):
            self._failure = ("encode-error", f"encoded {self._frames} frames for {steps} steps")
        if self._failure is None and writer is not None:
            try:
                writer.close()
                size = self._final_path.stat().st_size
                digest = _sha256(self._final_path)
            except PathUnwritableError as exc:
                self._failure = ("unwritable-path", str(exc))
            except (WriterError, OSError) as exc:
                self._failure = ("encode-error", str(exc))
            else:
                if size > 0:
                    artifact = VideoArtifact(
                        path=self._report_path,
                        filesize_bytes=size,
                        frames=self._frames,
                        renderer=self._label,
                        sha256=digest,
                        notes=self._notes,
                    )
                    return {"episode_id": self._episode_id, "video": artifact.to_dict()}
                with contextlib.suppress(OSError):
                    self._final_path.unlink()
                self._failure = ("encode-error", "the encoder wrote an empty file")
        elif writer is not None:
            writer.abort()
        reason, message = self._failure
        skip = VideoSkip(reason=reason, message=message, renderer=self._label, steps=steps)
        return {"episode_id": self._episode_id, "video_skip": skip.to_dict()}

    def discard(self) -> None:
        """Drop the current episode: its writer is aborted and nothing is left on disk."""
        self._abort_writer()
        self._failure = ("encode-error", "discarded")

    def shutdown(self) -> None:
        """Abort the current writer and the spare (used when the recorder stops)."""
        self._abort_writer()
        if self._spare is not None:
            self._spare.abort()
            self._spare = None

    # -- writers -------------------------------------------------------------------------
    def warm(self, width_px: int, height_px: int, pix_fmt: str) -> None:
        """Make sure a spare ffmpeg for frames of this size is running (best effort)."""
        if self._factory is not None or self.backend == "pyav":
            return
        spare = self._spare
        if (
            spare is not None
            and spare.alive()
            and spare.matches(width_px, height_px, self.fps, pix_fmt)
        ):
            return
        if spare is not None:
            spare.abort()
        self._spare = None
        try:
            self.video_dir.mkdir(parents=True, exist_ok=True)
            spec = WriterSpec(self.video_dir / _SPARE_NAME, width_px, height_px, self.fps, pix_fmt)
            self._spare = FfmpegStreamWriter(spec, exe=self._exe)
        except (WriterError, OSError, ValueError) as exc:
            log.debug("no spare encoder: %s", exc)

    def _open(self, width_px: int, height_px: int, pix_fmt: str) -> FrameWriter:
        writer = self._new_writer(width_px, height_px, pix_fmt)
        if hasattr(writer, "replace") and is_unseeded_id(self._final_path.stem):
            writer.replace = False  # a unique name: never replace another episode's file
        return writer

    def _new_writer(self, width_px: int, height_px: int, pix_fmt: str) -> FrameWriter:
        try:
            self._final_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PathUnwritableError(f"cannot create {self._final_path.parent}: {exc}") from exc
        if self._factory is not None:
            return self._factory(self._final_path, width_px, height_px, self.fps, pix_fmt)
        if self.backend == "pyav":
            from robot_sf_gym_video.video.pyav_writer import PyAVStreamWriter

            return PyAVStreamWriter(self._spec(width_px, height_px, pix_fmt))
        spare, self._spare = self._spare, None
        if (
            spare is not None
            and spare.alive()
            and spare.matches(width_px, height_px, self.fps, pix_fmt)
            and spare.final_path.parent == self._final_path.parent
        ):
            spare.final_path = self._final_path
            return spare
        if spare is not None:
            spare.abort()
        return FfmpegStreamWriter(self._spec(width_px, height_px, pix_fmt), exe=self._exe)

    def _spec(self, width_px: int, height_px: int, pix_fmt: str) -> WriterSpec:
        return WriterSpec(self._final_path, width_px, height_px, self.fps, pix_fmt)

    def _abort_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            try:
                writer.abort()
            except Exception as exc:  # a test double or a dead process must not stop us
                log.debug("abort failed: %s", exc)
