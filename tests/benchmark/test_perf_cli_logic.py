"""The perf command's warn-vs-fail logic, driven by an injected measurement (no timing)."""

import argparse
import json

import pytest

from robot_sf_gym_video.benchmark import perf


def _args(tmp_path, **overrides):
    parser = argparse.ArgumentParser()
    perf.add_arguments(parser)
    args = parser.parse_args(["--out", str(tmp_path / "perf")])
    for key, value in overrides.items():
        setattr(args, key, value)
    return args


def _fake_sample(overhead_pct):
    figures = {
        "workers": 1,
        "pairs": 5,
        "median_wall_s_without_video": 5.0,
        "median_wall_s_with_video": 5.0 * (1 + overhead_pct / 100),
        "overhead_pct": overhead_pct,
        "pair_overheads_pct": [overhead_pct] * 5,
        "pair_overhead_median_pct": overhead_pct,
        "pair_overhead_min_pct": overhead_pct,
        "pair_overhead_max_pct": overhead_pct,
        "steps_per_run": 1000,
        "episodes_per_run": 8,
        "encode_ms_per_frame": 0.5,
        "caller_ms_per_step": 0.02,
        "finalize_ms_per_episode": 3.0,
        "peak_rss_mb_without_video": 100.0,
        "peak_rss_mb_with_video": 110.0,
        "peak_child_rss_mb_with_video": 60.0,
    }
    return perf.PerfSample(
        settings={}, machine=perf.machine_info(), single_worker=figures, all_cores_busy=None
    )


@pytest.mark.parametrize(
    ("overhead", "enforce", "code"),
    [(2.0, "1", 0), (9.0, "", 0), (9.0, "1", 1)],
)
def test_perf_exit_code_follows_budget(
    tmp_path, monkeypatch, capsys, caplog, overhead, enforce, code
):
    monkeypatch.setenv("ROBOT_SF_PERF_ENFORCE", enforce)
    monkeypatch.setattr(perf, "measure", lambda settings: _fake_sample(overhead))
    assert perf.run(_args(tmp_path)) == code
    captured = capsys.readouterr()
    assert f"overhead: {overhead:+.2f}%" in captured.out
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert bool(warnings) is (overhead > 5)
    sample = json.loads((tmp_path / "perf" / "perf_sample.json").read_text())
    assert sample["single_worker"]["overhead_pct"] == overhead
    assert sample["machine"]["logical_cores"] >= 1


def test_budget_pct_flag_moves_the_threshold(tmp_path, monkeypatch):
    monkeypatch.setenv("ROBOT_SF_PERF_ENFORCE", "1")
    monkeypatch.setattr(perf, "measure", lambda settings: _fake_sample(9.0))
    assert perf.run(_args(tmp_path, budget_pct=10.0)) == 0


def test_quick_mode_shrinks_the_batch(tmp_path):
    settings = perf.settings_from_args(_args(tmp_path, quick=True))
    assert (settings.episodes, settings.repeats, settings.busy_repeats) == (1, 1, 1)
    assert settings.max_steps == 30 and settings.calibrate is False


def test_bad_video_size_is_a_usage_error(tmp_path):
    from robot_sf_gym_video.errors import UsageError

    with pytest.raises(UsageError, match="320x240"):
        perf.settings_from_args(_args(tmp_path, video_size="big"))


def test_pair_overheads_are_paired_per_repeat():
    def fig(wall):
        return perf.RunFigures(
            video=False,
            workers=1,
            wall_s=wall,
            episodes=1,
            steps=10,
            peak_rss_mb=1.0,
            peak_child_rss_mb=1.0,
        )

    pair = perf.ConditionPair(
        workers=1, without_video=[fig(10.0), fig(20.0)], with_video=[fig(10.5), fig(20.2)]
    )
    assert pair.pair_overheads_pct == pytest.approx([5.0, 1.0])
    assert pair.to_dict()["overhead_pct"] == pytest.approx(100 * (15.35 - 15.0) / 15.0, abs=0.01)
