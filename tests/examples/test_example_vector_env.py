"""examples/vector_env.py: one MP4 per finished sub-env episode, no partial files."""

from __future__ import annotations

import re

import pytest

from .conftest import count_frames, printed_videos

ROW = re.compile(r"^\s*(\d+) (\S+)\s+(\w+)\s+(\d+)\s+(\d+)\s+(\S+\.mp4)$")


def test_one_video_per_finished_sub_env_episode(run_example, tmp_path):
    out = tmp_path / "vec"
    # empty (~100 steps) ends before doorway (~120 steps): sub-env 1 starts a second
    # episode that is still running at close() and must leave no file behind.
    proc = run_example(
        "vector_env.py", "--scenario", "doorway", "--scenario", "empty", "--num-envs", "2",
        "--episodes", "1", "--max-steps", "200", "--out", str(out),
    )  # fmt: skip
    rows = [ROW.match(line).groups() for line in proc.stdout.splitlines()[1:]]
    assert sorted((env, scenario) for env, scenario, *_ in rows) == [
        ("0", "doorway"),
        ("1", "empty"),
    ]
    videos = printed_videos(proc.stdout)
    assert sorted(p.name for p in (out / "videos").iterdir()) == sorted(v.name for v in videos)
    assert {v.name for v in videos} == {"doorway-env0__0__0.mp4", "empty-env1__1__0.mp4"}
    for _env, _scenario, _outcome, steps, frames, video in rows:
        assert count_frames(video) == int(steps) == int(frames)
    assert list(run_example.cwd.iterdir()) == []


def test_several_episodes_per_sub_env(run_example, tmp_path):
    out = tmp_path / "vec"
    proc = run_example(
        "vector_env.py", "--num-envs", "2", "--episodes", "2", "--max-steps", "12",
        "--out", str(out), "--policy", "zero",
    )  # fmt: skip
    names = sorted(v.name for v in printed_videos(proc.stdout))
    # The first episode of each sub-env is seeded; autoreset ones are not and claim no seed.
    assert len(names) == 4
    assert names[0] == "crossing-env0__0__0.mp4" and names[2] == "crossing-env1__1__0.mp4"
    assert re.fullmatch(r"crossing-env0__u[0-9a-f]+__1\.mp4", names[1])
    assert re.fullmatch(r"crossing-env1__u[0-9a-f]+__1\.mp4", names[3])
    assert names[1].split("__")[1] != names[3].split("__")[1]  # one token per wrapper
    assert sorted(p.name for p in (out / "videos").iterdir()) == names
    for *_, steps, frames, video in (ROW.match(x).groups() for x in proc.stdout.splitlines()[1:]):
        assert count_frames(video) == int(steps) == int(frames) <= 12


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--scenario", "nowhere"], "'nowhere'"), (["--num-envs", "0"], "num_envs >= 1")],
)
def test_bad_input_exits_2(run_example, tmp_path, args, named):
    proc = run_example("vector_env.py", *args, "--out", str(tmp_path / "o"), check=False)
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert named in line
    assert not (tmp_path / "o").exists()
