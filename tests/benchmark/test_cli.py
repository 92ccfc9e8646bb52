"""CLI behaviour that needs no episode to run (parsing, help, errors, exit codes)."""

import subprocess
import sys

import pytest

from robot_sf_gym_video.benchmark import cli
from robot_sf_gym_video.benchmark.summary import BatchSummary, VideoCost

COMMANDS = ["run", "validate", "scenarios", "report", "summary", "compare", "perf"]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_has_an_example(command, capsys):
    argv = ["--help"] if command is None else [command, "--help"]
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "example:" in out and "robot-sf-bench " + (command or "run") in out


def test_python_m_is_the_same_cli():
    done = subprocess.run(
        [sys.executable, "-m", "robot_sf_gym_video", "scenarios"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "crossing" in done.stdout.split()


def _parse(argv):
    return cli.main_parser().parse_args(["run", *argv])


def test_flags_override_config_and_no_video_wins(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('out_dir = "o"\nepisodes = 4\nvideo_enabled = true\nseed = 3\n')
    kw = cli.run_kwargs(_parse(["--config", str(cfg), "--episodes", "2"]))
    assert kw["episodes"] == 2 and kw["seed"] == 3 and kw["video_enabled"] is True
    kw = cli.run_kwargs(_parse(["--config", str(cfg), "--video", "--no-video"]))
    assert kw["video_enabled"] is False
    kw = cli.run_kwargs(_parse(["--config", str(cfg), "--video-renderer", "none"]))
    assert kw["video_enabled"] is False


def test_video_renderer_turns_video_on(tmp_path):
    kw = cli.run_kwargs(_parse(["--out", "x", "--video-renderer", "sim-view"]))
    assert kw["video_enabled"] is True and kw["video_renderer"] == "sim-view"
    kw = cli.run_kwargs(_parse(["--out", "x"]))
    assert "video_enabled" not in kw and kw["progress"] is True
    assert cli.run_kwargs(_parse(["--out", "x", "--quiet"]))["progress"] is False


def test_missing_out_is_exit_2(capsys):
    assert cli.main(["run"]) == 2
    assert "--out" in capsys.readouterr().err


def test_bad_renderer_name_is_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["run", "--out", "x", "--video-renderer", "opengl"])
    assert info.value.code == 2


def test_unknown_config_key_is_exit_2_naming_key_and_allowed(tmp_path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("epsiodes = 2\n")
    assert cli.main(["run", "--out", str(tmp_path / "o"), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "'epsiodes'" in err and "episodes" in err and str(cfg) in err
    assert not (tmp_path / "o").exists()


def _fake_summary(overhead_pct):
    summary = BatchSummary(run_dir="x", episodes_planned=1, episodes_run=1, video_on=True)
    summary.wall_time_s = 100.0
    # critical path chosen so that critical / (wall - critical) == overhead_pct
    critical = 100.0 * overhead_pct / (100.0 + overhead_pct)
    summary.video_cost = VideoCost(caller_s=critical, frames=10)
    return summary


@pytest.mark.parametrize(
    ("overhead", "enforce", "code"),
    [(2.0, "1", 0), (20.0, "", 0), (20.0, "0", 0), (20.0, "1", 1)],
)
def test_budget_breach_warns_and_fails_only_when_enforced(
    monkeypatch, capsys, overhead, enforce, code
):
    import robot_sf_gym_video.benchmark.runner as runner

    monkeypatch.setattr(runner, "run_config", lambda config: _fake_summary(overhead))
    monkeypatch.setenv("ROBOT_SF_PERF_ENFORCE", enforce)
    assert cli.main(["run", "--out", "x", "--video"]) == code
    captured = capsys.readouterr()
    assert f"estimated overhead {overhead:.1f}%" in captured.out
    assert ("WARNING" in captured.err) == (overhead > 5)


def test_short_batch_reports_but_does_not_judge_the_budget(monkeypatch, capsys):
    import robot_sf_gym_video.benchmark.runner as runner

    def short_batch(config):
        summary = _fake_summary(20.0)
        summary.wall_time_s = 2.0  # start-up dominates: no percentage, budget not judged
        summary.steps = 10
        return summary

    monkeypatch.setattr(runner, "run_config", short_batch)
    monkeypatch.setenv("ROBOT_SF_PERF_ENFORCE", "1")
    assert cli.main(["run", "--out", "x", "--video"]) == 0
    captured = capsys.readouterr()
    assert "budget not judged" in captured.out
    assert "%" not in captured.out.replace("5%", "")  # no overhead percentage is printed
    assert "ms per step in the env's loop" in captured.out
    assert "WARNING" not in captured.err


def test_unexpected_error_is_one_line_exit_1_traceback_only_with_debug(monkeypatch, capsys):
    import robot_sf_gym_video.benchmark.runner as runner

    def boom(config):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(runner, "run_config", boom)
    assert cli.main(["run", "--out", "x"]) == 1
    err = capsys.readouterr().err
    assert err == "error: RuntimeError: disk on fire\n"
    assert cli.main(["run", "--out", "x", "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_report_module_missing_is_exit_1(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "robot_sf_gym_video.report", None)
    assert cli.main(["report", str(tmp_path)]) == 1
    assert "report module is not available" in capsys.readouterr().err


def test_validate_missing_path_is_exit_2(tmp_path, capsys):
    assert cli.main(["validate", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "--out", "x", "--video-renderer", "bogus"], "invalid choice: 'bogus'"),
        (["run", "--out", "x", "--episodes", "two"], "invalid int value: 'two'"),
        (["run", "--out", "x", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        ([], "required: COMMAND"),
    ],
)
def test_argument_errors_are_one_line_exit_2(capsys, argv, needle):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and needle in err
    assert "--help" in err
