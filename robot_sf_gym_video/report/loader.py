"""Tolerant reading of ``episodes.jsonl`` for the report.

- ``LoadResult``: the records that parsed, plus one message per line that did not.
- ``read_episodes``: read the file with ``records.read_records`` and word its problems.

Why tolerant: the report is for looking at a run, including one that is still being
written or was killed mid-line. A torn last line is the normal trace of that, so it is
skipped with a warning (shown on the page too) instead of refusing the whole file.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from robot_sf_gym_video.records.jsonl import read_records

__all__ = ["LoadResult", "read_episodes"]

logger = logging.getLogger(__name__)


@dataclass
class LoadResult:
    """Records in file order and human-readable notes about skipped lines."""

    records: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_episodes(path: str | os.PathLike[str]) -> LoadResult:
    """Read one JSON object per line; unusable lines are skipped with a warning.

    Args:
        path: An ``episodes.jsonl`` file.

    Returns:
        The parsed records (dicts, in file order) and a note for every skipped line.
    """
    path = Path(path)
    read = read_records(path)
    result = LoadResult(records=[record for _, record in read.records])
    for problem in read.problems:
        note = f"{path.name} line {problem.line_no}: {problem.message}; skipped"
        result.problems.append(note)
        logger.warning("%s", note)
    return result
