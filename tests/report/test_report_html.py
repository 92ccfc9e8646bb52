"""Escaping: record text reaches the page only as text, never as markup or script."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from robot_sf_gym_video.report import write_report
from robot_sf_gym_video.report.assets import JS
from robot_sf_gym_video.report.html import esc, json_for_script, url_attr

HOSTILE = "<script>alert(1)</script>"
ATTR_BREAKER = '" onmouseover="alert(2)" x=\''


class _Collect(HTMLParser):
    """Collects element names, attributes and the text of cells with a given class."""

    def __init__(self, cell_class: str) -> None:
        super().__init__()
        self.cell_class = cell_class
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.cells: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "td" and self.cell_class in (attributes.get("class") or "").split():
            self._depth = 1
            self.cells.append("")
        elif self._depth and tag not in ("wbr", "br"):
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.cells[-1] += data


def _page(tmp_path: Path, make_record, write_records, **fields) -> str:
    rec = make_record(HOSTILE, 7, 0, "success", ttg=1.0)
    rec.update(fields)
    write_records(tmp_path, [rec])
    return write_report(tmp_path).read_text(encoding="utf-8")


def test_esc_and_url_attr() -> None:
    assert esc(ATTR_BREAKER) == "&quot; onmouseover=&quot;alert(2)&quot; x=&#x27;"
    assert esc(HOSTILE) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert url_attr('videos/a b&c".mp4') == "videos/a%20b%26c%22.mp4"


def test_json_for_script_cannot_close_the_script() -> None:
    data = {"s": "</script><!-- & \u2028", "n": 1}
    text = json_for_script(data)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == data


def test_hostile_scenario_is_text(tmp_path: Path, make_record, write_records) -> None:
    page = _page(tmp_path, make_record, write_records)
    assert "alert(1)</script>" not in page
    assert page.count("<script") == 2  # summary JSON + the report's own script
    parser = _Collect("scn")
    parser.feed(page)
    # Summary, metrics and episode tables all show the literal name.
    assert parser.cells.count(HOSTILE) == 3
    options = [a.get("value") for t, a in parser.tags if t == "option"]
    assert HOSTILE in options
    # The embedded summary JSON parses back to the same name.
    blob = re.search(r'<script type="application/json" id="report-summary">(.*?)</script>', page)
    assert blob is not None
    assert json.loads(blob.group(1))["scenarios"][0]["scenario"] == HOSTILE


def test_every_record_string_is_escaped(tmp_path: Path, make_record, write_records) -> None:
    page = _page(
        tmp_path,
        make_record,
        write_records,
        episode_id=ATTR_BREAKER,
        outcome=HOSTILE,
        seed=HOSTILE,
        metrics={HOSTILE: 1.0, "time_to_goal_s": 1.0},
        video_skip={"reason": HOSTILE, "message": ATTR_BREAKER, "renderer": HOSTILE},
    )
    assert "alert(1)</script>" not in page
    assert 'onmouseover="' not in page
    parser = _Collect("id")
    parser.feed(page)
    assert parser.cells == [ATTR_BREAKER]
    handlers = [k for _, attrs in parser.tags for k in attrs if k.startswith("on")]
    assert handlers == []
    rows = [a for t, a in parser.tags if t == "tr" and "data-id" in a]
    assert rows[0]["data-id"] == ATTR_BREAKER and rows[0]["data-outcome"] == HOSTILE


def test_video_paths_cannot_leave_the_run_dir(tmp_path: Path, make_record, write_records) -> None:
    (tmp_path / "secret.mp4").write_bytes(b"x")
    recs = [
        make_record("a", 1, 0, "success", video={"path": "../secret.mp4", "frames": 3}),
        make_record("a", 2, 1, "success", video={"path": "/etc/passwd", "frames": 3}),
        make_record("a", 3, 2, "success", video={"path": "javascript:alert(1)", "frames": 3}),
    ]
    run = tmp_path / "run"
    run.mkdir()
    write_records(run, recs)
    page = write_report(run).read_text(encoding="utf-8")
    assert "<video" not in page
    assert page.count('class="badge v-missing"') == 3
    assert 'src="' not in page


def test_csp_allows_exactly_the_report_script(tmp_path: Path, make_record, write_records) -> None:
    page = _page(tmp_path, make_record, write_records)
    digest = base64.b64encode(hashlib.sha256(JS.encode()).digest()).decode()
    assert f"script-src &#x27;sha256-{digest}&#x27;" in page
    assert f"<script>{JS}</script>" in page
    assert "http://" not in page and "https://" not in page  # nothing fetched from the network


def test_number_and_label_formatting() -> None:
    from robot_sf_gym_video.report.html import _fmt, _metric_label

    assert _fmt(-0.0001) == "0.00" and _fmt(None) == "\u2014" and _fmt(1.005, 1) == "1.0"
    assert _metric_label("min_ped_distance_m") == "Min ped distance [m]"
    assert _metric_label("avg_speed_mps") == "Avg speed [m/s]"
    assert _metric_label("jerk_mean") == "Jerk mean"
