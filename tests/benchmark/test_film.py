"""``robot-sf-bench film``: exact replay films, tamper detection, settings folders, the lock."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from robot_sf_gym_video.benchmark.cli import main
from robot_sf_gym_video.benchmark.decode import count_frames
from robot_sf_gym_video.benchmark.film import film_run
from robot_sf_gym_video.benchmark.guard import RunDirLock
from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.benchmark.validate import file_sha256, validate_run
from robot_sf_gym_video.errors import UsageError

from .conftest import records_of

BATCH = {"scenarios": ["empty", "doorway"], "episodes": 2, "max_steps": 40}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The batch filmed live: the reference every replay film must equal byte for byte."""
    out = tmp_path_factory.mktemp("live") / "run"
    run_batch(out, **BATCH, video_enabled=True)
    return {r["episode_id"]: r for r in records_of(out)}, out


def _no_video_run(tmp_path):
    out = tmp_path / "run"
    run_batch(out, **BATCH)
    return out


def test_film_of_a_no_video_run_equals_filming_live(tmp_path, live):
    reference, live_dir = live
    out = _no_video_run(tmp_path)
    os.chmod(out / "episodes.jsonl", 0o640)
    summary = film_run(out, workers=2)
    assert summary.own_settings and summary.folder == "videos"
    assert sorted(summary.filmed) == sorted(reference)
    for record in records_of(out):
        want = reference[record["episode_id"]]
        assert record["video"] == want["video"]  # path, size, frames, sha256 ...
        assert file_sha256(out / record["video"]["path"]) == file_sha256(
            live_dir / want["video"]["path"]
        )
        assert record["metrics"] == want["metrics"]
    assert validate_run(out, decode=True) == []
    assert (os.stat(out / "episodes.jsonl").st_mode & 0o777) == 0o640
    assert not [p for p in out.iterdir() if p.name.startswith(".film")]  # staging removed


def test_other_settings_go_to_a_sibling_folder_and_leave_records(tmp_path):
    out = _no_video_run(tmp_path)
    before = (out / "episodes.jsonl").read_bytes()
    summary = film_run(out, episodes=["first:1"], video_renderer="sim-view", video_size="320x240")
    assert summary.folder == "videos-sim-view-320x240" and not summary.own_settings
    assert (out / "episodes.jsonl").read_bytes() == before
    assert not (out / "videos").exists()
    steps = {r["episode_id"]: r["steps"] for r in records_of(out) if r["episode_idx"] == 0}
    files = sorted((out / summary.folder).glob("*.mp4"))
    assert [f.stem for f in files] == sorted(steps)
    for file in files:
        assert count_frames(file) == steps[file.stem]


def test_a_selection_that_matches_nothing_says_so_and_changes_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    run_batch(out, scenarios=["empty"], episodes=2)
    assert {r["outcome"] for r in records_of(out)} == {"success"}  # so no failures
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    assert main(["film", str(out), "--episodes", "failures"]) == 0
    assert capsys.readouterr().out.strip().splitlines() == [
        "filmed 0 episodes: none matched the selection; nothing changed"
    ]
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


def test_film_fills_in_not_selected_episodes_and_resume_keeps_them(tmp_path):
    out = tmp_path / "run"
    run_batch(out, **BATCH, video_enabled=True, video_episodes="every:2")
    skipped = [r["episode_id"] for r in records_of(out) if "video_skip" in r]
    assert skipped and all(r["episode_idx"] == 1 for r in records_of(out) if "video_skip" in r)
    summary = film_run(out, episodes=skipped[:1])
    assert summary.filmed == skipped[:1]
    record = next(r for r in records_of(out) if r["episode_id"] == skipped[0])
    assert "video_skip" not in record and record["video"]["frames"] == record["steps"]
    assert validate_run(out, decode=True) == []
    again = run_batch(out, **BATCH, video_enabled=True, video_episodes="every:2", resume=True)
    assert again.episodes_run == 0


def test_a_tampered_action_log_is_one_line_exit_1(tmp_path, capsys):
    out = _no_video_run(tmp_path)
    record = records_of(out)[0]
    log = out / record["actions"]["path"]
    actions = np.load(log)
    actions[3] = -actions[3]
    np.save(log, actions)
    assert main(["film", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and record["episode_id"] in err[0] and "sha256" in err[0]
    assert not (out / "videos").exists()  # nothing is filmed when a log is altered


def test_a_consistent_forgery_is_caught_by_the_replayed_metrics(tmp_path, capsys):
    """A log changed together with its recorded sha256: the replay shows it is not the episode."""
    out = _no_video_run(tmp_path)
    records = records_of(out)
    victim = records[0]
    log = out / victim["actions"]["path"]
    actions = np.load(log)
    actions[3] = -actions[3]
    np.save(log, actions)
    victim["actions"]["sha256"] = file_sha256(log)
    (out / "episodes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(["film", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert victim["episode_id"] in err[0] and "metric " in err[0] and "replayed" in err[0]
    assert not (out / "videos" / f"{victim['episode_id']}.mp4").exists()
    filmed = {r["episode_id"] for r in records_of(out) if "video" in r}
    assert filmed == {r["episode_id"] for r in records[1:]}  # the others are filmed
    assert validate_run(out) == []


def test_bad_input_is_one_line_exit_2(tmp_path, capsys):
    out = _no_video_run(tmp_path)
    for argv in (
        ["film", str(out), "--episodes", "nope__1__0"],
        ["film", str(out), "--episodes", "first:0"],
        ["film", str(out), "--video-size", "7x3"],
        ["film", str(tmp_path / "missing")],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: "), err


def test_film_takes_the_run_lock(tmp_path):
    out = _no_video_run(tmp_path)
    with RunDirLock(out), pytest.raises(UsageError, match="in use by pid"):
        film_run(out)
    assert not (out / "videos").exists()


@pytest.mark.slow
def test_sigint_stops_film_cleanly(tmp_path):
    """Ctrl-C mid-film: exit 130 within seconds, no staging folder, records still valid."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    run_batch(out, scenarios=["crossing"], episodes=12, max_steps=300)
    before = (out / "episodes.jsonl").read_bytes()
    argv = [sys.executable, "-m", "robot_sf_gym_video", "film", str(out), "--workers", "2"]
    argv += ["--video-renderer", "sim-view"]  # slower frames: still filming at the signal
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(out.glob(".film.partial-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(out.glob(".film.partial-*")), "film never started"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 130, proc.stderr.read()
    assert not list(out.glob(".film.partial-*"))
    assert (out / "episodes.jsonl").read_bytes() == before
    assert validate_run(out) == []
