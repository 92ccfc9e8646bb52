"""Statistics for the run report and ``summary``, kept apart from file I/O and HTML.

- ``Interval``: a closed proportion interval ``(low, high)``.
- ``wilson_interval``: Wilson score interval for a binomial proportion (95% by default).
- ``MeanInterval`` / ``mean_interval``: a sample mean with its 95% Student-t interval.
- ``t_quantile_975(df)``: the two-sided 95% Student-t quantile (no scipy needed).
- ``ScenarioSummary``: per-scenario counts, success rate with its interval, mean time to goal.
- ``summarize``: group episode rows by scenario (plus an all-scenario total).

Why Wilson: batches are small (a handful of episodes per scenario) and success rates sit
near 0 or 1, where the textbook normal ("Wald") interval collapses to zero width or leaves
[0, 1]. Wilson stays inside [0, 1] and keeps close to its nominal coverage for small n
(Newcombe 1998, "Two-sided confidence intervals for the single proportion").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from robot_sf_gym_video.report.model import EpisodeRow, VideoState

__all__ = [
    "Z_95",
    "Interval",
    "MeanInterval",
    "ScenarioSummary",
    "mean_interval",
    "summarize",
    "t_quantile_975",
    "wilson_interval",
]

#: Two-sided 95% standard normal quantile, Phi^-1(0.975).
Z_95 = 1.959963984540054


class Interval(NamedTuple):
    """A proportion interval; both ends lie in [0, 1]."""

    low: float
    high: float


def wilson_interval(successes: int, n: int, z: float = Z_95) -> Interval:
    """Return the Wilson score interval (no continuity correction) for ``successes`` of ``n``.

    Args:
        successes: Number of successes, ``0 <= successes <= n``.
        n: Number of trials; ``n == 0`` gives the uninformative interval ``(0, 1)``.
        z: Normal quantile of the two-sided level (1.96 for 95%).

    Raises:
        ValueError: For negative counts or ``successes > n``.
    """
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return Interval(0.0, 1.0)
    p_hat = successes / n
    z2_n = z * z / n
    centre = (p_hat + z2_n / 2) / (1 + z2_n)
    half = (z / (1 + z2_n)) * math.sqrt(p_hat * (1 - p_hat) / n + z2_n / (4 * n))
    # Clamp only float round-off: the exact ends are 0 at successes == 0 and 1 at == n.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(low, high)


#: t_{0.975, df} for df = 1..30 (the standard table to 7 significant digits).
_T_975 = (
    12.70620, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004,
    2.262157, 2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905,
    2.109816, 2.100922, 2.093024, 2.085963, 2.079614, 2.073873, 2.068658, 2.063899,
    2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
)  # fmt: skip


def t_quantile_975(df: int) -> float:
    """Return the 0.975 quantile of Student's t with ``df`` degrees of freedom.

    A table up to 30, then the Cornish-Fisher expansion around the normal quantile, whose
    error there is far below the precision a report shows; this keeps scipy out of the
    dependencies.
    """
    if df < 1:
        raise ValueError(f"need df >= 1, got {df}")
    if df <= len(_T_975):
        return _T_975[df - 1]
    z = Z_95
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


class MeanInterval(NamedTuple):
    """A sample mean with its 95% interval; ``low``/``high`` are None when n < 2."""

    n: int
    mean: float | None
    low: float | None
    high: float | None


def mean_interval(
    values: Iterable[float], bounds: tuple[float | None, float | None] = (None, None)
) -> MeanInterval:
    """Return the mean of ``values`` with its 95% Student-t confidence interval.

    Why t and not a bootstrap: episode metrics of one scenario are few (often < 30), where
    the t interval is the usual choice and needs no resampling seed; with n = 1 only the
    mean is known, and with n = 0 nothing. ``bounds`` is the range the metric can take
    (e.g. a length is never negative): the interval is clipped to it, since a symmetric t
    interval over few values can reach past it, which no value could.
    """
    data = [float(v) for v in values]
    n = len(data)
    if n == 0:
        return MeanInterval(0, None, None, None)
    mean = math.fsum(data) / n
    if n == 1:
        return MeanInterval(1, mean, None, None)
    var = math.fsum((x - mean) ** 2 for x in data) / (n - 1)
    half = t_quantile_975(n - 1) * math.sqrt(var / n)
    low, high = bounds
    return MeanInterval(
        n,
        mean,
        mean - half if low is None else max(low, mean - half),
        mean + half if high is None else min(high, mean + half),
    )


@dataclass(frozen=True)
class ScenarioSummary:
    """Counts for one scenario (or all of them, when ``scenario`` is None)."""

    scenario: str | None
    episodes: int
    successes: int
    collisions: int
    timeouts: int
    mean_time_to_goal_s: float | None
    videos_written: int
    videos_skipped: int
    videos_missing: int

    @property
    def success_rate(self) -> float | None:
        """Fraction of episodes that reached the goal; None when there are no episodes."""
        return self.successes / self.episodes if self.episodes else None

    @property
    def success_ci(self) -> Interval:
        """Wilson 95% interval of the success rate."""
        return wilson_interval(self.successes, self.episodes)


def _summary(scenario: str | None, rows: list[EpisodeRow]) -> ScenarioSummary:
    # Time to goal only means something for episodes that reached it; averaging the
    # timeouts' clock would mix "slow" with "never".
    times = [r.time_to_goal_s for r in rows if r.outcome == "success"]
    times = [t for t in times if t is not None]
    return ScenarioSummary(
        scenario=scenario,
        episodes=len(rows),
        successes=sum(r.outcome == "success" for r in rows),
        collisions=sum(r.outcome == "collision" for r in rows),
        timeouts=sum(r.outcome == "timeout" for r in rows),
        mean_time_to_goal_s=(sum(times) / len(times)) if times else None,
        videos_written=sum(r.video_state is VideoState.OK for r in rows),
        videos_skipped=sum(r.video_state is VideoState.SKIPPED for r in rows),
        videos_missing=sum(r.video_state is VideoState.MISSING for r in rows),
    )


def summarize(rows: Iterable[EpisodeRow]) -> tuple[list[ScenarioSummary], ScenarioSummary]:
    """Group rows by scenario (sorted by name) and add a total over all rows.

    Returns:
        ``(per_scenario, total)``; ``total.scenario`` is None.
    """
    rows = list(rows)
    by_scenario: dict[str, list[EpisodeRow]] = {}
    for row in rows:
        by_scenario.setdefault(row.scenario, []).append(row)
    per = [_summary(name, by_scenario[name]) for name in sorted(by_scenario)]
    return per, _summary(None, rows)
