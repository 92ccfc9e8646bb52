"""Report rows: one ``EpisodeRow`` per episode record, with its video located on disk.

- ``VideoState``: whether a row has a playable video, a recorded skip, a missing file or none.
- ``EpisodeRow``: display-ready, type-checked view of one record (strings kept raw; the
  HTML layer escapes them).
- ``build_row``: turn a parsed record into an ``EpisodeRow`` (never raises on bad fields).
- ``poster_path_for``: where the poster image of a video goes (next to it).

Why a separate model: records come from user-editable files, so every field may be absent
or of the wrong type. Normalising them once here keeps the statistics and the HTML free of
defensive checks.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from robot_sf_gym_video.fileops import inside
from robot_sf_gym_video.report.film_hint import film_command
from robot_sf_gym_video.report.timeline import parse_events

__all__ = ["DEFAULT_FPS", "EpisodeRow", "VideoState", "build_row", "poster_path_for"]

#: Frames per second assumed when no record says otherwise (SocialNav steps at dt = 0.1 s).
DEFAULT_FPS = 10.0


class VideoState(enum.Enum):
    """Video status of one episode."""

    OK = "ok"  # a file the page can play
    SKIPPED = "skipped"  # the recorder wrote ``video_skip`` instead of a file
    MISSING = "missing"  # the record names a file that is not there (or not allowed)
    NONE = "none"  # video was off for this episode


@dataclass
class EpisodeRow:
    """One table row. Numbers are ``None`` when the record lacks them or they are not finite."""

    episode_id: str
    scenario: str
    seed: str
    episode_idx: int | None
    steps: int | None
    outcome: str
    metrics: dict[str, float | None]
    wall_time_s: float | None
    video_state: VideoState = VideoState.NONE
    video_path: str | None = None  # POSIX path relative to the run dir
    video_frames: int | None = None
    video_fps: float = DEFAULT_FPS
    video_renderer: str | None = None
    video_notes: list[str] = field(default_factory=list)
    skip_reason: str | None = None
    skip_message: str | None = None
    poster_path: str | None = None  # POSIX path relative to the run dir, set once written
    film_command: str | None = None  # set when not filmed but replayable (film_hint.py)
    events: list[tuple[int, str, str]] = field(default_factory=list)  # (step, kind, label)

    @property
    def time_to_goal_s(self) -> float | None:
        """The ``metrics.time_to_goal_s`` value, if any."""
        return self.metrics.get("time_to_goal_s")

    @property
    def video_duration_s(self) -> float | None:
        """Expected video length: frames / fps."""
        if self.video_frames is None or self.video_fps <= 0:
            return None
        return self.video_frames / self.video_fps


def _text(value: Any, default: str = "") -> str:
    return default if value is None else str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _fps_of(record: dict[str, Any], video: dict[str, Any], default_fps: float) -> float:
    """Frames per second of the record's video: an explicit field wins over the default."""
    for candidate in (video.get("fps"), record.get("fps"), record.get("render_fps")):
        fps = _number(candidate)
        if fps and fps > 0:
            return fps
    dt_s = _number(record.get("dt_s"))
    if dt_s and dt_s > 0:
        return 1.0 / dt_s
    return default_fps


def _safe_relative(path: Any) -> PurePosixPath | None:
    """Return ``path`` if it is a relative POSIX path that stays inside the run dir."""
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
        return None
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or ":" in pure.parts[0]:
        return None
    return pure


def poster_path_for(video_path: str) -> str:
    """Return the poster path for a video: ``videos/x.mp4`` -> ``videos/x.poster.png``."""
    pure = PurePosixPath(video_path)
    stem = pure.name[: -len(pure.suffix)] if pure.suffix else pure.name
    return str(pure.with_name(f"{stem}.poster.png"))


def _attach_video(row: EpisodeRow, record: dict[str, Any], run_dir: Path) -> None:
    video, skip = record.get("video"), record.get("video_skip")
    row.film_command = film_command(record, run_dir)
    if isinstance(video, dict):
        row.video_frames = _integer(video.get("frames"))
        row.video_renderer = _text(video.get("renderer")) or None
        if video.get("notes"):
            row.video_notes.append(_text(video["notes"]))
        rel = _safe_relative(video.get("path"))
        if rel is None:
            row.video_state = VideoState.MISSING
            row.video_path = _text(video.get("path"), "(no path)")
            row.video_notes.append("path is not a relative path inside the run directory")
            return
        row.video_path = str(rel)
        full = run_dir.joinpath(*rel.parts)
        try:  # never read (or make a poster) through a link that leaves the run
            inside(run_dir, full)
        except OSError:
            row.video_state = VideoState.MISSING
            row.video_notes.append("path leads outside the run directory (a symlink?)")
            return
        if not full.is_file():
            row.video_state = VideoState.MISSING
            return
        row.video_state = VideoState.OK
        size = _integer(video.get("filesize_bytes"))
        if size is not None and full.stat().st_size != size:
            row.video_notes.append(
                f"file is {full.stat().st_size} bytes, record says {size} (rewritten?)"
            )
    elif isinstance(skip, dict):
        row.video_state = VideoState.SKIPPED
        row.skip_reason = _text(skip.get("reason"), "unknown")
        row.skip_message = _text(skip.get("message"))
        row.video_renderer = _text(skip.get("renderer")) or None


def build_row(record: dict[str, Any], run_dir: Path, *, default_fps: float) -> EpisodeRow:
    """Normalise one parsed record into a row and look up its video under ``run_dir``.

    Args:
        record: One parsed line of ``episodes.jsonl``.
        run_dir: The run directory video paths are relative to.
        default_fps: Frames per second when the record names none.
    """
    metrics = record.get("metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    row = EpisodeRow(
        episode_id=_text(record.get("episode_id"), "(no id)"),
        scenario=_text(record.get("scenario"), "(unknown)"),
        seed=_text(record.get("seed")),
        episode_idx=_integer(record.get("episode_idx")),
        steps=_integer(record.get("steps")),
        outcome=_text(record.get("outcome"), "unknown"),
        metrics={str(k): _number(v) for k, v in metrics.items()},
        wall_time_s=_number(record.get("wall_time_s")),
        events=parse_events(record),
    )
    video = record.get("video")
    row.video_fps = _fps_of(record, video if isinstance(video, dict) else {}, default_fps)
    _attach_video(row, record, run_dir)
    return row
