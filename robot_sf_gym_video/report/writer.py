"""``write_report``: turn a run directory into ``report.html`` next to its records.

- ``write_report``: load records, locate videos, make posters, summarise, write atomically.

Why atomic: the report may be regenerated while someone has it open or is zipping the
folder; a temp file in the same directory plus ``os.replace`` means readers see either the
old page or the new one, never half of one.
"""

from __future__ import annotations

import logging
import math
import os
from datetime import datetime, timezone
from pathlib import Path

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.fileops import atomic_write
from robot_sf_gym_video.report.html import ReportPage, render_page
from robot_sf_gym_video.report.loader import read_episodes
from robot_sf_gym_video.report.model import DEFAULT_FPS, build_row
from robot_sf_gym_video.report.posters import attach_posters
from robot_sf_gym_video.report.run_summary import summarize_metrics
from robot_sf_gym_video.report.stats import summarize

__all__ = ["EPISODES_FILE", "REPORT_FILE", "write_report"]

logger = logging.getLogger(__name__)

EPISODES_FILE = "episodes.jsonl"
REPORT_FILE = "report.html"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("robot_sf_gym_video")
    except Exception:  # not installed as a distribution (e.g. run from a source tree)
        return ""


def write_report(
    run_dir: str | os.PathLike[str], *, fps: float | None = None, posters: bool = True
) -> Path:
    """Write ``run_dir/report.html``: per-scenario summary and a table of every episode.

    Each episode with a video gets an inline player; a poster PNG of the video's last
    frame is written next to the video (``videos/<id>.poster.png``) unless ``posters`` is
    False. Torn or malformed lines of ``episodes.jsonl`` are skipped and listed on the page.

    Args:
        run_dir: A run directory holding ``episodes.jsonl`` (and ``videos/`` if video was on).
        fps: Frames per second used to show video durations when a record names none;
            default 10 (SocialNav's 0.1 s step).
        posters: Make poster images (the slow part: one short ffmpeg call per video).

    Returns:
        Path of the written ``report.html``.

    Raises:
        UsageError: ``run_dir`` is not a directory with ``episodes.jsonl``, or ``fps`` <= 0.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UsageError(f"report: {run_dir} is not a directory; pass a run directory (--out DIR)")
    episodes = run_dir / EPISODES_FILE
    if not episodes.is_file():
        raise UsageError(f"report: {run_dir} has no {EPISODES_FILE}; pass a run directory")
    default_fps = DEFAULT_FPS if fps is None else float(fps)
    if not (math.isfinite(default_fps) and default_fps > 0):
        raise UsageError(f"report: fps must be a positive number, got {fps!r}")

    loaded = read_episodes(episodes)
    rows = [build_row(rec, run_dir, default_fps=default_fps) for rec in loaded.records]
    if posters:
        attach_posters(run_dir, rows, workers=min(4, os.cpu_count() or 1))
    per_scenario, total = summarize(rows)
    page = ReportPage(
        title=run_dir.resolve().name or str(run_dir),
        rows=rows,
        summaries=per_scenario,
        total=total,
        generated_utc=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        default_fps=default_fps,
        version=_version(),
        problems=loaded.problems,
        metric_rows=summarize_metrics(rows),
    )
    out = run_dir / REPORT_FILE
    atomic_write(out, render_page(page))
    logger.info("wrote %s (%d episodes, %d scenarios)", out, len(rows), len(per_scenario))
    return out
