"""The perf command's warn-vs-fail logic, driven by an injected measurement (no timing)."""

import argparse
import json

import pytest

from robot_sf_gym_video.benchmark import perf, perf_stats


def _args(tmp_path, **overrides):
    parser = argparse.ArgumentParser()
    perf.add_arguments(parser)
    args = parser.parse_args(["--out", str(tmp_path / "perf")])
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


def _fake_sample(overhead_pct, pairs=9, spread=1.0, wall_s=6.0):
    pair_values = [overhead_pct + spread * (i - pairs // 2) for i in range(pairs)]
    figures = {
        "workers": 1,
        "pairs": pairs,
        "steps_per_run": 1000,
        "episodes_per_run": 8,
        "median_wall_s_without_video": wall_s,
        "median_wall_s_with_video": wall_s * (1 + overhead_pct / 100),
        "overhead_pct": overhead_pct,
        "overhead_interval_pct": list(perf_stats.bootstrap_median_interval(pair_values)),
        "pair_overheads_pct": pair_values,
        "ratio_of_medians_overhead_pct": overhead_pct,
        "recorder_cpu_ms_per_frame": 0.21,
        "env_thread_ms_per_step": 0.01,
        "step_wall_ms_without_video": 0.5,
        "step_cpu_ms_without_video": 0.45,
        "env_cpu_extra_ms_per_step": 0.02,
        "finalize_ms_per_episode": 3.0,
        "peak_rss_mb_without_video": 100.0,
        "peak_rss_mb_with_video": 110.0,
        "peak_child_rss_mb_with_video": 60.0,
    }
    return perf.PerfSample(
        settings={}, machine=perf.machine_info(), single_worker=figures, all_cores_busy=None
    )


@pytest.mark.parametrize(
    ("overhead", "enforce", "code", "status"),
    [
        (2.0, "1", 0, "within budget"),
        (9.0, "", 0, "over budget"),
        (9.0, "1", 1, "over budget"),
        (5.0, "1", 0, "inconclusive"),
    ],
)
def test_perf_judges_the_median_and_its_interval(
    tmp_path, monkeypatch, capsys, caplog, overhead, enforce, code, status
):
    monkeypatch.setenv("ROBOT_SF_PERF_ENFORCE", enforce)
    monkeypatch.setattr(perf, "measure", lambda settings: _fake_sample(overhead))
    assert perf.run(_args(tmp_path)) == code
    out = capsys.readouterr().out
    assert f"video overhead: median {overhead:+.2f}% (95% interval" in out
    assert f": {status}" in out
    assert "recorder CPU per frame: 0.2100 ms" in out and "env thread per step: 0.0100" in out
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert bool(warnings) is (status != "within budget")
    sample = json.loads((tmp_path / "perf" / "perf_sample.json").read_text())
    assert sample["single_worker"]["overhead_pct"] == overhead
    assert sample["machine"]["logical_cores"] >= 1


@pytest.mark.parametrize(("pairs", "wall_s"), [(1, 6.0), (2, 6.0), (9, 0.14), (9, 1.5)])
def test_too_short_a_measurement_prints_no_percentage(
    tmp_path, monkeypatch, capsys, caplog, pairs, wall_s
):
    monkeypatch.setenv("ROBOT_SF_PERF_ENFORCE", "1")
    sample = _fake_sample(70.0, pairs=pairs, wall_s=wall_s)
    monkeypatch.setattr(perf, "measure", lambda settings: sample)
    assert perf.run(_args(tmp_path)) == 0
    out = capsys.readouterr().out
    assert "overhead not judged" in out and "recorder CPU per frame: 0.2100 ms" in out
    assert "%" not in out.replace("(%)", "")  # no overhead percentage anywhere
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_budget_pct_flag_moves_the_threshold(tmp_path, monkeypatch):
    monkeypatch.setenv("ROBOT_SF_PERF_ENFORCE", "1")
    monkeypatch.setattr(perf, "measure", lambda settings: _fake_sample(9.0))
    assert perf.run(_args(tmp_path, budget_pct=15.0)) == 0


def test_quick_mode_shrinks_the_batch(tmp_path):
    settings = perf.settings_from_args(_args(tmp_path, quick=True))
    assert (settings.episodes, settings.repeats, settings.busy_repeats) == (1, 1, 1)
    assert settings.max_steps == 30 and settings.calibrate is False


def test_bad_video_size_is_a_usage_error(tmp_path):
    from robot_sf_gym_video.errors import UsageError

    with pytest.raises(UsageError, match="320x240"):
        perf.settings_from_args(_args(tmp_path, video_size="big"))


def test_default_is_nine_interleaved_pairs(tmp_path):
    assert perf.settings_from_args(_args(tmp_path)).repeats >= 9


def test_pair_overheads_are_paired_per_repeat():
    def fig(wall):
        return perf_stats.RunFigures(
            video=False,
            workers=1,
            wall_s=wall,
            episodes=1,
            steps=10,
            peak_rss_mb=1.0,
            peak_child_rss_mb=1.0,
        )

    pair = perf_stats.ConditionPair(
        workers=1, without_video=[fig(10.0), fig(20.0)], with_video=[fig(10.5), fig(20.2)]
    )
    assert pair.pair_overheads_pct == pytest.approx([5.0, 1.0])
    figures = pair.to_dict()
    assert figures["overhead_pct"] == pytest.approx(3.0)  # the median of the pairs
    assert figures["ratio_of_medians_overhead_pct"] == pytest.approx(
        100 * (15.35 - 15.0) / 15.0, abs=0.01
    )
    low, high = figures["overhead_interval_pct"]
    assert low <= 3.0 <= high


def test_bootstrap_interval_of_the_median():
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    low, high = perf_stats.bootstrap_median_interval(values)
    assert 1.0 < low < 5.0 < high < 9.0
    assert perf_stats.bootstrap_median_interval(values) == (low, high)  # seeded
    assert perf_stats.bootstrap_median_interval([4.0] * 9) == (4.0, 4.0)
    wide = perf_stats.bootstrap_median_interval([-15.0, 30.0, 2.0, 9.0, -4.0, 20.0, 6.0])
    assert wide[1] - wide[0] > 5.0


def test_verdict_is_inconclusive_only_when_the_interval_straddles_the_budget(monkeypatch):
    monkeypatch.setenv("ROBOT_SF_PERF_ENFORCE", "1")
    assert perf_stats.judge_paired(3.0, 1.0, 4.5, 5.0).status == "within budget"
    straddle = perf_stats.judge_paired(6.0, 2.0, 9.0, 5.0)
    assert straddle.status == "inconclusive" and straddle.exit_code == 0
    assert "straddles 5%" in straddle.line()
    breach = perf_stats.judge_paired(8.0, 6.0, 11.0, 5.0)
    assert breach.status == "over budget" and breach.exit_code == 1


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        (["--repeats", "0"], "--repeats"),
        (["--busy-repeats", "-1"], "--busy-repeats"),
        (["--episodes", "0"], "--episodes"),
        (["--min-seconds", "-1"], "--min-seconds"),
        (["--budget-pct", "0"], "--budget-pct"),
        (["--max-steps", "0"], "--max-steps"),
        (["--scenario", "nope"], "'nope'"),
        (["--video-size", "1x1"], "1x1"),
    ],
)
def test_bad_option_is_one_line_exit_2_before_any_run(tmp_path, capsys, bad, named):
    """Checked as given (even where --quick would override it), before a child starts."""
    from robot_sf_gym_video.benchmark.cli import main

    out = tmp_path / "perf"
    assert main(["perf", "--quick", "--out", str(out), *bad]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and named in err[0], err
    assert not out.exists()  # refused before any paired run


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    from robot_sf_gym_video.benchmark.cli import main

    (tmp_path / "f").write_text("x")
    assert main(["perf", "--quick", "--out", str(tmp_path / "f")]) == 2
    assert "is not a folder" in capsys.readouterr().err
