"""Report and compare pages: an episode left out by --video-episodes says "not filmed" and
gives the ``film`` command that makes its video; running that command makes it."""

from __future__ import annotations

import json
import shlex

from robot_sf_gym_video.benchmark.cli import main
from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.report import write_report
from robot_sf_gym_video.report.compare import compare_runs, write_compare_page
from robot_sf_gym_video.report.film_hint import film_command

BATCH = {"scenarios": ["empty"], "episodes": 3, "max_steps": 30}


def records_of(run_dir):
    lines = (run_dir / "episodes.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_report_shows_not_filmed_with_a_command_that_films_it(tmp_path):
    out = tmp_path / "run"
    run_batch(out, **BATCH, video_enabled=True, video_episodes="first:1")
    left_out = [r["episode_id"] for r in records_of(out) if "video_skip" in r]
    assert len(left_out) == 2
    page = write_report(out).read_text()
    assert page.count("not filmed</span>") == 2
    command = f"robot-sf-bench film {out} --episodes {left_out[0]}"
    assert command in page
    argv = shlex.split(command)[1:]
    assert main(argv) == 0
    page = write_report(out).read_text()
    assert page.count("not filmed</span>") == 1
    assert f'src="videos/{left_out[0]}.mp4"' in page


def test_compare_page_shows_not_filmed_for_a_run_without_video(tmp_path):
    filmed, plain = tmp_path / "filmed", tmp_path / "plain"
    run_batch(filmed, **BATCH, video_enabled=True)
    run_batch(plain, **BATCH)
    page = write_compare_page(compare_runs(filmed, plain), tmp_path / "cmp.html").read_text()
    assert page.count("not filmed</span>") == 3
    assert f"robot-sf-bench film {plain} --episodes" in page


def test_no_command_for_real_skips_or_records_without_a_log(tmp_path):
    skip = {"reason": "encode-error", "message": "x", "renderer": "synthetic", "steps": 3}
    actions = {"path": "actions/a__1__0.npy", "sha256": "0" * 64, "steps": 3, "dtype": "float32"}
    base = {"episode_id": "a__1__0", "actions": actions}
    assert film_command({**base, "video_skip": skip}, tmp_path) is None
    assert film_command({"episode_id": "a__1__0"}, tmp_path) is None
    assert film_command(base, tmp_path / "my run") == (
        f"robot-sf-bench film '{tmp_path / 'my run'}' --episodes a__1__0"
    )
