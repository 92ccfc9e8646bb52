"""write_report on its own: inputs it refuses, runs without video, torn lines, missing files."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.report import REPORT_FILE, write_report


def test_refuses_bad_inputs(tmp_path: Path, write_records) -> None:
    with pytest.raises(UsageError, match="not a directory"):
        write_report(tmp_path / "nope")
    with pytest.raises(UsageError, match=r"no episodes\.jsonl"):
        write_report(tmp_path)
    write_records(tmp_path, [])
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(UsageError, match="fps must be a positive number"):
            write_report(tmp_path, fps=bad)


def test_run_without_video_has_table_and_summary_only(
    tmp_path: Path, make_record, write_records
) -> None:
    write_records(
        tmp_path,
        [make_record("crossing", 1, 0, "success", ttg=2.5), make_record("empty", 2, 0, "timeout")],
    )
    out = write_report(tmp_path)
    assert out == tmp_path / REPORT_FILE
    page = out.read_text(encoding="utf-8")
    assert "<video" not in page and ">Video<" not in page and "Videos" not in page
    assert page.count("<tr data-id=") == 2
    assert 'id="summary"' in page and "2.50" in page
    assert not (tmp_path / "videos").exists()


def test_empty_run(tmp_path: Path, write_records) -> None:
    write_records(tmp_path, [])
    page = write_report(tmp_path).read_text(encoding="utf-8")
    assert "0 episodes" in page and "<tr data-id=" not in page


def test_torn_last_line_is_skipped_with_a_warning(
    tmp_path: Path, make_record, write_records, caplog: pytest.LogCaptureFixture
) -> None:
    recs = [make_record("a", 1, 0, "success"), make_record("a", 2, 1, "collision")]
    write_records(tmp_path, recs, tail='{"schema_version": "episode.v1", "episode_id": "a__3')
    with caplog.at_level(logging.WARNING, logger="robot_sf_gym_video"):
        page = write_report(tmp_path).read_text(encoding="utf-8")
    assert page.count("<tr data-id=") == 2
    assert "line 3: torn last line" in page
    assert any("torn last line" in r.getMessage() for r in caplog.records)


def test_malformed_middle_line_is_reported(tmp_path: Path, make_record, write_records) -> None:
    path = write_records(tmp_path, [make_record("a", 1, 0, "success")])
    path.write_text(path.read_text() + "{not json\n[1, 2]\n", encoding="utf-8")
    page = write_report(tmp_path).read_text(encoding="utf-8")
    assert page.count("<tr data-id=") == 1
    assert "line 2: not valid JSON" in page and "line 3: not a JSON object" in page


def test_missing_and_skipped_videos(
    tmp_path: Path, make_record, write_records, make_mp4, video_of
) -> None:
    make_mp4(tmp_path / "videos" / "a__1__0.mp4", 5)
    ok = make_record("a", 1, 0, "success", steps=5)
    ok["video"] = video_of(tmp_path, "videos/a__1__0.mp4", 5)
    gone = make_record("a", 2, 1, "success", steps=5)
    gone["video"] = {**ok["video"], "path": "videos/a__2__1.mp4"}
    skipped = make_record("a", 3, 2, "success", steps=0)
    skipped["video_skip"] = {"reason": "no-frames", "message": "zero steps", "renderer": "x"}
    write_records(tmp_path, [ok, gone, skipped])
    page = write_report(tmp_path).read_text(encoding="utf-8")
    assert page.count("<video ") == 1
    assert '<span class="badge v-missing">missing</span>' in page
    assert "<code>videos/a__2__1.mp4</code>" in page
    assert "no-frames" in page and "zero steps" in page
    assert "1 written, 1 skipped, 1 missing" in page
    assert not (tmp_path / "videos" / "a__2__1.poster.png").exists()


def test_fps_comes_from_records_then_argument(
    tmp_path: Path, make_record, write_records, make_mp4, video_of
) -> None:
    make_mp4(tmp_path / "videos" / "a.mp4", 40, fps=20)
    rec = make_record("a", 1, 0, "success", steps=40)
    rec["video"] = {**video_of(tmp_path, "videos/a.mp4", 40), "fps": 20}
    plain = make_record("a", 2, 1, "success", steps=40)
    plain["video"] = video_of(tmp_path, "videos/a.mp4", 40)
    write_records(tmp_path, [rec, plain])
    page = write_report(tmp_path, fps=8, posters=False).read_text(encoding="utf-8")
    assert 'data-fps="20.0"' in page and "40 frames \u00b7 2.0 s" in page
    assert 'data-fps="8.0"' in page and "40 frames \u00b7 5.0 s" in page
    assert "poster=" not in page


def test_write_is_atomic_and_repeatable(tmp_path: Path, make_record, write_records) -> None:
    write_records(tmp_path, [make_record("a", 1, 0, "success")])
    first = write_report(tmp_path)
    (tmp_path / REPORT_FILE).write_text("STALE-PAGE", encoding="utf-8")
    second = write_report(tmp_path)
    assert first == second and "STALE-PAGE" not in second.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episodes.jsonl", REPORT_FILE]
    assert stat.S_IMODE(os.stat(second).st_mode) == 0o644
