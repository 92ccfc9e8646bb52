from __future__ import annotations

from pathlib import Path

import pytest

from robot_sf_gym_video.report import wilson_interval
from robot_sf_gym_video.report.model import VideoState, build_row
from robot_sf_gym_video.report.stats import summarize

# Newcombe (1998), Stat. Med. 17:857-872, Table I, method 3 (Wilson score, no correction).
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("s", "n", "low", "high"), NEWCOMBE)
def test_wilson_matches_published_values(s: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(s, n)
    assert got.low == pytest.approx(low, abs=6e-5)
    assert got.high == pytest.approx(high, abs=6e-5)


def test_wilson_small_batches() -> None:
    # Hand-computed with z = 1.959964: 10/10 -> [0.7225, 1], 5/10 -> [0.2366, 0.7634].
    assert wilson_interval(10, 10) == pytest.approx((0.72246, 1.0), abs=1e-5)
    assert wilson_interval(5, 10) == pytest.approx((0.23659, 0.76341), abs=1e-5)
    assert wilson_interval(1, 1) == pytest.approx((0.20655, 1.0), abs=1e-5)


@pytest.mark.parametrize(("s", "n"), [(0, 1), (3, 7), (12, 40), (39, 40)])
def test_wilson_is_symmetric_and_contains_estimate(s: int, n: int) -> None:
    low, high = wilson_interval(s, n)
    mirror_low, mirror_high = wilson_interval(n - s, n)
    assert low == pytest.approx(1 - mirror_high, abs=1e-12)
    assert high == pytest.approx(1 - mirror_low, abs=1e-12)
    assert 0.0 <= low <= s / n <= high <= 1.0


def test_wilson_edges() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError, match="successes=3, n=2"):
        wilson_interval(3, 2)
    with pytest.raises(ValueError):
        wilson_interval(-1, 2)


def test_summarize_counts_per_scenario(tmp_path: Path, make_record) -> None:
    recs = [
        make_record("b", 1, 0, "success", ttg=2.0),
        make_record("b", 2, 1, "success", ttg=4.0),
        make_record("b", 3, 2, "timeout", ttg=9.9),  # a timeout's clock is not a goal time
        make_record("a", 4, 0, "collision"),
    ]
    recs[0]["video_skip"] = {"reason": "no-frames", "message": "", "renderer": "synthetic"}
    recs[1]["video"] = {"path": "videos/missing.mp4", "frames": 30}
    rows = [build_row(r, tmp_path, default_fps=10) for r in recs]
    assert rows[1].video_state is VideoState.MISSING
    per, total = summarize(rows)
    assert [s.scenario for s in per] == ["a", "b"]
    a, b = per
    assert (a.episodes, a.successes, a.collisions, a.timeouts) == (1, 0, 1, 0)
    assert a.mean_time_to_goal_s is None
    assert a.success_rate == 0.0
    assert (b.episodes, b.successes, b.timeouts) == (3, 2, 1)
    assert b.mean_time_to_goal_s == pytest.approx(3.0)
    assert (b.videos_written, b.videos_skipped, b.videos_missing) == (0, 1, 1)
    assert b.success_ci == wilson_interval(2, 3)
    assert total.scenario is None
    assert (total.episodes, total.successes) == (4, 2)
