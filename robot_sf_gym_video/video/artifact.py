"""What a recorded episode leaves behind, in the shape of the episode record.

- ``SKIPS``: the skip-reason registry (``SkipReason`` entries); ``SKIP_REASONS`` its names,
  the allowed ``video_skip.reason`` values.
- ``RENDERER_LABELS``: the allowed ``video.renderer`` values (the renderer registry's
  names plus ``"env"``).
- ``VideoArtifact``: a finished MP4 (``info["video"]`` / the record's ``video``).
- ``VideoSkip``: why no MP4 was made (``info["video_skip"]`` / the record's ``video_skip``).
- ``no_result_skip(renderer, steps, cause)``: the skip of an episode whose recorder gave
  no result (it died, stalled or was closed first); every such place uses this one.
- ``log_skip(logger, episode_id, skip)``: log a skip, a warning once per reason.

Both are plain frozen dataclasses whose ``to_dict()`` returns exactly the contract's
fields, so the wrapper, the recorder process (which sends dicts over a pipe) and the
runner all agree on one shape.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from robot_sf_gym_video.fileops import warn_once
from robot_sf_gym_video.registry import Registry
from robot_sf_gym_video.render.registry import RENDERER_NAMES

__all__ = [
    "NO_RESULT_PREFIX",
    "RENDERER_LABELS",
    "SKIPS",
    "SKIP_REASONS",
    "SkipReason",
    "VideoArtifact",
    "VideoSkip",
    "is_no_result",
    "log_skip",
    "no_result_skip",
]


@dataclass(frozen=True)
class SkipReason:
    """Why an episode may have no MP4 (the record's ``video_skip.reason``).

    Attributes:
        name: The spelling in records and logs.
        meaning: When it happens, one line for the docs.
    """

    name: str
    meaning: str


#: The skip-reason vocabulary (the schema enums are checked against it).
SKIPS: Registry[SkipReason] = Registry(
    "skip reason",
    [
        SkipReason("moviepy-missing", "a path that needs moviepy could not import it"),
        SkipReason("codec-unavailable", "no usable H.264 encoder (ffmpeg binary or PyAV)"),
        SkipReason("no-frames", "the episode ended before its first step"),
        SkipReason("unwritable-path", "the video folder cannot be written"),
        SkipReason("encode-error", "the renderer, encoder or recorder failed mid-episode"),
        SkipReason("not-selected", "left out by --video-episodes; 'robot-sf-bench film' makes it"),
    ],
)
SKIP_REASONS: tuple[str, ...] = SKIPS.names()
#: ``video.renderer`` values: a registered renderer, or ``"env"`` (the env's own render()).
RENDERER_LABELS: tuple[str, ...] = (*RENDERER_NAMES, "env")


@dataclass(frozen=True)
class VideoArtifact:
    """A finished, renamed MP4 file of one episode.

    Attributes:
        path: File path as a string (as given by ``video_dir``; the runner relativises it).
        filesize_bytes: Size of the file on disk, > 0.
        frames: Frames encoded, equal to the episode's steps.
        renderer: Frame source that was actually used: ``synthetic``, ``sim-view`` or ``env``.
        sha256: Hex digest of the file (identical reruns give identical digests).
        notes: Why the frame source differs from the one asked for, if it does.
        format: Container format, always ``"mp4"``.
    """

    path: str
    filesize_bytes: int
    frames: int
    renderer: str
    sha256: str
    notes: str | None = None
    format: str = "mp4"

    def __post_init__(self) -> None:
        if self.renderer not in RENDERER_LABELS:
            raise ValueError(f"renderer must be one of {RENDERER_LABELS}, got {self.renderer!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return the record's ``video`` object (``notes`` only when set)."""
        out: dict[str, Any] = {
            "path": self.path,
            "format": self.format,
            "filesize_bytes": self.filesize_bytes,
            "frames": self.frames,
            "renderer": self.renderer,
        }
        if self.notes is not None:
            out["notes"] = self.notes
        out["sha256"] = self.sha256
        return out


@dataclass(frozen=True)
class VideoSkip:
    """Why an episode has no MP4.

    Attributes:
        reason: One of ``SKIP_REASONS``.
        message: One human-readable line with the cause.
        renderer: Frame source that was asked for (``synthetic``, ``sim-view`` or ``env``).
        steps: Steps of the episode.
    """

    reason: str
    message: str
    renderer: str
    steps: int

    def __post_init__(self) -> None:
        if self.reason not in SKIP_REASONS:
            raise ValueError(f"reason must be one of {SKIP_REASONS}, got {self.reason!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return the record's ``video_skip`` object."""
        return {
            "reason": self.reason,
            "message": self.message,
            "renderer": self.renderer,
            "steps": self.steps,
        }


#: How every "recorder gave no result" skip message starts (see ``no_result_skip``).
NO_RESULT_PREFIX = "the recorder gave no result for this episode: "


def is_no_result(skip: dict[str, Any]) -> bool:
    """Return True for a skip made by ``no_result_skip`` (a dead or stalled recorder)."""
    return str(skip.get("message", "")).startswith(NO_RESULT_PREFIX)


def no_result_skip(renderer: str, steps: int, cause: str) -> dict[str, Any]:
    """Return the ``video_skip`` of an episode whose recorder gave no result.

    Args:
        renderer: Frame source that was asked for.
        steps: Steps of the episode (0 when unknown).
        cause: Why no result came, e.g. "the video recorder stopped (killed by SIGKILL)".
    """
    message = f"{NO_RESULT_PREFIX}{cause}"
    return VideoSkip("encode-error", message, renderer, steps).to_dict()


def log_skip(logger: logging.Logger, episode_id: str, skip: dict[str, Any]) -> None:
    """Log a skip with its episode id, renderer and steps: WARNING once per reason, then DEBUG."""
    warn_once(
        logger,
        f"video-skip:{skip['reason']}",
        "no video for episode %s (renderer %s, %d steps): %s: %s",
        episode_id,
        skip["renderer"],
        skip["steps"],
        skip["reason"],
        skip["message"],
    )
