"""Episode events on a clickable timeline under each report thumbnail.

- ``parse_events(record)``: the record's ``events`` as ``(step, kind, label)`` (bad entries
  are dropped: the report must open whatever a run directory holds).
- ``timeline_html(events, frames, fps)``: one mark per event, placed at the event's frame;
  each mark seeks its video to one second before the event, so the moment leading up to
  it plays.
- ``TIMELINE_CSS`` / ``TIMELINE_JS``: the styles and the (CSP-hashed) script: marks seek;
  a thumbnail plays on click and shows its native controls only while hovered, so the
  controls never cover the frame (the poster is the last frame, with its outcome banner).

The event at step ``s`` is first shown by frame ``s - 1`` (frames are the state after each
step), presented at ``(s - 1) / fps`` seconds.
"""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["TIMELINE_CSS", "TIMELINE_JS", "parse_events", "timeline_html"]

_KINDS = {"collision": "collision", "near_miss": "near miss", "goal": "goal"}
_LEAD_S = 1.0  # a mark seeks this far before its event


def parse_events(record: dict[str, Any]) -> list[tuple[int, str, str]]:
    """Return ``(step, kind, label)`` of each well-formed event of ``record``."""
    out = []
    events = record.get("events")
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict) or event.get("kind") not in _KINDS:
            continue
        step = event.get("step")
        if not isinstance(step, int) or isinstance(step, bool) or step < 1:
            continue
        label = _KINDS[event["kind"]]
        who = event.get("with")
        if isinstance(who, dict) and isinstance(who.get("type"), str):
            label += f" with {who['type']} {who.get('id')}"
        out.append((step, event["kind"], label))
    return out


def timeline_html(events: list[tuple[int, str, str]], frames: int | None, fps: float) -> str:
    """Return the timeline of a video of ``frames`` frames (empty without events)."""
    if not events or not frames or fps <= 0:
        return ""
    duration = frames / fps
    marks = []
    for step, kind, label in events:
        at_s = min(max(step - 1, 0), frames - 1) / fps
        seek = max(at_s - _LEAD_S, 0.0)
        left = 100.0 * at_s / duration
        title = f"{label} at {at_s:.1f} s (step {step}); click to play from {seek:.1f} s"
        marks.append(
            f'<button type="button" class="ev ev-{escape(kind)}" style="left:{left:.2f}%" '
            f'data-seek="{seek:.3f}" data-at="{at_s:.3f}" title="{escape(title)}" '
            f'aria-label="{escape(title)}"></button>'
        )
    return f'<div class="tl" role="group" aria-label="events">{"".join(marks)}</div>'


TIMELINE_CSS = """
.tl{position:relative;width:200px;height:12px;margin-top:4px;background:#e9ecef;border-radius:3px}
.tl .ev{position:absolute;top:1px;width:8px;height:10px;margin-left:-4px;padding:0;border:0;
border-radius:2px;cursor:pointer}
.tl .ev-collision{background:#e8141e}.tl .ev-near_miss{background:#d628d6}
.tl .ev-goal{background:#1e963c}
.tl .ev:focus-visible{outline:2px solid #111}
"""

TIMELINE_JS = """
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("td.vid"), function (cell) {
    var video = cell.querySelector("video");
    if (!video) { return; }
    cell.addEventListener("mouseenter", function () { video.controls = true; });
    cell.addEventListener("mouseleave", function () { video.controls = false; });
    video.addEventListener("click", function () {  /* with controls, they handle clicks */
      if (video.controls) { return; }
      if (video.paused) { video.play(); } else { video.pause(); }
    });
    Array.prototype.forEach.call(cell.querySelectorAll("button.ev"), function (mark) {
      mark.addEventListener("click", function () {
        video.currentTime = parseFloat(mark.dataset.seek);
        video.play();
      });
    });
  });
})();
"""
