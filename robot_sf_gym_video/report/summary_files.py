"""Files in and out of ``robot-sf-bench summary``: read a run, write the CSV or JSON.

- ``load_rows(run_dir, command)``: the run's episodes as report rows (tolerant: torn or
  malformed lines are skipped with a warning, as in the report).
- ``summarize_run(run_dir)``: ``run_summary.summarize_metrics`` of a run directory.
- ``write_csv(path, rows)``: one line per (scenario, metric), written atomically.
- ``rows_json(rows)``: the JSON document ``summary --json`` prints.

The statistics live in ``run_summary`` and ``stats``; this module only moves data.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.fileops import atomic_write
from robot_sf_gym_video.records.jsonl import RECORDS_FILENAME
from robot_sf_gym_video.report.loader import read_episodes
from robot_sf_gym_video.report.model import DEFAULT_FPS, EpisodeRow, build_row
from robot_sf_gym_video.report.run_summary import CSV_COLUMNS, MetricRow, summarize_metrics

__all__ = ["load_rows", "rows_json", "summarize_run", "write_csv"]


def load_rows(
    run_dir: str | os.PathLike[str], command: str = "summary"
) -> tuple[list[dict[str, Any]], list[EpisodeRow]]:
    """Return ``(records, rows)`` of the run in ``run_dir``, in file order.

    Raises:
        UsageError: ``run_dir`` is not a directory holding ``episodes.jsonl``.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UsageError(f"{command}: {run_dir} is not a directory; pass a run directory")
    if not (run_dir / RECORDS_FILENAME).is_file():
        raise UsageError(f"{command}: {run_dir} has no {RECORDS_FILENAME}; pass a run directory")
    records = read_episodes(run_dir / RECORDS_FILENAME).records
    rows = [build_row(r, run_dir, default_fps=DEFAULT_FPS) for r in records]
    return records, rows


def summarize_run(run_dir: str | os.PathLike[str]) -> list[MetricRow]:
    """Return the summary rows of the run in ``run_dir``."""
    return summarize_metrics(load_rows(run_dir)[1])


def write_csv(path: str | os.PathLike[str], rows: list[MetricRow]) -> Path:
    """Write ``rows`` as CSV (header ``CSV_COLUMNS``; empty cells for undefined values)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.as_dict().items()})
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"summary: --csv {path} is a directory; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"summary: --csv {path}: folder {path.parent} does not exist")
    atomic_write(path, buffer.getvalue())
    return path


def rows_json(run_dir: str | os.PathLike[str], rows: list[MetricRow]) -> dict[str, Any]:
    """Return the JSON document of ``summary --json``: the run and its rows."""
    return {"run_dir": os.fspath(run_dir), "rows": [r.as_dict() for r in rows]}
