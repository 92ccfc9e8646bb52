"""Complete ``--help``: every option of every subcommand says what it does and its default.

The checks walk the whole parser, so options and subcommands added later are covered too.
"""

import argparse
import subprocess
import sys

import pytest

from robot_sf_gym_video.benchmark import cli

_NO_HELP_NEEDED = (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)


def _parsers():
    """Yield ``(name, parser)`` for the root and every subcommand (recursively)."""
    todo = [("robot-sf-bench", cli.main_parser())]
    while todo:
        name, parser = todo.pop()
        yield name, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo += [(f"{name} {sub}", p) for sub, p in action.choices.items()]


def _options():
    for name, parser in _parsers():
        formatter = parser._get_formatter()
        for action in parser._actions:
            if not isinstance(action, _NO_HELP_NEEDED):
                yield name, action, formatter


SUBCOMMANDS = sorted(name for name, _ in _parsers() if name != "robot-sf-bench")
OPTIONS = list(_options())


def _label(item):
    name, action, _ = item
    return f"{name}:{(action.option_strings or [action.dest])[0]}"


def test_every_subcommand_is_walked():
    assert {"robot-sf-bench run", "robot-sf-bench perf", "robot-sf-bench validate"} <= set(
        SUBCOMMANDS
    )


@pytest.mark.parametrize("item", OPTIONS, ids=[_label(i) for i in OPTIONS])
def test_every_option_has_help_and_shows_its_default(item):
    _name, action, formatter = item
    assert action.help and action.help is not argparse.SUPPRESS, f"{_label(item)} has no help"
    if not action.option_strings:
        return  # positional: required, so it has no default to show
    shown = formatter._expand_help(action)
    assert "default" in shown, f"{_label(item)} does not show its default: {shown!r}"


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_help_renders_with_each_option_described(command, capsys):
    argv = command.split()[1:]
    with pytest.raises(SystemExit) as done:
        cli.main([*argv, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    parser = dict(_parsers())[command]
    for action in parser._actions:
        for flag in action.option_strings:
            assert flag in text
    assert "%%" not in text  # argparse %-formats help=, not description=


def test_perf_help_says_what_each_option_does(capsys):
    with pytest.raises(SystemExit):
        cli.main(["perf", "--help"])
    text = capsys.readouterr().out
    for words in ("paired runs", "A/B pairs", "overhead budget", "frame source", "step limit"):
        assert words in text


def test_scenarios_one_name_per_line_for_scripts():
    done = subprocess.run(
        [sys.executable, "-m", "robot_sf_gym_video", "scenarios"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    from robot_sf_gym_video import list_scenarios

    assert done.stdout.splitlines() == list_scenarios()


def test_scenarios_long_shows_description_size_peds_and_limit(capsys):
    from robot_sf_gym_video.sim.scenarios import load_scenario

    assert cli.main(["scenarios", "--long"]) == 0
    lines = capsys.readouterr().out.splitlines()
    crossing = next(line for line in lines if line.startswith("crossing: "))
    spec = load_scenario("crossing")
    x0, y0, x1, y1 = spec.bounds_m
    assert spec.description in crossing
    assert f"map {x1 - x0:g} x {y1 - y0:g} m" in crossing
    assert f"{spec.ped_count} pedestrians" in crossing
    assert f"{spec.max_episode_steps} steps" in crossing


def test_validate_prints_what_it_checked(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["run", "--out", str(out), "--episodes", "2", "--max-steps", "6", "--video", "--quiet"]
    assert cli.main(argv) == 0
    capsys.readouterr()
    assert cli.main(["validate", "--decode", str(out)]) == 0
    text = capsys.readouterr().out
    assert "checked: 2 records (schema, ids), 2 videos (size, sha256), " in text
    assert "12 frames decoded in 2 videos" in text
    assert f"ok: {out}" in text


def test_unknown_option_points_at_the_subcommand_help(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["run", "--out", "x", "--bogus", "1"])
    assert done.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "--bogus 1" in line and "'robot-sf-bench run --help'" in line, line
    with pytest.raises(SystemExit):
        cli.main(["--bogus"])
    assert "'robot-sf-bench --help'" in capsys.readouterr().err
