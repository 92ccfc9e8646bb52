"""examples/evaluate_policy.py: CLI run, runner-identical records, policies from import paths."""

from __future__ import annotations

import importlib.util
import json
import sys

import numpy as np
import pytest

from robot_sf_gym_video.benchmark.validate import validate_run
from robot_sf_gym_video.records.model import comparable

from .conftest import EXAMPLES, count_frames, printed_videos

AGENT_PY = """
import numpy as np

def forward(obs):
    return np.array([0.6, 0.0], dtype=np.float32)

class Model:
    def predict(self, obs, deterministic=False):
        return np.array([0.6, 0.0], dtype=np.float32), None
"""


def _records(out):
    return [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]


@pytest.fixture
def example(monkeypatch):
    """The example imported as a library (registered in sys.modules, as dataclasses need)."""
    spec = importlib.util.spec_from_file_location(
        "evaluate_policy_example", EXAMPLES / "evaluate_policy.py"
    )
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_cli_films_every_episode_like_the_runner(run_example, tmp_path):
    out = tmp_path / "eval"
    args = ["--scenario", "crossing", "--scenario", "empty", "--episodes", "2"]
    proc = run_example("evaluate_policy.py", *args, "--max-steps", "25", "--out", str(out))

    table = proc.stdout.splitlines()
    assert table[0].split()[:3] == ["scenario", "episodes", "success"]
    assert [line.split()[0] for line in table[1:3]] == ["crossing", "empty"]
    assert f"records: {out / 'episodes.jsonl'}" in proc.stdout
    records = _records(out)
    assert [(r["scenario"], r["episode_idx"]) for r in records] == [
        ("crossing", 0),
        ("crossing", 1),
        ("empty", 0),
        ("empty", 1),
    ]
    videos = printed_videos(proc.stdout)
    assert videos == [out / r["video"]["path"] for r in records]
    for record, video in zip(records, videos, strict=True):
        assert video.name == f"{record['episode_id']}.mp4"
        assert count_frames(video) == record["steps"] == record["video"]["frames"]
    assert sorted(p.name for p in (out / "videos").iterdir()) == sorted(v.name for v in videos)
    assert validate_run(out, decode=True) == []  # the runner's own checker accepts the dir
    assert list(run_example.cwd.iterdir()) == []  # nothing written outside --out

    # Same seeds, policy and renderer as `robot-sf-bench run`: identical records and videos.
    from robot_sf_gym_video import run_batch

    run_batch(
        tmp_path / "runner",
        scenarios=["crossing", "empty"],
        episodes=2,
        max_steps=25,
        video_enabled=True,
    )
    # The runner also logs each episode's actions (for replay); the example does not.
    runner = [{k: v for k, v in r.items() if k != "actions"} for r in _records(tmp_path / "runner")]
    assert [comparable(r) for r in records] == [comparable(r) for r in runner]


def test_cli_policy_from_module_and_file(run_example, tmp_path):
    (run_example.cwd / "agent.py").write_text(AGENT_PY)
    for spec, label in (("agent:forward", "agent:forward"), ("agent.py:Model", "agent:Model")):
        out = tmp_path / spec.replace(":", "_")
        proc = run_example(
            "evaluate_policy.py", "--scenario", "empty", "--episodes", "1",
            "--max-steps", "12", "--policy", spec, "--out", str(out), "-q",
        )  # fmt: skip
        [record] = _records(out)
        assert record["policy"] == label
        assert record["steps"] == 12 and record["outcome"] == "timeout"
        assert record["metrics"]["path_length_m"] > 0.5  # the constant 0.6 forward command
        [video] = printed_videos(proc.stdout)
        assert count_frames(video) == 12


def test_library_accepts_callables_and_predict_objects(example, tmp_path):
    calls = []

    def policy(obs):
        calls.append(obs.shape)
        return np.zeros(2, dtype=np.float32)

    class Model:
        def predict(self, obs, deterministic=False):
            assert deterministic is True  # evaluation asks for deterministic actions
            calls.append("predict")
            return np.zeros(2, dtype=np.float32), None

    for name, chosen in (("fn", policy), ("model", Model())):
        calls.clear()
        records = example.evaluate(chosen, ["empty"], 1, tmp_path / name, max_steps=8)
        assert len(calls) == 8 == records[0]["steps"]
        assert count_frames(tmp_path / name / records[0]["video"]["path"]) == 8
    rows = example.summarize(records)
    assert [(r.scenario, r.episodes, r.successes, r.mean_time_to_goal_s) for r in rows] == [
        ("empty", 1, 0, None)
    ]
    assert "-" in example.format_table(rows).splitlines()[1]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--scenario", "nowhere"], "'nowhere'"),
        (["--policy", "greedy"], "'greedy'"),
        (["--policy", "no_such_module_xyz:act"], "no_such_module_xyz"),
        (["--episodes", "0"], "episodes"),
        (["--max-steps", "0"], "max_steps"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_example, tmp_path, args, named):
    proc = run_example("evaluate_policy.py", *args, "--out", str(tmp_path / "o"), check=False)
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("ERROR") and named in line
    assert not (tmp_path / "o").exists()  # refused before anything is written
