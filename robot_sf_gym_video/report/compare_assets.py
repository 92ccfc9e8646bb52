"""Inline styles and script of the compare page (the report's ``CSS`` plus these).

- ``COMPARE_CSS``: the pair layout (two videos side by side), delta table marks.
- ``COMPARE_JS``: keeps the two videos of each pair in step: play, pause, seek and rate
  of either drive the other; a "play both" button starts them together.

Why sync in script and not one merged video: the two runs' files stay as they are (no
re-encoding, no new files), and each keeps its own controls. A shorter episode that ends
does not stop the longer one: the end of one video is not a pause request.
"""

from __future__ import annotations

__all__ = ["COMPARE_CSS", "COMPARE_JS"]

COMPARE_CSS = """
.pair{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px;
margin:0 0 14px}
.pair.differ{border-color:#f2d48b;box-shadow:0 0 0 2px var(--warn-bg)}
.pair h3{margin:0 0 8px;font-size:14px;font-weight:600;display:flex;gap:10px;align-items:center;
flex-wrap:wrap}
.pair .sides{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.pair figure{margin:0}
.pair figcaption{color:var(--muted);font-size:12px;margin-top:4px}
.pair figcaption .who{font-weight:650;color:var(--fg);margin-right:6px}
.pair video{width:100%;max-width:480px;aspect-ratio:4/3}
.pair button.both{font:inherit;font-size:12px;padding:2px 10px;border:1px solid #cbd2d9;
border-radius:6px;background:#fff;cursor:pointer}
.sig{color:var(--bad);font-weight:650}
.novideo{display:flex;align-items:center;justify-content:center;width:100%;max-width:480px;
aspect-ratio:4/3;background:#eef1f4;border-radius:6px;color:var(--muted);font-size:12px;
text-align:center;padding:8px}
"""

COMPARE_JS = """
(function () {
  "use strict";
  var DRIFT_S = 0.05;
  function follow(src, dst) {
    src.addEventListener("play", function () {
      if (dst.paused && !dst.ended) { dst.play().catch(function () {}); }
    });
    src.addEventListener("pause", function () {
      if (!src.ended && !dst.paused) { dst.pause(); }
    });
    src.addEventListener("seeking", function () {
      var target = Math.min(src.currentTime, isFinite(dst.duration) ? dst.duration : 1e9);
      if (Math.abs(dst.currentTime - target) > DRIFT_S) { dst.currentTime = target; }
    });
    src.addEventListener("ratechange", function () {
      if (dst.playbackRate !== src.playbackRate) { dst.playbackRate = src.playbackRate; }
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".pair"), function (pair) {
    var videos = pair.querySelectorAll("video");
    var button = pair.querySelector("button.both");
    if (videos.length !== 2) { if (button) { button.hidden = true; } return; }
    var a = videos[0], b = videos[1];
    follow(a, b);
    follow(b, a);
    if (button) {
      button.addEventListener("click", function () {
        if (!a.paused || !b.paused) { a.pause(); b.pause(); return; }
        a.currentTime = 0; b.currentTime = 0;
        a.play().catch(function () {});
        b.play().catch(function () {});
      });
    }
  });
})();
"""
