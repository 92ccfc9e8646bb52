"""What ``VideoArtifactWrapper`` accepts: the user options' vocabularies and the backend knobs.

- ``RENDERER_CHOICES`` / ``FINALIZE_MODES``: accepted values of the wrapper's ``renderer``
  and ``finalize`` options (renderer names come from ``render.base.RENDERER_NAMES``).
- ``RecorderOptions``: backend knobs and test seams (recorder transport, encoder, pixel
  format, writer and renderer factories) kept out of the wrapper's signature, so that
  the wrapper reads like Gymnasium's ``RecordVideo`` and a new backend knob never changes
  the public constructor.
- ``check_choice`` / ``check_fps`` / ``check_video_length`` / ``check_keep_episode`` /
  ``check_user_options``: the one validation of each option, at construction.
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
    "check_keep_episode",
    "check_user_options",
    "check_video_length",
    "constructor_args",
]

RENDERER_CHOICES: tuple[str, ...] = (*RENDERER_NAMES, "none")
FINALIZE_MODES: tuple[str, ...] = ("blocking", "background")
RECORDER_MODES: tuple[str, ...] = ("auto", "process", "thread")
FRAME_FORMATS: tuple[str, ...] = ("native", "rgb24")

#: ``RecorderOptions.hold_max_bytes`` by default.
DEFAULT_HOLD_MAX_BYTES = 64 * 2**20

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
        hold_max_bytes: Memory cap of an episode held until ``keep_episode`` decides (its
            packed snapshots or frames). Past it the episode streams to the recorder as
            usual (one not kept is then discarded there), so memory stays bounded
            however long an episode runs. The default holds thousands of SocialNav steps
            (packed snapshots are a few hundred bytes to a few KB) but only dozens of
            large ``render()`` frames.
    """

    recorder: Literal["auto", "process", "thread"] = "auto"
    encoder: Literal["auto", "ffmpeg", "pyav"] = "auto"
    frame_format: Literal["native", "rgb24"] = "native"
    writer_factory: WriterFactory | None = None
    renderer_factory: RendererFactory | None = None
    warn_existing_videos: bool = True
    hold_max_bytes: int = DEFAULT_HOLD_MAX_BYTES

    def __post_init__(self) -> None:
        check_choice("recorder", self.recorder, RECORDER_MODES)
        check_choice("encoder", self.encoder, ENCODER_CHOICES)
        check_choice("frame_format", self.frame_format, FRAME_FORMATS)
        cap = self.hold_max_bytes
        if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
            raise UsageError(f"hold_max_bytes {cap!r} is invalid; use an integer >= 0")


def check_keep_episode(
    keep_episode: object, step_trigger: object, video_length: int | None
) -> None:
    """Raise ``UsageError`` unless ``keep_episode`` is None or a callable for whole episodes.

    Only a whole episode has an end at which to decide; clips are cut by step triggers
    and ``video_length``, so the two do not combine.
    """
    if keep_episode is None:
        return
    if not callable(keep_episode):
        raise UsageError(f"keep_episode must be a callable f(info) -> bool, got {keep_episode!r}")
    if step_trigger is not None or video_length is not None:
        raise UsageError(
            "keep_episode decides whole episodes at their end; it does not combine with "
            "step_trigger or video_length (clips)"
        )


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
