import hashlib
import json

import av
import numpy as np
import pytest

from robot_sf_gym_video.benchmark import decode
from robot_sf_gym_video.benchmark.decode import DecodeError, count_frames
from robot_sf_gym_video.benchmark.validate import validate_run
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.video.naming import episode_id


def _mp4(path, frames):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 24, "yuv420p"
        for i in range(frames):
            img = np.full((24, 32, 3), i * 20 % 255, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _record(run, idx, steps=5):
    eid = episode_id("crossing", 10 + idx, idx)
    mp4 = run / "videos" / f"{eid}.mp4"
    _mp4(mp4, steps)
    data = mp4.read_bytes()
    return {
        "schema_version": "episode.v2",
        "episode_id": eid,
        "scenario": "crossing",
        "seed": 10 + idx,
        "episode_idx": idx,
        "steps": steps,
        "outcome": "timeout",
        "metrics": {},
        "wall_time_s": 0.1,
        "video": {
            "path": f"videos/{eid}.mp4",
            "format": "mp4",
            "filesize_bytes": len(data),
            "frames": steps,
            "renderer": "synthetic",
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    }


@pytest.fixture
def run(tmp_path):
    run = tmp_path / "run"
    (run / "videos").mkdir(parents=True)
    records = [_record(run, 0), _record(run, 1)]
    _write(run, records)
    return run, records


def _write(run, records, tail=""):
    text = "".join(json.dumps(r) + "\n" for r in records) + tail
    (run / "episodes.jsonl").write_text(text)


def test_clean_run_validates_dir_and_file(run):
    run_dir, _ = run
    assert validate_run(run_dir, decode=True) == []
    assert validate_run(run_dir / "episodes.jsonl") == []


def test_ffmpeg_fallback_counts_like_pyav(run, monkeypatch):
    run_dir, records = run
    mp4 = run_dir / records[0]["video"]["path"]
    assert count_frames(mp4) == 5
    monkeypatch.setattr(decode, "is_available", lambda name: False)
    assert count_frames(mp4) == 5
    (run_dir / "junk.mp4").write_bytes(b"not a video")
    with pytest.raises(DecodeError):
        count_frames(run_dir / "junk.mp4")


def _problems(run_dir, records, decode_=False, tail=""):
    _write(run_dir, records, tail)
    return validate_run(run_dir, decode=decode_)


def test_each_problem_is_one_line(run, tmp_path):
    run_dir, records = run
    first, second = records
    cases = {
        "size": ({**first, "video": {**first["video"], "filesize_bytes": 1}}, "size"),
        "frames": ({**first, "steps": 4, "video": {**first["video"], "frames": 4}}, "decoded 5"),
        "steps": ({**first, "steps": 7}, "!= steps 7"),
        "sha": ({**first, "video": {**first["video"], "sha256": "0" * 64}}, "sha256"),
        "id": ({**first, "seed": 99}, "episode_id should be"),
        "schema": ({**first, "outcome": "exploded"}, "$.outcome"),
    }
    for name, (bad, needle) in cases.items():
        problems = _problems(run_dir, [bad, second], decode_=True)
        assert len(problems) >= 1 and any(needle in p for p in problems), (name, problems)
        assert all("\n" not in p and p.startswith("episodes.jsonl:1:") for p in problems)


def test_missing_file_duplicate_and_torn_tail(run):
    run_dir, records = run
    (run_dir / records[1]["video"]["path"]).unlink()
    problems = _problems(run_dir, [records[0], records[0], records[1]], tail='{"epis')
    text = "\n".join(problems)
    assert "duplicate of line 1" in text
    assert "is missing" in text
    assert "episodes.jsonl:4: torn last line" in text


def test_symlink_escaping_the_run_dir_is_reported(run, tmp_path):
    run_dir, records = run
    target = run_dir / records[0]["video"]["path"]
    outside = tmp_path / "outside.mp4"
    target.rename(outside)
    target.symlink_to(outside)
    problems = _problems(run_dir, records)
    assert any("outside the run directory" in p for p in problems)


def test_not_a_run_dir(tmp_path):
    with pytest.raises(UsageError, match=r"has no episodes\.jsonl"):
        validate_run(tmp_path)


def test_a_file_that_is_not_records_is_a_usage_error(tmp_path):
    manifest = tmp_path / "run.json"
    manifest.write_text('{\n  "schema": "run.v1"\n}\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"run\.json is not a records file \(\*\.jsonl\)"):
        validate_run(manifest)


def test_cli_not_a_run_dir_is_one_line_exit_2(tmp_path, capsys):
    from robot_sf_gym_video.benchmark.cli import main

    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(tmp_path) in err[0] and "episodes.jsonl" in err[0], err
