"""Paired tests and mean intervals against independent computations (enumeration, integration)."""

import itertools
import math

import numpy as np
import pytest

from robot_sf_gym_video.report.paired import (
    EXACT_WILCOXON_MAX_N,
    mcnemar_exact,
    wilcoxon_signed_rank,
)
from robot_sf_gym_video.report.stats import mean_interval, t_quantile_975


def _t_cdf(x: float, df: int) -> float:
    """CDF of Student's t by integrating its density (Simpson, fine grid), for checking."""
    grid = np.linspace(0.0, x, 200_001)
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    pdf = np.exp(log_c) * (1 + grid**2 / df) ** (-(df + 1) / 2)
    h = grid[1] - grid[0]
    simpson = h / 3 * (pdf[0] + pdf[-1] + 4 * pdf[1:-1:2].sum() + 2 * pdf[2:-1:2].sum())
    return 0.5 + simpson


@pytest.mark.parametrize("df", [*range(1, 31), 31, 45, 100, 500])
def test_t_quantile_is_the_975_point(df):
    assert _t_cdf(t_quantile_975(df), df) == pytest.approx(0.975, abs=2e-6)


def test_mean_interval_matches_the_textbook_formula():
    values = [1.0, 2.0, 4.0, 7.0]
    n, mean, low, high = mean_interval(values)
    sd = np.std(values, ddof=1)
    half = 3.182446 * sd / 2  # t_{0.975, 3} * s / sqrt(4)
    assert (n, mean) == (4, 3.5)
    assert (low, high) == (pytest.approx(3.5 - half), pytest.approx(3.5 + half))
    assert mean_interval([]) == (0, None, None, None)
    assert mean_interval([2.5]) == (1, 2.5, None, None)
    assert mean_interval([3.0, 3.0, 3.0])[2:] == (3.0, 3.0)


def test_mean_interval_is_clipped_to_the_metric_range():
    values = [0.1, 2.0]  # t over two values reaches far below zero
    _, mean, low, high = mean_interval(values)
    assert low < 0
    _, clipped_mean, clipped_low, clipped_high = mean_interval(values, (0.0, None))
    assert (clipped_mean, clipped_low, clipped_high) == (mean, 0.0, high)
    assert mean_interval([0.9, 1.0], (0.0, 1.0))[3] == 1.0


def _binomial_two_sided(b, c):
    n = b + c
    probs = [math.comb(n, k) / 2**n for k in range(n + 1)]
    observed = probs[b]
    return min(1.0, sum(p for p in probs if p <= observed + 1e-15))


@pytest.mark.parametrize(("b", "c"), [(0, 0), (1, 0), (5, 0), (0, 6), (3, 7), (10, 10), (2, 19)])
def test_mcnemar_exact_is_the_binomial_sign_test(b, c):
    assert mcnemar_exact(b, c) == pytest.approx(_binomial_two_sided(b, c))
    assert mcnemar_exact(b, c) == mcnemar_exact(c, b)


def test_mcnemar_known_values():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(6, 0) == pytest.approx(2 / 64)
    assert mcnemar_exact(1, 0) == 1.0


def _brute_force_p(diffs):
    """Two-sided p of W+ by listing every sign pattern over the same (average) ranks."""
    d = np.asarray([x for x in diffs if x != 0], dtype=float)
    absd = np.abs(d)
    ranks = np.array([np.mean(np.flatnonzero(np.sort(absd) == a) + 1) for a in absd])
    observed = ranks[d > 0].sum()
    centre = ranks.sum() / 2
    hits = 0
    patterns = list(itertools.product([0, 1], repeat=len(d)))
    for signs in patterns:
        w = ranks[np.array(signs, dtype=bool)].sum()
        hits += abs(w - centre) >= abs(observed - centre) - 1e-9
    return hits / len(patterns), observed


@pytest.mark.parametrize(
    "diffs",
    [
        [1.0, 2.0, 3.0, 4.0, 5.0],
        [-1.0, 2.0, -3.0, 4.0, 5.0, 6.0, 0.0],
        [0.5, 0.5, -0.5, 1.5, 1.5, 2.0, -2.0, 3.0],  # ties share average ranks
        [0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, 0.8, 0.9, 1.0, -1.1, 1.2],
    ],
)
def test_wilcoxon_exact_matches_enumeration(diffs):
    result = wilcoxon_signed_rank(diffs)
    expected_p, w_plus = _brute_force_p(diffs)
    assert result.exact and result.n == sum(d != 0 for d in diffs)
    assert result.statistic == pytest.approx(w_plus)
    assert result.p_value == pytest.approx(expected_p)


def test_wilcoxon_edge_cases_and_normal_approximation():
    assert wilcoxon_signed_rank([0.0, 0.0]) == (0, 0.0, 1.0, True)
    assert wilcoxon_signed_rank([1.0] * 5).p_value == pytest.approx(2 / 32)
    rng = np.random.default_rng(0)
    diffs = rng.normal(0.3, 1.0, EXACT_WILCOXON_MAX_N)
    exact = wilcoxon_signed_rank(diffs)
    approx = wilcoxon_signed_rank(np.append(diffs, 0.0123))  # one more: normal branch
    assert exact.exact and not approx.exact
    assert approx.p_value == pytest.approx(exact.p_value, rel=0.25)
    shifted = wilcoxon_signed_rank(rng.normal(1.0, 1.0, 200))
    assert shifted.p_value < 1e-6
