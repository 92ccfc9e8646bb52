import pytest

from robot_sf_gym_video.benchmark.budget import judge_overhead


@pytest.mark.parametrize(
    ("overhead", "enforce", "over", "code"),
    [
        (1.0, "", False, 0),
        (5.0, "1", False, 0),  # exactly at budget is within it
        (7.5, "", True, 0),  # breach only warns by default
        (7.5, "0", True, 0),
        (7.5, "1", True, 1),  # ROBOT_SF_PERF_ENFORCE=1 turns a breach into a failure
        (None, "1", False, 0),  # unknown overhead (video off) is never a breach
    ],
)
def test_budget_verdict(overhead, enforce, over, code):
    verdict = judge_overhead(overhead, 5.0, {"ROBOT_SF_PERF_ENFORCE": enforce})
    assert verdict.over_budget is over
    assert verdict.exit_code == code
    assert (verdict.message() is not None) is over


def test_message_names_figure_budget_and_variable():
    msg = judge_overhead(12.34, 5.0, {}).message()
    assert "12.3%" in msg and "5%" in msg and "ROBOT_SF_PERF_ENFORCE=1" in msg
