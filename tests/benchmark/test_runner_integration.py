"""End-to-end runs with the real env, policies, wrapper and ffmpeg (short episodes)."""

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from robot_sf_gym_video.benchmark import cli
from robot_sf_gym_video.benchmark.decode import count_frames
from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.benchmark.validate import validate_run
from robot_sf_gym_video.records.schema import record_errors

from .conftest import REPO, group_gone, records_of, run_python, without_timings


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_micro_batch_with_video(video_run):
    out, summary = video_run
    records = records_of(out)
    assert len(records) == 2
    assert summary.videos_written == 2 and summary.episodes_run == 2
    for rec in records:
        assert record_errors(rec) == []
        video = rec["video"]
        assert video["path"] == f"videos/{rec['episode_id']}.mp4"
        mp4 = out / video["path"]
        assert mp4.is_file() and mp4.stat().st_size == video["filesize_bytes"] > 0
        assert count_frames(mp4) == rec["steps"] == video["frames"]
        assert video["sha256"] == _sha(mp4)
        assert rec["video_renderer"] == "synthetic" and video["renderer"] == "synthetic"
    assert sorted(p.name for p in (out / "videos").iterdir()) == sorted(
        f"{r['episode_id']}.mp4" for r in records
    )
    assert validate_run(out, decode=True) == []
    assert summary.to_dict()["encode_ms_per_frame"] > 0


def test_no_video_same_metrics_no_files(video_run, tmp_path):
    out_video, _ = video_run
    out = tmp_path / "novideo"
    summary = run_batch(out, scenarios=["crossing"], episodes=2, max_steps=30)
    assert not (out / "videos").exists()
    assert summary.videos_written == 0 and summary.to_dict()["estimated_overhead_pct"] is None
    plain = records_of(out)
    assert all(not any(k.startswith("video") for k in r) for r in plain)
    video_runs = records_of(out_video)
    assert all("video" in r for r in video_runs)
    drop = ("video", "video_renderer")
    assert [without_timings(r) for r in plain] == [without_timings(r, drop) for r in video_runs]


def test_same_command_twice_same_records_and_bytes(video_run, tmp_path):
    first, _ = video_run
    second = tmp_path / "again"
    run_batch(second, scenarios=["crossing"], episodes=2, max_steps=30, video_enabled=True)
    assert [without_timings(r) for r in records_of(first)] == [
        without_timings(r) for r in records_of(second)
    ]
    for rec in records_of(first):
        assert (first / rec["video"]["path"]).read_bytes() == (
            second / rec["video"]["path"]
        ).read_bytes()


def test_video_off_never_imports_moviepy_or_pygame(tmp_path):
    code = f"""
import sys
from robot_sf_gym_video import run_batch
s = run_batch({str(tmp_path / "r")!r}, episodes=1, max_steps=5, video_renderer="sim-view")
bad = [m for m in ("moviepy", "pygame", "imageio_ffmpeg") if m in sys.modules]
print("IMPORTED", bad, s.videos_written)
"""
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert "IMPORTED [] 0" in done.stdout
    assert not (tmp_path / "r" / "videos").exists()


def test_refuses_existing_dir_then_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["run", "--out", str(out), "--max-steps", "5", "--quiet"]
    assert cli.main(args) == 0
    (out / "keep.txt").write_text("mine")
    before = (out / "episodes.jsonl").read_bytes()
    capsys.readouterr()
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "--resume" in err and "--overwrite" in err and err.count("\n") == 1
    assert (out / "episodes.jsonl").read_bytes() == before
    assert cli.main([*args, "--overwrite"]) == 0
    assert len(records_of(out)) == 1 and (out / "keep.txt").read_text() == "mine"


def test_resume_of_complete_run_runs_nothing(tmp_path):
    out = tmp_path / "run"
    run_batch(out, episodes=2, max_steps=5)
    summary = run_batch(out, episodes=3, max_steps=5, resume=True)
    assert summary.episodes_skipped_resume == 2 and summary.episodes_run == 1
    ids = [r["episode_id"] for r in records_of(out)]
    assert len(ids) == len(set(ids)) == 3


