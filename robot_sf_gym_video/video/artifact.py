"""What a recorded episode leaves behind, in the shape of the episode record.

- ``SKIP_REASONS``: the allowed ``video_skip.reason`` values.
- ``RENDERER_LABELS``: the allowed ``video.renderer`` values.
- ``VideoArtifact``: a finished MP4 (``info["video"]`` / the record's ``video``).
- ``VideoSkip``: why no MP4 was made (``info["video_skip"]`` / the record's ``video_skip``).

Both are plain frozen dataclasses whose ``to_dict()`` returns exactly the contract's
fields, so the wrapper, the recorder process (which sends dicts over a pipe) and the
runner all agree on one shape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["RENDERER_LABELS", "SKIP_REASONS", "VideoArtifact", "VideoSkip"]

SKIP_REASONS: tuple[str, ...] = (
    "moviepy-missing",
    "codec-unavailable",
    "no-frames",
    "unwritable-path",
    "encode-error",
)
RENDERER_LABELS: tuple[str, ...] = ("synthetic", "sim-view", "env")


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
