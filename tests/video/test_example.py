"""examples/record_episode.py runs (CI) and writes decodable videos under --out."""

import json
import subprocess
import sys
from pathlib import Path

from .helpers import count_frames

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "record_episode.py"


def test_record_episode_example(tmp_path):
    out = tmp_path / "videos"
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--out", str(out), "--episodes", "2", "--max-steps", "8"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=tmp_path,
    )
    videos = [json.loads(line)["video"] for line in done.stdout.splitlines()]
    assert [Path(v["path"]).name for v in videos] == ["crossing__0__0.mp4", "crossing__1__1.mp4"]
    for video in videos:
        assert count_frames(video["path"]) == video["frames"] <= 8
    assert sorted(p.name for p in out.iterdir()) == ["crossing__0__0.mp4", "crossing__1__1.mp4"]
