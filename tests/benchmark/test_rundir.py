import hashlib
import json

import pytest

from robot_sf_gym_video.benchmark.config import RunConfig
from robot_sf_gym_video.benchmark.plan import build_plan
from robot_sf_gym_video.benchmark.rundir import prepare_run_dir, resume_run
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.records.jsonl import read_records

PLAN = build_plan(["crossing"], episodes=3, base_seed=0)


def _cfg(tmp_path, **kw):
    kw.setdefault("policy", "goal")
    return RunConfig.build(out_dir=tmp_path / "run", **kw)


def _record(spec, *, video=None, policy="goal", max_steps=None):
    rec = {
        "schema_version": "episode.v2",
        "episode_id": spec.episode_id,
        "scenario": spec.scenario,
        "seed": spec.seed,
        "episode_idx": spec.episode_idx,
        "steps": 3,
        "outcome": "timeout",
        "metrics": {},
        "wall_time_s": 0.1,
        "policy": policy,
        "max_steps": max_steps,
    }
    if video is not None:
        rec["video"] = video
    return rec


def _write(path, records, tail=b""):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in records) + tail)


def test_creates_dir(tmp_path):
    paths = prepare_run_dir(_cfg(tmp_path))
    assert paths.run_dir.is_dir() and not paths.videos.exists()


def test_file_in_the_way_is_usage_error(tmp_path):
    (tmp_path / "run").write_text("x")
    with pytest.raises(UsageError, match="cannot create run directory"):
        prepare_run_dir(_cfg(tmp_path))
    with pytest.raises(UsageError, match="cannot create run directory"):
        prepare_run_dir(RunConfig(out_dir=tmp_path / "run" / "sub"))


def test_existing_records_are_refused_naming_both_flags(tmp_path):
    _write(tmp_path / "run" / "episodes.jsonl", [_record(PLAN[0])])
    with pytest.raises(UsageError) as info:
        prepare_run_dir(_cfg(tmp_path))
    message = str(info.value)
    assert "--resume" in message and "--overwrite" in message and "\n" not in message


def test_empty_records_file_is_not_refused(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "episodes.jsonl").write_text("")
    prepare_run_dir(_cfg(tmp_path))


def test_overwrite_removes_only_what_the_tool_made(tmp_path):
    run = tmp_path / "run"
    eid = PLAN[0].episode_id
    _write(run / "episodes.jsonl", [_record(PLAN[0])])
    (run / "videos").mkdir()
    (run / "actions").mkdir()
    for name in (f"{eid}.mp4", f"{eid}.poster.png", f"{PLAN[2].episode_id}.mp4"):
        (run / "videos" / name).write_bytes(b"x")
    (run / "actions" / f"{eid}.npy").write_bytes(b"x")
    (run / "videos" / ".b.mp4.partial-123-0").write_bytes(b"half")
    (run / ".episodes.jsonl.partial-9-abcd0123").write_bytes(b"half")
    (run / "videos" / "a.mp4").write_bytes(b"user")  # not named after an episode id
    (run / "videos" / "a.poster.png").write_bytes(b"user")
    (run / "videos" / "notes.txt").write_text("keep")
    (run / "report.html").write_text("made by report")
    (run / "run.json").write_text("{}")
    (run / "mine.mp4").write_text("keep")
    prepare_run_dir(_cfg(tmp_path, overwrite=True), PLAN)
    left = sorted(p.relative_to(run).as_posix() for p in run.rglob("*"))
    assert left == [
        "actions",
        "mine.mp4",
        "videos",
        "videos/a.mp4",
        "videos/a.poster.png",
        "videos/notes.txt",
    ]


def test_resume_removes_half_written_videos_of_a_killed_run(tmp_path):
    run = tmp_path / "run"
    _write(run / "episodes.jsonl", [_record(PLAN[0])])
    (run / "videos").mkdir()
    (run / "videos" / ".crossing__1__0.mp4.partial-999-3").write_bytes(b"half")
    (run / "videos" / "keep.txt").write_text("keep")
    cfg = _cfg(tmp_path, resume=True)
    paths = prepare_run_dir(cfg)
    resume_run(paths, PLAN, cfg)
    assert sorted(p.name for p in (run / "videos").iterdir()) == ["keep.txt"]


def test_resume_keeps_complete_drops_torn_and_incomplete(tmp_path, caplog):
    run = tmp_path / "run"
    videos = run / "videos"
    videos.mkdir(parents=True)
    good = videos / f"{PLAN[0].episode_id}.mp4"
    good.write_bytes(b"12345")
    video0 = {
        "path": f"videos/{good.name}",
        "format": "mp4",
        "filesize_bytes": 5,
        "frames": 3,
        "renderer": "synthetic",
        "sha256": hashlib.sha256(b"12345").hexdigest(),
    }
    video1 = {**video0, "path": f"videos/{PLAN[1].episode_id}.mp4"}  # file missing
    other = build_plan(["doorway"], 1, 0)[0]
    records = [_record(PLAN[0], video=video0), _record(PLAN[1], video=video1), _record(other)]
    _write(run / "episodes.jsonl", records, tail=b'{"episode_id": "cro')
    cfg = _cfg(tmp_path, resume=True, video_enabled=True)
    paths = prepare_run_dir(cfg)
    with caplog.at_level("WARNING"):
        state = resume_run(paths, PLAN, cfg)
    assert "torn" in caplog.text
    assert [s.episode_idx for s in state.to_run] == [1, 2]
    assert state.kept == 1
    kept = [r["episode_id"] for _, r in read_records(paths.records).records]
    assert kept == [PLAN[0].episode_id, other.episode_id]
    assert not read_records(paths.records).problems


def test_resume_wrong_size_or_policy_reruns(tmp_path):
    run = tmp_path / "run"
    (run / "videos").mkdir(parents=True)
    (run / "videos" / f"{PLAN[0].episode_id}.mp4").write_bytes(b"1234")
    video = {
        "path": f"videos/{PLAN[0].episode_id}.mp4",
        "format": "mp4",
        "filesize_bytes": 5,
        "frames": 3,
        "renderer": "synthetic",
        "sha256": "0" * 64,
    }
    _write(run / "episodes.jsonl", [_record(PLAN[0], video=video), _record(PLAN[1], policy="zero")])
    cfg = _cfg(tmp_path, resume=True, video_enabled=True)
    state = resume_run(prepare_run_dir(cfg), PLAN, cfg)
    assert len(state.to_run) == 3
    cfg_off = _cfg(tmp_path, resume=True)
    _write(run / "episodes.jsonl", [_record(PLAN[0], video=video)])
    state = resume_run(prepare_run_dir(cfg_off), PLAN, cfg_off)
    assert [s.episode_idx for s in state.to_run] == [1, 2]  # video off: size not checked


def test_resume_reruns_a_same_size_corrupted_video(tmp_path):
    run = tmp_path / "run"
    (run / "videos").mkdir(parents=True)
    (run / "videos" / f"{PLAN[0].episode_id}.mp4").write_bytes(b"12x45")  # flipped byte
    video = {
        "path": f"videos/{PLAN[0].episode_id}.mp4",
        "format": "mp4",
        "filesize_bytes": 5,
        "frames": 3,
        "renderer": "synthetic",
        "sha256": hashlib.sha256(b"12345").hexdigest(),
    }
    _write(run / "episodes.jsonl", [_record(PLAN[0], video=video)])
    cfg = _cfg(tmp_path, resume=True, video_enabled=True)
    state = resume_run(prepare_run_dir(cfg), PLAN, cfg)
    assert [s.episode_idx for s in state.to_run] == [0, 1, 2]
