"""The ``summary`` table: per-scenario rates and metric means with 95% intervals (no I/O).

- ``SUMMARY_METRICS``: the metrics averaged over every episode that has a value.
- ``SUCCESS_ONLY_METRICS``: metrics that only exist for successful episodes.
- ``OVERALL``: the ``scenario`` value of the rows over all scenarios.
- ``MetricRow``: one (scenario, metric) cell: ``n``, ``mean`` (a rate for ``*_rate``),
  ``ci_low``, ``ci_high``; the CSV has exactly these columns.
- ``summarize_metrics(rows)``: the table for report rows (``report.model.EpisodeRow``).
- ``format_table(rows)``: aligned text lines for the terminal (``align_columns``).

Why apart from the files: like stable-baselines3's ``Monitor`` (statistics) and
``ResultsWriter`` (rows on disk), the numbers are computed here once and the CLI, the CSV,
the JSON and the report page only present them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence

from robot_sf_gym_video.report.model import EpisodeRow
from robot_sf_gym_video.report.stats import mean_interval, wilson_interval
from robot_sf_gym_video.sim.metrics import METRIC_RANGES

__all__ = [
    "CSV_COLUMNS",
    "OUTCOME_RATES",
    "OVERALL",
    "SUCCESS_ONLY_METRICS",
    "SUMMARY_METRICS",
    "MetricRow",
    "align_columns",
    "format_interval",
    "format_number",
    "format_table",
    "summarize_metrics",
]

#: Outcome rate rows, as (metric name, outcome counted).
OUTCOME_RATES: tuple[tuple[str, str], ...] = (
    ("success_rate", "success"),
    ("collision_rate", "collision"),
    ("timeout_rate", "timeout"),
)
#: Metrics (``sim/metrics.py``) averaged over the episodes that have a value.
SUMMARY_METRICS: tuple[str, ...] = (
    "path_length_m",
    "path_efficiency",
    "min_ped_distance_m",
    "jerk_mean",
)
#: Metrics averaged over successful episodes only ("time to goal" of a timeout is no time).
SUCCESS_ONLY_METRICS: tuple[str, ...] = ("time_to_goal_s",)
OVERALL = "(all)"
CSV_COLUMNS: tuple[str, ...] = ("scenario", "metric", "n", "mean", "ci_low", "ci_high")


@dataclasses.dataclass(frozen=True)
class MetricRow:
    """One (scenario, metric) entry of the summary.

    Attributes:
        scenario: Scenario name, or ``OVERALL`` for all scenarios together.
        metric: ``success_rate`` ... or a metric name.
        n: Episodes the value is over (for a metric: those that have it).
        mean: The rate or mean; None when ``n == 0``.
        ci_low: Lower end of the 95% interval (Wilson for rates, Student t for means,
            clipped to the metric's range); None when it is not defined (a mean of fewer
            than two values).
        ci_high: Upper end, likewise.
    """

    scenario: str
    metric: str
    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None

    def as_dict(self) -> dict[str, object]:
        """Return the row as a plain dict (the CSV and JSON shape)."""
        return dataclasses.asdict(self)


def summarize_metrics(rows: Iterable[EpisodeRow]) -> list[MetricRow]:
    """Return the summary rows: each scenario (sorted by name), then ``OVERALL``.

    ``path_efficiency`` is only defined on success (``docs/metrics.md``), so like
    ``time_to_goal_s`` its ``n`` counts successful episodes; ``n`` always says how many
    values a mean is over.
    """
    rows = list(rows)
    groups: dict[str, list[EpisodeRow]] = {}
    for row in rows:
        groups.setdefault(row.scenario, []).append(row)
    out: list[MetricRow] = []
    for name in sorted(groups):
        out += _group(name, groups[name])
    if rows:
        out += _group(OVERALL, rows)
    return out


def _group(scenario: str, rows: Sequence[EpisodeRow]) -> list[MetricRow]:
    out = []
    for metric, outcome in OUTCOME_RATES:
        hits = sum(r.outcome == outcome for r in rows)
        low, high = wilson_interval(hits, len(rows))
        out.append(MetricRow(scenario, metric, len(rows), hits / len(rows), low, high))
    successes = [r for r in rows if r.outcome == "success"]
    for metric in (*SUMMARY_METRICS, *SUCCESS_ONLY_METRICS):
        pool = successes if metric in SUCCESS_ONLY_METRICS else rows
        values = [r.metrics.get(metric) for r in pool]
        bounds = METRIC_RANGES.get(metric, (None, None))
        estimate = mean_interval((v for v in values if v is not None), bounds)
        out.append(MetricRow(scenario, metric, estimate.n, *estimate[1:]))
    return out


def format_number(value: float | None) -> str:
    """Return ``value`` with 3 decimals for tables, ``-`` when undefined."""
    if value is None or not math.isfinite(value):
        return "-"
    return f"{round(value, 3) + 0.0:.3f}"  # + 0.0: no "-0.000"


def format_interval(low: float | None, high: float | None) -> str:
    """Return ``[low, high]`` for tables, empty when the interval is undefined."""
    return "" if low is None else f"[{format_number(low)}, {format_number(high)}]"


def format_table(rows: Sequence[MetricRow]) -> list[str]:
    """Return aligned lines: a header, then one line per row, the scenario named once.

    A rate reads ``0.667  [0.208, 0.939]``; ``n`` is the number of episodes (or values).
    """
    header = ("scenario", "metric", "n", "mean/rate", "95% CI")
    body = []
    previous = None
    for row in rows:
        ci = format_interval(row.ci_low, row.ci_high)
        name = row.scenario if row.scenario != previous else ""
        previous = row.scenario
        body.append((name, row.metric, str(row.n), format_number(row.mean), ci))
    return align_columns(header, body, right=(False, False, True, True, False))


def align_columns(
    header: Sequence[str], body: Sequence[Sequence[str]], right: Sequence[bool]
) -> list[str]:
    """Return ``header`` and ``body`` as lines of padded columns (``right``: right-aligned)."""
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        cols = zip(cells, widths, right, strict=True)
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in cols).rstrip()

    return [line(header), *(line(cells) for cells in body)]
