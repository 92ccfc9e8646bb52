"""Paired tests for comparing two runs episode by episode (numpy only, no scipy).

- ``mcnemar_exact(b, c)``: exact McNemar test on the discordant pairs of a binary
  outcome (``b``: only A succeeded, ``c``: only B did); two-sided p-value.
- ``WilcoxonResult`` / ``wilcoxon_signed_rank(diffs)``: Wilcoxon signed-rank test of
  paired differences, exact for small samples, normal approximation beyond.
- ``EXACT_WILCOXON_MAX_N``: the sample size up to which the exact distribution is used.

Why these: the two runs filmed the same situations (same scenario, seed and episode
index), so each pair differs only by the policy. Paired tests use that and need far fewer
episodes than comparing two independent samples. McNemar looks only at pairs whose
outcome differs; Wilcoxon does not assume normal differences, which matters for metrics
like jerk or minimum distance with heavy tails.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

__all__ = ["EXACT_WILCOXON_MAX_N", "WilcoxonResult", "mcnemar_exact", "wilcoxon_signed_rank"]

#: Up to this many non-zero differences the exact null distribution is enumerated.
EXACT_WILCOXON_MAX_N = 60


def mcnemar_exact(b: int, c: int) -> float:
    """Return the two-sided exact McNemar p-value for ``b`` and ``c`` discordant pairs.

    Under the null hypothesis each discordant pair favours A or B with probability 1/2,
    so the smaller count is binomial(b + c, 1/2); the p-value doubles its tail (capped at
    1). No discordant pairs give p = 1: the runs cannot be told apart.
    """
    if b < 0 or c < 0:
        raise ValueError(f"counts must be >= 0, got b={b}, c={c}")
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = math.fsum(math.comb(n, i) for i in range(k + 1)) / 2.0**n
    return min(1.0, 2.0 * tail)


class WilcoxonResult(NamedTuple):
    """Outcome of a signed-rank test.

    Attributes:
        n: Non-zero differences used (zeros are dropped, as Wilcoxon proposed).
        statistic: Sum of the ranks of the positive differences (W+).
        p_value: Two-sided p-value; 1.0 when ``n == 0``.
        exact: True when the p-value comes from the exact distribution.
    """

    n: int
    statistic: float
    p_value: float
    exact: bool


def wilcoxon_signed_rank(diffs: Sequence[float]) -> WilcoxonResult:
    """Test whether paired differences ``diffs`` (B - A) are symmetric around zero.

    Tied absolute differences share their average rank. Up to ``EXACT_WILCOXON_MAX_N``
    non-zero differences the p-value is exact: the null distribution of W+ given these
    ranks is enumerated (each sign equally likely), which stays exact with ties. Beyond,
    the normal approximation with the tie-corrected variance and a continuity correction.
    """
    d = np.asarray(diffs, dtype=float)
    d = d[np.isfinite(d) & (d != 0.0)]
    n = int(d.size)
    if n == 0:
        return WilcoxonResult(0, 0.0, 1.0, True)
    ranks = _average_ranks(np.abs(d))
    w_plus = float(ranks[d > 0].sum())
    if n <= EXACT_WILCOXON_MAX_N:
        return WilcoxonResult(n, w_plus, _exact_p(ranks, w_plus), True)
    return WilcoxonResult(n, w_plus, _normal_p(ranks, w_plus), False)


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values``, ties sharing the mean of the ranks they span."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    ranks = np.empty(values.size, dtype=float)
    start = 0
    while start < values.size:
        stop = start
        while stop + 1 < values.size and sorted_values[stop + 1] == sorted_values[start]:
            stop += 1
        ranks[order[start : stop + 1]] = (start + stop) / 2.0 + 1.0
        start = stop + 1
    return ranks


def _exact_p(ranks: np.ndarray, w_plus: float) -> float:
    """Two-sided p of W+ by enumerating all 2^n sign patterns as a counting polynomial.

    Ranks are whole or half numbers, so doubled they are integers and the distribution is
    a vector of counts indexed by 2*W+ (built one rank at a time, like a knapsack).
    """
    doubled = np.rint(ranks * 2).astype(np.int64)
    total = int(doubled.sum())
    counts = np.zeros(total + 1, dtype=float)
    counts[0] = 1.0
    for r in doubled:
        shifted = np.zeros_like(counts)
        shifted[r:] = counts[: counts.size - r]
        counts = counts + shifted
    probs = counts / counts.sum()
    observed = round(w_plus * 2)
    mirror = total - observed  # the distribution is symmetric around total / 2
    low, high = min(observed, mirror), max(observed, mirror)
    p = probs[: low + 1].sum() + probs[high:].sum()
    if low == high:  # observed is the centre: both tails are the whole distribution
        p = 1.0
    return float(min(1.0, p))


def _normal_p(ranks: np.ndarray, w_plus: float) -> float:
    n = ranks.size
    mean = n * (n + 1) / 4.0
    _, tie_counts = np.unique(ranks, return_counts=True)
    var = n * (n + 1) * (2 * n + 1) / 24.0 - float((tie_counts**3 - tie_counts).sum()) / 48.0
    if var <= 0:
        return 1.0
    z = (abs(w_plus - mean) - 0.5) / math.sqrt(var)
    return float(min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2.0))))
