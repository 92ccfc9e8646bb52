"""Episodes that were not filmed but can be: the ``film`` command that makes their video.

- ``film_command(record, run_dir)``: ``robot-sf-bench film DIR --episodes ID`` for a record
  left out by ``--video-episodes`` (skip ``not-selected``) or run without video, when it
  has an action log to replay; None otherwise.
- ``not_filmed_html(command)``: the "not filmed" badge with the command, shared by the
  report and the compare page.

``DIR`` is the run directory as the report was given it, so the command works from where
the report command was typed.
"""

from __future__ import annotations

import html
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["film_command", "not_filmed_html"]

NOT_SELECTED = "not-selected"


def film_command(record: Mapping[str, Any], run_dir: Path) -> str | None:
    """Return the command that films ``record``'s episode, or None if it cannot or need not."""
    if "video" in record or not isinstance(record.get("actions"), Mapping):
        return None
    skip = record.get("video_skip")
    if isinstance(skip, Mapping) and skip.get("reason") != NOT_SELECTED:
        return None  # a real failure: the skip says why, replaying would not help by itself
    episode = shlex.quote(str(record.get("episode_id", "")))
    return f"robot-sf-bench film {shlex.quote(str(run_dir))} --episodes {episode}"


def not_filmed_html(command: str) -> str:
    """Return the inner HTML of a "not filmed" video cell showing ``command``."""
    return (
        '<span class="badge v-skipped">not filmed</span>'
        f'<div class="vmsg">make it with <code>{html.escape(command, quote=True)}</code></div>'
    )
