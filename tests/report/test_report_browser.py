"""Open a real report in real headless Chromium (Debian ``chromium``, driven by playwright).

Skips with a reason when playwright or the browser is missing; ``.ci/run`` installs both.
The run dir is served over http://127.0.0.1 (ephemeral port) because ``file://`` media
loading is flaky in headless Chromium.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

from robot_sf_gym_video.report import write_report

HOSTILE = "<script>alert(1)</script>"
FPS = 10.0

pytestmark = pytest.mark.slow


def _visible_column(page: Any, css: str) -> list[str]:
    return page.eval_on_selector_all(
        f"#episodes tbody tr:not([hidden]) {css}", "els => els.map(e => e.textContent.trim())"
    )


def _open(page: Any, url: str) -> tuple[list[str], list[str]]:
    """Load ``url``; return the (live) lists of dialog messages and page errors."""
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(url, wait_until="load")
    return dialogs, errors


def _check_rows_and_videos(page: Any, records: list[dict[str, Any]], fps: float) -> None:
    """One row per record; every video decodes and lasts frames / fps within one frame."""
    assert page.locator("#episodes tbody tr").count() == len(records)
    with_video = [r for r in records if "video" in r]
    assert page.locator("video").count() == len(with_video)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('video')).every(v => v.readyState >= 2 || v.error)",
        timeout=30_000,
    )
    states = page.eval_on_selector_all(
        "video",
        "vs => vs.map(v => ({src: v.getAttribute('src'), poster: v.getAttribute('poster'),"
        " ready: v.readyState, duration: v.duration, error: v.error && v.error.message}))",
    )
    by_src = {s["src"]: s for s in states}
    for rec in with_video:
        state = by_src[rec["video"]["path"]]
        assert state["error"] is None, state
        assert state["ready"] >= 2, state
        expected_s = rec["video"]["frames"] / fps
        assert abs(state["duration"] - expected_s) <= 1 / fps, (state, expected_s)
        assert state["poster"] == rec["video"]["path"].removesuffix(".mp4") + ".poster.png"


def test_report_in_chromium(video_run, serve, browser_page, tmp_path: Path) -> None:
    run_dir, records = video_run
    write_report(run_dir)
    page = browser_page
    dialogs, errors = _open(page, f"{serve(run_dir)}/report.html")
    _check_rows_and_videos(page, records, FPS)

    # The hostile scenario name is text, in both tables and the filter, and never ran.
    assert dialogs == []
    assert page.locator("#episodes td.scn", has_text=HOSTILE).count() == 1
    assert page.locator("#summary td.scn", has_text=HOSTILE).count() == 1
    assert page.evaluate("document.scripts.length") == 2  # the summary JSON and our JS

    # Skipped video shows its reason and message.
    skipped_row = page.locator("#episodes tbody tr", has_text="encode-error")
    assert skipped_row.count() == 1
    assert "ffmpeg exited 1 <broken pipe>" in skipped_row.inner_text()

    # Sorting: click Seed (ascending), again (descending).
    seeds = sorted(str(r["seed"]) for r in records)
    seed_button = page.locator("#episodes thead th", has_text="Seed").locator("button")
    seed_button.click()
    assert _visible_column(page, "td:nth-child(4)") == seeds
    seed_button.click()
    assert _visible_column(page, "td:nth-child(4)") == seeds[::-1]

    # Filtering by outcome, by scenario (including the hostile one), and both.
    page.select_option("#f-outcome", "collision")
    assert _visible_column(page, "td.scn") == ["crossing"]
    assert page.locator("#shown").inner_text() == "1"
    page.select_option("#f-outcome", "")
    page.select_option("#f-scenario", HOSTILE)
    assert _visible_column(page, "td.scn") == [HOSTILE]
    page.select_option("#f-scenario", "corridor")
    assert sorted(_visible_column(page, "td.scn")) == ["corridor", "corridor"]
    page.select_option("#f-outcome", "timeout")
    assert page.locator("#shown").inner_text() == "1"
    page.select_option("#f-scenario", "")
    page.select_option("#f-outcome", "")
    page.fill("#f-id", "__12__")
    assert page.locator("#shown").inner_text() == "1"
    page.fill("#f-id", "")
    assert page.locator("#shown").inner_text() == str(len(records))

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    assert errors == []


def test_report_of_a_real_batch_in_chromium(serve, browser_page, tmp_path: Path) -> None:
    """End to end: run_batch with video, then the report, in the browser."""
    try:
        from robot_sf_gym_video.benchmark.runner import run_batch
    except ImportError as exc:
        pytest.skip(f"runner not available: {exc}")
    kwargs: dict[str, Any] = {"scenarios": ["crossing"], "episodes": 2, "seed": 3}
    if "max_steps" in inspect.signature(run_batch).parameters:
        kwargs["max_steps"] = 25
    run_dir = tmp_path / "run"
    run_batch(run_dir, video_enabled=True, **kwargs)
    records = [json.loads(line) for line in (run_dir / "episodes.jsonl").read_text().splitlines()]
    assert len(records) == 2 and all("video" in r for r in records)
    write_report(run_dir)
    page = browser_page
    dialogs, errors = _open(page, f"{serve(run_dir)}/report.html")
    _check_rows_and_videos(page, records, FPS)
    page.screenshot(path=str(tmp_path / "batch_report.png"), full_page=True)
    assert dialogs == [] and errors == []


def test_event_marks_seek_and_thumbnails_keep_their_frame(serve, browser_page, tmp_path: Path):
    """A real batch with events: each mark seeks its video to a second before the event."""
    from robot_sf_gym_video.benchmark.runner import run_batch

    run_dir = tmp_path / "run"
    run_batch(
        run_dir, scenarios=["open_crowd"], episodes=3, seed=1, policy="random", video_enabled=True
    )
    records = [json.loads(line) for line in (run_dir / "episodes.jsonl").read_text().splitlines()]
    n_events = sum(len(r["events"]) for r in records)
    assert n_events >= 1
    write_report(run_dir)
    page = browser_page
    dialogs, errors = _open(page, f"{serve(run_dir)}/report.html")
    _check_rows_and_videos(page, records, FPS)
    marks = page.locator("td.vid button.ev")
    assert marks.count() == n_events
    # No native controls over the frame until the thumbnail is hovered.
    assert page.eval_on_selector_all("video", "vs => vs.every(v => !v.controls)")
    for k in range(marks.count()):
        mark = marks.nth(k)
        target = float(mark.get_attribute("data-seek"))
        row = page.locator("#episodes tbody tr", has=mark)
        step = records[[r["episode_id"] for r in records].index(row.get_attribute("data-id"))]
        assert any(
            abs(max((e["step"] - 1) / FPS - 1.0, 0.0) - target) < 1e-6 for e in step["events"]
        )
        mark.click()
        video = row.locator("video")
        video.evaluate("v => v.pause()")
        page.wait_for_function("v => !v.seeking", arg=video.element_handle(), timeout=10_000)
        current = video.evaluate("v => v.currentTime")
        assert abs(current - target) <= 0.2, (current, target)
    cell = page.locator("td.vid").first
    cell.hover()
    assert cell.locator("video").evaluate("v => v.controls")
    page.mouse.move(0, 0)
    assert not cell.locator("video").evaluate("v => v.controls")
    assert dialogs == [] and errors == []
