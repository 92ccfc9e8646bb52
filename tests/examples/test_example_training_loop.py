"""examples/training_loop.py: only every k-th evaluation is filmed, in one env."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from .conftest import EXAMPLES, count_frames, printed_videos


@pytest.fixture
def training(monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "training_loop_example", EXAMPLES / "training_loop.py"
    )
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_cli_films_every_second_evaluation(run_example, tmp_path):
    out = tmp_path / "train"
    proc = run_example(
        "training_loop.py", "--iterations", "6", "--eval-every", "2", "--record-every", "2",
        "--max-steps", "20", "--out", str(out),
    )  # fmt: skip
    rows = [json.loads(line) for line in (out / "evaluations.jsonl").read_text().splitlines()]
    assert [(r["iteration"], r["eval_idx"], r["recorded"]) for r in rows] == [
        (2, 0, True),
        (4, 1, False),
        (6, 2, True),
    ]
    # Files are named after the training iteration; unfilmed evaluations leave nothing.
    names = sorted(p.name for p in (out / "videos").iterdir())
    assert names == ["empty__10000__2.mp4", "empty__10000__6.mp4"]
    filmed = [r for r in rows if r["recorded"]]
    assert [r["video"] for r in rows if not r["recorded"]] == [None]
    assert printed_videos(proc.stdout) == [out / "videos" / n for n in names]
    for row in filmed:
        assert count_frames(row["video"]) == row["steps"]
        assert f"video {row['video']} ({row['steps']} frames)" in proc.stderr  # logged
    assert list(run_example.cwd.iterdir()) == []


def test_filming_does_not_change_training(training, tmp_path):
    def run(record_every):
        rows = training.train(
            tmp_path / str(record_every),
            iterations=4,
            eval_every=1,
            record_every=record_every,
            max_steps=15,
        )
        return [(r["return"], r["outcome"], r["steps"]) for r in rows], rows

    all_filmed, rows = run(1)
    none_filmed, _ = run(100)  # only evaluation 0 is filmed
    assert all_filmed == none_filmed
    assert all(count_frames(r["video"]) == r["steps"] for r in rows)
    assert len(list((tmp_path / "100" / "videos").iterdir())) == 1


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--eval-every", "0"], "eval_every must be >= 1"), (["--scenario", "nowhere"], "'nowhere'")],
)
def test_bad_input_exits_2(run_example, tmp_path, args, named):
    proc = run_example("training_loop.py", *args, "--out", str(tmp_path / "o"), check=False)
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert named in line
    assert not (tmp_path / "o").exists()
