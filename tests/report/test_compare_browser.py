"""The compare page in real headless Chromium: both videos of a pair play and stay in sync.

Waits poll from Python with ``page.evaluate``: the page's CSP (only its own script may
run) forbids the string evaluation that ``wait_for_function`` uses, and the CSP stays on.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.report.compare import compare_runs, default_page_path, write_compare_page

pytestmark = pytest.mark.slow

_STATE = """sel => Array.from(document.querySelectorAll(sel)).map(v => ({
  t: v.currentTime, paused: v.paused, ready: v.readyState, error: v.error && v.error.message,
  duration: v.duration}))"""


def _videos(index: int) -> str:
    return f"#pairs .pair:nth-child({index + 1}) video"


def _state(page: Any, index: int) -> list[dict[str, Any]]:
    return page.evaluate(f"({_STATE})({_videos(index)!r})")


def _wait(page: Any, index: int, predicate: Any, timeout_s: float = 10.0) -> list[dict[str, Any]]:
    """Poll the pair's video states until ``predicate(states)`` holds; fail after a timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        states = _state(page, index)
        if predicate(states):
            return states
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting; last state {states}")
        time.sleep(0.05)


def test_compare_page_plays_both_videos_in_sync(serve, browser_page, tmp_path: Path) -> None:
    common = {"scenarios": ["crossing"], "episodes": 2, "seed": 2, "max_steps": 60}
    run_batch(tmp_path / "goal", policy="goal", video_enabled=True, **common)
    run_batch(tmp_path / "zero", policy="zero", video_enabled=True, **common)
    page_path = write_compare_page(
        compare_runs(tmp_path / "goal", tmp_path / "zero"),
        default_page_path(tmp_path / "goal", tmp_path / "zero"),
    )
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(f"{serve(tmp_path)}/goal/{page_path.name}", wait_until="load")
    assert page.locator("#pairs .pair").count() == 2
    assert page.locator("#deltas tbody tr").count() == 7
    for index in (0, 1):
        videos = _wait(page, index, lambda s: all(v["ready"] >= 2 or v["error"] for v in s), 30)
        assert [v["error"] for v in videos] == [None, None]
        assert all(abs(v["duration"] - 6.0) < 0.15 for v in videos)  # 60 frames at 10 fps

    first = _videos(0)
    page.eval_on_selector(first, "v => v.play()")  # A's own play ...
    a, b = _wait(page, 0, lambda s: all(not v["paused"] and v["t"] > 0.5 for v in s))
    assert abs(a["t"] - b["t"]) < 0.25  # ... started B, in step

    page.eval_on_selector_all(first, "vs => vs[1].pause()")  # B's pause stops A
    _wait(page, 0, lambda s: all(v["paused"] for v in s), 5)
    page.eval_on_selector_all(first, "vs => { vs[0].currentTime = 3.3; }")  # A's seek moves B
    a, b = _wait(page, 0, lambda s: all(abs(v["t"] - 3.3) < 0.06 for v in s), 5)
    assert a["paused"] and b["paused"]

    page.locator("#pairs .pair:nth-child(2) button.both").click()  # "play both", pair 2
    _wait(page, 1, lambda s: all(not v["paused"] and v["t"] > 0.3 for v in s))
    assert all(v["paused"] and abs(v["t"] - 3.3) < 0.06 for v in _state(page, 0))  # pair 1 still
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)
    assert errors == []
