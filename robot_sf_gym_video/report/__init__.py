"""Self-contained HTML run report: a gallery of every episode's video next to its numbers.

- ``write_report(run_dir, *, fps=None)``: write ``run_dir/report.html`` (``writer``).
- ``wilson_interval``: Wilson 95% score interval used for success rates (``stats``).

Modules: ``loader`` (tolerant JSONL reading), ``model`` (record -> row, video lookup),
``stats`` (summaries), ``posters`` (last-frame PNGs), ``html`` + ``assets`` (markup, CSS/JS),
``writer`` (orchestration, atomic write). Only the standard library is needed; posters use
the ffmpeg binary from ``imageio_ffmpeg`` (or PyAV) when available.
"""

from __future__ import annotations

from robot_sf_gym_video.report.stats import Interval, ScenarioSummary, wilson_interval
from robot_sf_gym_video.report.writer import REPORT_FILE, write_report

__all__ = ["REPORT_FILE", "Interval", "ScenarioSummary", "wilson_interval", "write_report"]