@pytest.mark.slow
def test_resume_after_sigkill(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "robot_sf_gym_video", "run", "--out", str(out), "--quiet"]
    cmd += ["--scenario", "crossing", "--scenario", "corridor", "--episodes", "3"]
    cmd += ["--max-steps", "100", "--video"]
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stderr=subprocess.PIPE)
    records = out / "episodes.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if records.is_file() and records.read_bytes().count(b"\n") >= 1:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its recorder processes
    proc.wait()
    # The run's lock is held until its last process is gone (forked children share it):
    # a resume while a killed recorder is still exiting would rightly be refused.
    assert group_gone(proc.pid)
    done_before = len(records_of(out))
    assert 1 <= done_before < 6
    assert cli.main([*cmd[3:], "--resume"]) == 0
    final = records_of(out)
    assert sorted(r["episode_id"] for r in final) == sorted({r["episode_id"] for r in final})
    assert len(final) == 6
    assert all("video" in r for r in final), [r.get("video_skip") for r in final]
    assert validate_run(out, decode=True) == []
    leftovers = [p.name for p in (out / "videos").iterdir() if not p.name.endswith(".mp4")]
    mp4s = sorted(p.name for p in (out / "videos").glob("*.mp4"))
    assert mp4s == sorted(f"{r['episode_id']}.mp4" for r in final), leftovers


@pytest.mark.slow
def test_workers_two_equals_workers_one(tmp_path):
    kwargs = dict(scenarios=["crossing", "doorway"], episodes=2, max_steps=20, video_enabled=True)
    one = run_batch(tmp_path / "w1", workers=1, **kwargs)
    two = run_batch(tmp_path / "w2", workers=2, **kwargs)
    assert two.workers == 2 and one.outcomes == two.outcomes

    def as_set(run_dir):
        return {json.dumps(without_timings(r), sort_keys=True) for r in records_of(run_dir)}

    assert as_set(tmp_path / "w1") == as_set(tmp_path / "w2")
    for rec in records_of(tmp_path / "w1"):
        assert _sha(tmp_path / "w1" / rec["video"]["path"]) == _sha(
            tmp_path / "w2" / rec["video"]["path"]
        )
    assert validate_run(tmp_path / "w2") == []


def _renamed_builtin(name, new_names):
    """Return a scenarios-file text holding the built-in ``name`` under ``new_names``."""
    from importlib import resources

    text = (
        resources.files("robot_sf_gym_video.sim")
        .joinpath("scenarios")
        .joinpath(f"{name}.toml")
        .read_text(encoding="utf-8")
    )
    body = text.split("format_version = 1", 1)[1]
    return "format_version = 1\n" + "".join(
        body.replace(f"[{name}", f"[{json.dumps(new)}") for new in new_names
    )


def test_hostile_scenario_names_stay_inside_dir(tmp_path):
    scenarios = tmp_path / "evil.toml"
    scenarios.write_text(_renamed_builtin("empty", ["../../evil", "<script>"]))
    out = tmp_path / "deep" / "run"
    summary = run_batch(out, scenarios_file=scenarios, episodes=1, max_steps=5, video_enabled=True)
    assert summary.videos_written == 2
    outside = [p for p in tmp_path.rglob("*") if not p.is_relative_to(out) and p != scenarios]
    assert all(p.is_dir() for p in outside), outside
    recs = records_of(out)
    assert {r["scenario"] for r in recs} == {"../../evil", "<script>"}
    for rec in recs:
        assert rec["video"]["path"].startswith("videos/") and "/" not in rec["episode_id"]
        assert (out / rec["video"]["path"]).resolve().parent == (out / "videos").resolve()
    assert validate_run(out) == []


def test_report_flag_writes_report(tmp_path):
    summary = run_batch(tmp_path / "run", max_steps=5, report=True)
    assert summary.report_path == str((tmp_path / "run" / "report.html").resolve())
    assert (tmp_path / "run" / "report.html").is_file()


def test_video_size_sets_frame_size(tmp_path):
    import av

    run_batch(tmp_path / "run", max_steps=4, video_enabled=True, video_size="128x96")
    (rec,) = records_of(tmp_path / "run")
    with av.open(str(tmp_path / "run" / rec["video"]["path"])) as container:
        frame = next(container.decode(video=0))
    assert (frame.width, frame.height) == (128, 96)
