"""Pair two runs' episodes and test their differences per scenario (no I/O).

- ``EpisodeKey``: ``(scenario, seed, episode_idx)``, what makes two episodes the same
  situation (same map, crowd and start, since seeds derive from the batch seed).
- ``Pairing`` / ``pair_rows(rows_a, rows_b)``: the episodes both runs hold, in order.
- ``DeltaRow``: one (scenario, metric) comparison: A, B, B - A, its interval, p-value.
- ``compare_pairs(pairs)``: the comparison rows, per scenario then ``OVERALL``.
- ``outcomes_differ(pair)`` / ``pair_order(pairs)``: pairs whose outcomes differ first.
- ``format_deltas(rows)``: aligned text lines for the terminal.

Rates (success, collision) are tested with the exact McNemar test on the discordant
pairs; continuous metrics with the Wilcoxon signed-rank test on B - A over the pairs where
both episodes have the value, with a Student-t interval of the mean difference.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence

from robot_sf_gym_video.report.model import EpisodeRow
from robot_sf_gym_video.report.paired import mcnemar_exact, wilcoxon_signed_rank
from robot_sf_gym_video.report.run_summary import (
    OVERALL,
    SUCCESS_ONLY_METRICS,
    SUMMARY_METRICS,
    align_columns,
    format_interval,
    format_number,
)
from robot_sf_gym_video.report.stats import mean_interval

__all__ = [
    "ALPHA",
    "DeltaRow",
    "EpisodeKey",
    "Pairing",
    "compare_pairs",
    "format_deltas",
    "format_p",
    "outcomes_differ",
    "pair_order",
    "pair_rows",
]

EpisodeKey = tuple[str, str, int]
Pair = tuple[EpisodeRow, EpisodeRow]
#: Significance level of the "*" marks (two-sided p-values below it).
ALPHA = 0.05
_RATES: tuple[tuple[str, str], ...] = (("success_rate", "success"), ("collision_rate", "collision"))


@dataclasses.dataclass(frozen=True)
class Pairing:
    """Episodes of two runs matched by ``EpisodeKey``.

    Attributes:
        pairs: ``(row_a, row_b)`` in A's order.
        only_a: Episodes only A holds.
        only_b: Episodes only B holds.
    """

    pairs: list[Pair]
    only_a: int
    only_b: int


def _key(row: EpisodeRow) -> EpisodeKey | None:
    if row.episode_idx is None or not row.seed:
        return None
    return (row.scenario, row.seed, row.episode_idx)


def pair_rows(rows_a: Iterable[EpisodeRow], rows_b: Iterable[EpisodeRow]) -> Pairing:
    """Match episodes by (scenario, seed, episode_idx); a repeated key keeps its first row."""
    by_key_b: dict[EpisodeKey, EpisodeRow] = {}
    for row in rows_b:
        key = _key(row)
        if key is not None:
            by_key_b.setdefault(key, row)
    pairs: list[Pair] = []
    seen: set[EpisodeKey] = set()
    for row in rows_a:
        key = _key(row)
        if key is None or key in seen:
            continue
        seen.add(key)
        if key in by_key_b:
            pairs.append((row, by_key_b[key]))
    return Pairing(pairs, only_a=len(seen) - len(pairs), only_b=len(by_key_b) - len(pairs))


@dataclasses.dataclass(frozen=True)
class DeltaRow:
    """One (scenario, metric) comparison of runs A and B.

    Attributes:
        scenario: Scenario name or ``OVERALL``.
        metric: ``success_rate``, ``collision_rate`` or a metric name.
        n: Pairs used (for a metric: pairs where both episodes have it).
        a: Rate or mean in A over those pairs; None when ``n == 0``.
        b: Same for B.
        delta: ``b - a``.
        ci_low: Lower end of the 95% t interval of the mean difference (metrics only).
        ci_high: Upper end.
        p_value: Two-sided p-value of the paired test; None when no pair has the value.
        test: ``"mcnemar"`` (exact, rates) or ``"wilcoxon"`` (signed rank, metrics).
        detail: For rates, the discordant pairs (``A only 3, B only 0``).
    """

    scenario: str
    metric: str
    n: int
    a: float | None
    b: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    test: str
    detail: str = ""

    @property
    def significant(self) -> bool:
        """True when ``p_value`` is below ``ALPHA``."""
        return self.p_value is not None and self.p_value < ALPHA


def outcomes_differ(pair: Pair) -> bool:
    """Return True when the two episodes of a pair ended differently."""
    return pair[0].outcome != pair[1].outcome


def pair_order(pairs: Sequence[Pair]) -> list[Pair]:
    """Return pairs with differing outcomes first, each group by scenario then index."""
    return sorted(
        pairs, key=lambda p: (not outcomes_differ(p), p[0].scenario, p[0].episode_idx or 0)
    )


def compare_pairs(pairs: Sequence[Pair]) -> list[DeltaRow]:
    """Return the comparison rows: each scenario (sorted), then ``OVERALL`` if several."""
    groups: dict[str, list[Pair]] = {}
    for pair in pairs:
        groups.setdefault(pair[0].scenario, []).append(pair)
    out: list[DeltaRow] = []
    for name in sorted(groups):
        out += _group(name, groups[name])
    if len(groups) > 1:
        out += _group(OVERALL, list(pairs))
    return out


def _group(scenario: str, pairs: Sequence[Pair]) -> list[DeltaRow]:
    out = [_rate_row(scenario, metric, outcome, pairs) for metric, outcome in _RATES]
    for metric in (*SUMMARY_METRICS, *SUCCESS_ONLY_METRICS):
        out.append(_metric_row(scenario, metric, pairs))
    return out


def _rate_row(scenario: str, metric: str, outcome: str, pairs: Sequence[Pair]) -> DeltaRow:
    hits_a = [a.outcome == outcome for a, _ in pairs]
    hits_b = [b.outcome == outcome for _, b in pairs]
    only_a = sum(x and not y for x, y in zip(hits_a, hits_b, strict=True))
    only_b = sum(y and not x for x, y in zip(hits_a, hits_b, strict=True))
    n = len(pairs)
    rate_a, rate_b = sum(hits_a) / n, sum(hits_b) / n
    return DeltaRow(
        scenario,
        metric,
        n,
        rate_a,
        rate_b,
        rate_b - rate_a,
        None,
        None,
        mcnemar_exact(only_a, only_b),
        "mcnemar",
        f"A only {only_a}, B only {only_b}",
    )


#: Relative size below which a paired difference is float round-off, i.e. a tie.
_TIE_RELATIVE = 1e-9


def _difference(a: float, b: float) -> float:
    """Return ``b - a``, or 0.0 when it is only float round-off.

    Identical behaviour computed along two code paths (two policies that drive the same
    in an empty scene) must count as a tie, not as a significant difference.
    """
    diff = b - a
    return 0.0 if abs(diff) <= _TIE_RELATIVE * max(1.0, abs(a), abs(b)) else diff


def _metric_row(scenario: str, metric: str, pairs: Sequence[Pair]) -> DeltaRow:
    values = [(a.metrics.get(metric), b.metrics.get(metric)) for a, b in pairs]
    both = [(x, y) for x, y in values if x is not None and y is not None]
    diffs = [_difference(x, y) for x, y in both]
    estimate = mean_interval(diffs)
    mean_a = math.fsum(x for x, _ in both) / len(both) if both else None
    mean_b = math.fsum(y for _, y in both) / len(both) if both else None
    return DeltaRow(
        scenario,
        metric,
        len(both),
        mean_a,
        mean_b,
        estimate.mean,
        estimate.low,
        estimate.high,
        wilcoxon_signed_rank(diffs).p_value if diffs else None,
        "wilcoxon",
    )


def format_p(p_value: float | None) -> str:
    """Return a p-value with 3 significant digits, ``-`` when there is none."""
    return "-" if p_value is None else f"{p_value:.3g}"


def format_deltas(rows: Sequence[DeltaRow]) -> list[str]:
    """Return aligned lines: header, then one line per row, the scenario named once.

    A ``*`` after the p-value marks p < ``ALPHA``.
    """
    header = ("scenario", "metric", "n", "A", "B", "B-A", "95% CI", "p", "test")
    body = []
    previous = None
    for row in rows:
        ci = format_interval(row.ci_low, row.ci_high)
        p = format_p(row.p_value) + ("*" if row.significant else "")
        test = row.test + (f" ({row.detail})" if row.detail else "")
        name = row.scenario if row.scenario != previous else ""
        previous = row.scenario
        cells = (
            name,
            row.metric,
            str(row.n),
            format_number(row.a),
            format_number(row.b),
            format_number(row.delta),
        )
        body.append((*cells, ci, p, test))
    right = (False, False, True, True, True, True, False, True, False)
    return align_columns(header, body, right)
