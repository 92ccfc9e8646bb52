"""Never hang, never escape, never mislabel: interrupts, the run lock, symlinks, recorder
restarts and stalls, long names and hostile input, with real processes and signals."""

from __future__ import annotations

import json
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from robot_sf_gym_video.benchmark.cli import main
from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.benchmark.validate import validate_run
from robot_sf_gym_video.fileops import TEMP_GLOB
from robot_sf_gym_video.video.naming import MAX_SCENARIO_CHARS

from .conftest import REPO, group_gone, records_of

RUN = ["run", "--scenario", "crossing", "--quiet"]


def _start(argv: list[str]) -> subprocess.Popen[str]:
    """Start the CLI in its own process group (like a shell job), as a user would."""
    return subprocess.Popen(
        [sys.executable, "-m", "robot_sf_gym_video", *argv],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for_records(run: Path, proc: subprocess.Popen[str], timeout_s: float = 60) -> None:
    records = run / "episodes.jsonl"
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        if records.exists() and records.stat().st_size:
            return
        time.sleep(0.02)


def _temps(run: Path) -> list[Path]:
    return [p for folder in (run, run / "videos") for p in folder.glob(TEMP_GLOB)]


def _validate_ok(run: Path, decode: bool = True) -> None:
    assert validate_run(run, decode=decode) == []


# -- interrupts ------------------------------------------------------------------------------
@pytest.mark.slow
def test_sigint_at_random_moments_stops_fast_and_resumes(tmp_path):
    rng = random.Random(14)
    times: list[float] = []
    argv = ["--episodes", "40", "--max-steps", "60", "--video", "--workers", "2"]
    for attempt in range(10):
        out = tmp_path / f"run{attempt}"
        proc = _start([*RUN, "--out", str(out), *argv])
        # Even attempts: a moment of start-up (imports, run dir, worker and recorder
        # starts). Odd ones: a moment of the running batch, timed from its first record so
        # that a fast machine does not finish the batch before the signal comes.
        if attempt % 2:
            _wait_for_records(out, proc)
            time.sleep(rng.uniform(0.0, 1.0))
        else:
            time.sleep(rng.uniform(0.2, 1.5))
        sent = time.monotonic()
        with_signal = proc.poll() is None
        if with_signal:
            os.killpg(proc.pid, signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            pytest.fail(f"attempt {attempt}: still running 10 s after SIGINT")
        if with_signal:
            times.append(time.monotonic() - sent)
        assert group_gone(proc.pid), f"attempt {attempt}: a child outlived the batch"
        # -SIGINT: the signal came while Python still imported numpy, before the CLI could
        # catch it; the process dies of SIGINT as Python does (a shell shows 130 either way)
        if proc.returncode in (130, -signal.SIGINT):
            lines = err.strip().splitlines()
            assert len(lines) == 1, err
            # "interrupted" alone: the signal came while Python was still importing
            assert re.fullmatch(
                r"interrupted(: \d+ of 40 episodes recorded; resume with --resume)?", lines[0]
            )
        else:
            assert proc.returncode == 0, err  # it finished before the signal came
        summary = run_batch(
            out, scenarios=["crossing"], episodes=40, max_steps=60, video_enabled=True, resume=True
        )
        assert summary.episodes_planned == 40
        _validate_ok(out)
        assert len(records_of(out)) == 40
        assert _temps(out) == []
    assert len(times) >= 5, "most signals must land while the batch runs"
    figures = {"min": min(times), "median": statistics.median(times), "max": max(times)}
    print("exit after SIGINT, s:", json.dumps({k: round(v, 2) for k, v in figures.items()}))
    assert figures["max"] < 10


def test_sigterm_to_the_main_process_only_stops_every_child(tmp_path):
    out = tmp_path / "run"
    proc = _start([*RUN, "--out", str(out), "--episodes", "40", "--video", "--workers", "2"])
    deadline = time.monotonic() + 60
    while not list((out / "videos").glob("*.mp4")) and time.monotonic() < deadline:
        time.sleep(0.1)  # wait until the workers and their recorders are up
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGTERM)  # not the group: the batch must stop its children
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 143, err
    assert err.strip().splitlines()[-1].startswith("interrupted: ")
    psutil.wait_procs(children, timeout=5)
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert _temps(out) == []


# -- the lock --------------------------------------------------------------------------------
@pytest.mark.parametrize("extra", [[], ["--resume"], ["--overwrite"]])
def test_second_run_on_a_locked_dir_exits_2_naming_the_pid(tmp_path, capsys, extra):
    out = tmp_path / "run"
    first = _start([*RUN, "--out", str(out), "--episodes", "100000", "--max-steps", "50"])
    try:
        deadline = time.monotonic() + 60
        records = out / "episodes.jsonl"
        while not (records.exists() and records.stat().st_size) and time.monotonic() < deadline:
            time.sleep(0.05)
        code = main([*RUN, "--out", str(out), "--episodes", "2", *extra])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2
        assert len(err) == 1 and f"in use by pid {first.pid}" in err[0], err
    finally:
        os.killpg(first.pid, signal.SIGINT)
        first.communicate(timeout=15)
    assert first.returncode == 130
    # records of the first run are intact: every line valid, no duplicate
    _validate_ok(out, decode=False)


def test_validate_and_report_need_no_lock(tmp_path, capsys):
    out = tmp_path / "run"
    run_batch(out, scenarios=["crossing"], episodes=1, max_steps=5)
    from robot_sf_gym_video.benchmark.guard import RunDirLock

    with RunDirLock(out):
        assert main(["validate", str(out)]) == 0
        assert main(["report", str(out)]) == 0


# -- symlinks and containment ----------------------------------------------------------------
def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("extra", [[], ["--overwrite"], ["--resume"]])
def test_symlinked_videos_dir_is_refused_and_nothing_outside_changes(tmp_path, capsys, extra):
    out, outside = tmp_path / "run", tmp_path / "elsewhere"
    run_batch(out, scenarios=["crossing"], episodes=1, max_steps=5, video_enabled=True)
    outside.mkdir()
    eid = records_of(out)[0]["episode_id"]
    (outside / f"{eid}.mp4").write_bytes(b"not yours")
    (outside / f"{eid}.poster.png").write_bytes(b"not yours")
    (outside / ".x.mp4.partial-1-00000000").write_bytes(b"not yours")
    before = _tree(outside)
    for path in (out / "videos").iterdir():
        path.unlink()
    (out / "videos").rmdir()
    (out / "videos").symlink_to(outside)
    code = main([*RUN, "--out", str(out), "--episodes", "2", "--max-steps", "5", "--video", *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "symlink" in err[0], err
    assert _tree(outside) == before


def test_report_and_resume_never_read_or_write_through_a_link_out(tmp_path):
    out, outside = tmp_path / "run", tmp_path / "elsewhere"
    run_batch(out, scenarios=["crossing"], episodes=1, max_steps=5, video_enabled=True)
    outside.mkdir()
    [video] = (out / "videos").glob("*.mp4")
    target = outside / video.name
    video.rename(target)
    video.symlink_to(target)  # a file link leaving the run, same size and hash
    from robot_sf_gym_video.report import write_report

    write_report(out)
    assert sorted(p.name for p in outside.iterdir()) == [video.name]  # no poster out there
    assert any("outside the run" in p for p in validate_run(out))
    state = run_batch(
        out, scenarios=["crossing"], episodes=1, max_steps=5, video_enabled=True, resume=True
    )
    assert state.episodes_skipped_resume == 0  # the linked video is not trusted
    assert not video.is_symlink() and target.read_bytes() != b""
    _validate_ok(out)


def test_overwrite_deletes_only_what_the_tool_made(tmp_path):
    out = tmp_path / "run"
    run_batch(out, scenarios=["crossing"], episodes=2, max_steps=5, video_enabled=True)
    (out / "videos" / "holiday.mp4").write_bytes(b"mine")
    (out / "videos" / "holiday.poster.png").write_bytes(b"mine")
    (out / "notes.txt").write_text("mine")
    run_batch(out, scenarios=["empty"], episodes=1, max_steps=5, video_enabled=True, overwrite=True)
    names = sorted(p.name for p in (out / "videos").iterdir())
    assert "holiday.mp4" in names and "holiday.poster.png" in names
    assert not [n for n in names if n.startswith("crossing__")]
    assert (out / "notes.txt").read_text() == "mine"


# -- inputs ----------------------------------------------------------------------------------
def test_non_utf8_byte_is_a_line_error_and_resume_recovers(tmp_path, capsys):
    out = tmp_path / "run"
    run_batch(out, scenarios=["crossing"], episodes=3, max_steps=5)
    path = out / "episodes.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"outcome"', b'"outc\xffome"')
    path.write_bytes(b"".join(lines))
    problems = validate_run(out)
    assert len(problems) == 1 and problems[0].startswith("episodes.jsonl:2: not valid UTF-8")
    assert main(["validate", str(out)]) == 1
    assert main(["report", str(out)]) == 0
    capsys.readouterr()
    summary = run_batch(out, scenarios=["crossing"], episodes=3, max_steps=5, resume=True)
    assert summary.episodes_run == 1 and summary.episodes_skipped_resume == 2
    _validate_ok(out, decode=False)


def test_a_billion_episodes_is_refused_in_one_line_within_5_s(tmp_path):
    """Refused before any plan is built: the child's CPU time, not its wall time, is bounded.

    An eager plan of 10**9 episodes costs minutes of CPU; the interpreter start costs well
    under a second of CPU, however long a busy machine keeps it waiting (wall time then
    says nothing about the plan). Other children reaped meanwhile only add to the count.
    """
    argv = [*RUN, "--out", str(tmp_path / "r"), "--episodes", str(10**9)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-m", "robot_sf_gym_video", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu_s < 5, cpu_s
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert "1000000000" in line and "100000" in line
    assert not (tmp_path / "r").exists()


def test_validate_on_zero_records_fails_and_says_so(tmp_path, capsys):
    (tmp_path / "episodes.jsonl").write_text("")
    assert main(["validate", str(tmp_path)]) == 1
    assert "no records" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("bounds_m", "[0.0, 0.0, 1e308, 10.0]", "between"),
        ("bounds_m", "[0.0, 0.0, 5000.0, 10.0]", "at most 1000"),
        ("ped_radius_m", "50.0", "between 0.05 and 5"),
        ("count", "100000", "<= 1000"),
    ],
)
def test_absurd_scenario_values_are_one_line_errors(tmp_path, capsys, field, value, needle):
    body = {"bounds_m": "[0.0, 0.0, 16.0, 10.0]", "ped_radius_m": "0.25", "count": "4"}
    body[field] = value
    scenarios = tmp_path / "s.toml"
    scenarios.write_text(
        f"[big]\nmax_episode_steps = 10\nbounds_m = {body['bounds_m']}\n"
        f"ped_radius_m = {body['ped_radius_m']}\n"
        "[big.robot]\nstart_m = [2.0, 5.0]\ngoal_m = [14.0, 5.0]\n"
        f"[[big.flows]]\ncount = {body['count']}\nroute_m = [[1.0, 1.0], [15.0, 9.0]]\n"
    )
    code = main(["run", "--out", str(tmp_path / "r"), "--scenarios", str(scenarios), "--quiet"])
    [line] = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and needle in line, line


def test_a_dense_crowd_of_a_few_hundred_passes(tmp_path):
    scenarios = tmp_path / "s.toml"
    scenarios.write_text(
        "[dense]\nmax_episode_steps = 3\nbounds_m = [0.0, 0.0, 40.0, 40.0]\n"
        "[dense.robot]\nstart_m = [2.0, 2.0]\ngoal_m = [38.0, 38.0]\n"
        "[[dense.flows]]\ncount = 400\nmode = 'wander'\narea_m = [5.0, 5.0, 35.0, 35.0]\n"
    )
    summary = run_batch(tmp_path / "r", scenarios_file=scenarios, episodes=1)
    assert summary.episodes_run == 1


# -- names that survive ----------------------------------------------------------------------
def _named_scenarios(tmp_path: Path, *names: str) -> Path:
    path = tmp_path / "names.toml"
    path.write_text(
        "".join(
            f'["{n}"]\nmax_episode_steps = 4\nbounds_m = [0.0, 0.0, 16.0, 10.0]\n'
            f'["{n}".robot]\nstart_m = [2.0, 5.0]\ngoal_m = [14.0, 5.0]\n'
            for n in names
        )
    )
    return path


def test_scenario_names_of_60_and_L_chars_pass_their_own_validate(tmp_path):
    names = ("s" * 60, "L" * MAX_SCENARIO_CHARS)
    out = tmp_path / "run"
    run_batch(out, scenarios_file=_named_scenarios(tmp_path, *names), episodes=1,
              video_enabled=True)  # fmt: skip
    records = records_of(out)
    assert sorted(r["scenario"] for r in records) == sorted(names)
    for record in records:
        assert Path(record["video"]["path"]).name == f"{record['episode_id']}.mp4"
        assert len(Path(record["video"]["path"]).name.encode()) <= 255
    _validate_ok(out)
    from robot_sf_gym_video.report import write_report

    write_report(out)  # the posters' temp names fit too
    assert len(list((out / "videos").glob("*.poster.png"))) == 2


def test_a_scenario_name_of_L_plus_1_is_refused_naming_L(tmp_path, capsys):
    name = "x" * (MAX_SCENARIO_CHARS + 1)
    scenarios = _named_scenarios(tmp_path, name)
    code = main(["run", "--out", str(tmp_path / "r"), "--scenarios", str(scenarios), "--quiet"])
    [line] = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and f"limit is {MAX_SCENARIO_CHARS}" in line
    assert not (tmp_path / "r").exists()
