"""What ``VideoArtifactWrapper`` accepts: the user options' vocabularies and the backend knobs.

- ``RENDERER_CHOICES`` / ``FINALIZE_MODES``: accepted values of the wrapper's ``renderer``
  and ``finalize`` options (renderer names come from ``render.base.RENDERER_NAMES``).
- ``RecorderOptions``: backend knobs and test seams (recorder transport, encoder, pixel
  format, writer and renderer factories) kept out of the wrapper's signature, so that
  the wrapper reads like Gymnasium's ``RecordVideo`` and a new backend knob never changes
  the public constructor.
- ``check_choice`` / ``check_fps`` / ``check_video_length`` / ``check_user_options``: the
  one validation of each option, at construction.
- ``constructor_args(locals())``: the arguments ``RecordConstructorArgs`` records.

Everything here is validated once, in ``RecorderOptions.__post_init__`` or by the wrapper's
constructor; the recorders receive valid values and do not check again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.render.registry import RENDERER_NAMES
from robot_sf_gym_video.video.encoder import ENCODER_CHOICES
from robot_sf_gym_video.video.writer import WriterFactory

__all__ = [
    "FINALIZE_MODES",
    "RENDERER_CHOICES",
    "RecorderOptions",
    "check_choice",
    "check_fps",
    "check_user_options",
    "check_video_length",
    "constructor_args",
]

RENDERER_CHOICES: tuple[str, ...] = (*RENDERER_NAMES, "none")
FINALIZE_MODES: tuple[str, ...] = ("blocking", "background")
RECORDER_MODES: tuple[str, ...] = ("auto", "process", "thread")
FRAME_FORMATS: tuple[str, ...] = ("native", "rgb24")

RendererFactory = Callable[..., tuple[Any, str | None]]
"""``factory(name, size=(w, h)) -> (renderer, note | None)``, like ``create_renderer``."""


def check_choice(option: str, value: object, allowed: tuple[str, ...]) -> None:
    """Raise ``UsageError`` naming ``option`` unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        raise UsageError(f"{option} {value!r} is not one of: {', '.join(allowed)}")


def check_fps(fps: object) -> None:
    """Raise ``UsageError`` unless ``fps`` is None or a finite positive number."""
    if fps is None:
        return
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps):
        raise UsageError(f"fps {fps!r} is invalid; use a positive number or None")
    if fps <= 0:
        raise UsageError(f"fps {fps!r} is invalid; use a positive number or None")


def check_video_length(video_length: object) -> int | None:
    """Return ``video_length`` as a frame cap, or None for whole episodes (``0``/``None``).

    Raises:
        UsageError: not an integer >= 0.
    """
    if video_length is None:
        return None
    if isinstance(video_length, bool) or not isinstance(video_length, int) or video_length < 0:
        raise UsageError(
            f"video_length {video_length!r} is invalid; use an integer >= 1, or 0/None for "
            "whole episodes"
        )
    return video_length or None


@dataclass(frozen=True)
class RecorderOptions:
    """Backend knobs and test seams of ``VideoArtifactWrapper`` (the defaults are right).

    Attributes:
        recorder: ``"auto"`` (a recorder process for SocialNav unless this process is
            daemonic, e.g. an ``AsyncVectorEnv`` worker, which may not have children; then
            a thread), ``"process"`` or ``"thread"``. Other envs always use a thread: their
            frames already exist in this process.
        encoder: ``"auto"``: in a SocialNav recorder process, libx264 in-process through
            PyAV when it is installed (no ffmpeg child per episode, no pipe), else the
            bundled ffmpeg binary; ``"ffmpeg"`` or ``"pyav"`` force one. PyAV holds the GIL
            while encoding, so in a thread the ffmpeg binary is used whatever is asked.
        frame_format: ``"native"`` feeds the renderer's encoder format (yuv420p for
            synthetic); ``"rgb24"`` feeds exactly ``render()``'s pixels (slower).
        writer_factory: Replaces the writer (a test seam; see ``video.writer``).
        renderer_factory: Replaces ``render.factory.create_renderer`` in the recorder (a
            test seam).
        warn_existing_videos: Log one warning at construction when ``video_dir`` already
            holds MP4 files (as ``RecordVideo`` does). The runner turns it off: a resumed
            run's folder holds its own earlier videos by design.
    """

    recorder: Literal["auto", "process", "thread"] = "auto"
    encoder: Literal["auto", "ffmpeg", "pyav"] = "auto"
    frame_format: Literal["native", "rgb24"] = "native"
    writer_factory: WriterFactory | None = None
    renderer_factory: RendererFactory | None = None
    warn_existing_videos: bool = True

    def __post_init__(self) -> None:
        check_choice("recorder", self.recorder, RECORDER_MODES)
        check_choice("encoder", self.encoder, ENCODER_CHOICES)
        check_choice("frame_format", self.frame_format, FRAME_FORMATS)


def constructor_args(frame_locals: dict[str, Any]) -> dict[str, Any]:
    """Return a constructor's arguments from its ``locals()`` (without self and env)."""
    return {k: v for k, v in frame_locals.items() if k not in ("self", "env", "__class__")}


def check_user_options(
    renderer: str | None,
    finalize: str,
    fps: float | None,
    scenario: str | None,
    name_prefix: str | None,
    recorder_options: RecorderOptions | None,
) -> None:
    """Validate the wrapper options that need no env (one ``UsageError`` naming the value)."""
    if renderer is not None:
        check_choice("renderer", renderer, RENDERER_CHOICES)
    check_choice("finalize", finalize, FINALIZE_MODES)
    check_fps(fps)
    if scenario is not None and name_prefix is not None and scenario != name_prefix:
        raise UsageError(
            f"scenario {scenario!r} and name_prefix {name_prefix!r} differ; they are one "
            "option (name_prefix is RecordVideo's name for it), give one"
        )
    if recorder_options is not None and not isinstance(recorder_options, RecorderOptions):
        raise UsageError("recorder_options must be a RecorderOptions")
