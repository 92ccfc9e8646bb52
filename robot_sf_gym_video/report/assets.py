"""Inline stylesheet and script of the report page (kept here so ``html.py`` stays markup).

- ``CSS``: the page's styles (system fonts, outcome badges, sticky table header).
- ``JS``: table sorting (click a header) and filtering (scenario, outcome, id search).

The script reads only DOM attributes that the HTML layer wrote escaped; it never builds
markup from strings (``textContent`` only), so record text cannot become code here either.
"""

from __future__ import annotations

__all__ = ["CSS", "JS"]

from robot_sf_gym_video.report.timeline import TIMELINE_CSS, TIMELINE_JS

CSS = """
:root{--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f5f7fa;--card:#fff;
--ok:#0f7b3f;--ok-bg:#e3f6ea;--bad:#b42318;--bad-bg:#fde8e7;--warn:#935f00;--warn-bg:#fff4d6;
--info:#2251a8;--info-bg:#e6eefc;--accent:#3b5bdb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1400px;margin:0 auto;padding:24px 28px 40px}
header h1{margin:0 0 2px;font-size:22px;font-weight:650;letter-spacing:-.01em}
header p{margin:0;color:var(--muted)}
h2{font-size:15px;font-weight:650;margin:28px 0 10px;text-transform:uppercase;
letter-spacing:.04em;color:var(--muted)}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.problems{margin:16px 0 0;padding:10px 14px;border:1px solid #f2d48b;background:var(--warn-bg);
border-radius:8px;color:var(--warn)}
.problems ul{margin:4px 0 0;padding-left:18px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin-top:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:24px;font-weight:650;margin-top:2px}
.card .s{color:var(--muted);font-size:12px}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:auto}
table{border-collapse:collapse;width:100%}
th,td{padding:8px 10px;text-align:left;border-bottom:1px solid var(--line);vertical-align:middle}
thead th{position:sticky;top:0;background:#fafbfc;z-index:1;font-size:12.5px;font-weight:600;
color:#3e4c59;line-height:1.25;vertical-align:bottom}
tbody tr:last-child td{border-bottom:0}
tbody tr:hover td{background:#fafcff}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
th button{all:unset;cursor:pointer;display:inline;}
th button:focus-visible{outline:2px solid var(--accent);outline-offset:2px;border-radius:3px}
th button::after{content:"\\2195";opacity:.35;font-size:11px;margin-left:3px}
th[aria-sort=ascending] button::after{content:"\\25B2";opacity:.8}
th[aria-sort=descending] button::after{content:"\\25BC";opacity:.8}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;
white-space:nowrap;border:1px solid transparent}
.o-success{color:var(--ok);background:var(--ok-bg);border-color:#b7e4c7}
.o-collision{color:var(--bad);background:var(--bad-bg);border-color:#f6c1bd}
.o-timeout{color:var(--warn);background:var(--warn-bg);border-color:#f2d48b}
.o-other{color:var(--muted);background:#eef1f4;border-color:var(--line)}
.v-skipped{color:var(--info);background:var(--info-bg);border-color:#c5d5f6}
.v-missing{color:var(--bad);background:var(--bad-bg);border-color:#f6c1bd}
.rate{display:flex;align-items:center;gap:10px;white-space:nowrap}
.bar{position:relative;width:120px;height:8px;border-radius:4px;background:#edf0f3;flex:none}
.bar .fill{position:absolute;left:0;top:0;bottom:0;border-radius:4px;background:#58b27d}
.bar .ci{position:absolute;top:-3px;bottom:-3px;border-left:2px solid #23422f;
border-right:2px solid #23422f;opacity:.55}
.ci-text{color:var(--muted);font-size:12px}
tr.total td{font-weight:600;background:#fafbfc}
.filters{display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center;margin:0 0 10px}
.filters label{color:var(--muted);font-size:12px;display:flex;gap:6px;align-items:center}
.filters select,.filters input{font:inherit;padding:4px 8px;border:1px solid #cbd2d9;
border-radius:6px;background:#fff;color:var(--fg)}
.filters .count{margin-left:auto;color:var(--muted)}
td.vid{width:220px;padding:6px 10px}
video{display:block;width:200px;aspect-ratio:4/3;background:#111;border-radius:6px;object-fit:contain}
.vcap{color:var(--muted);font-size:11.5px;margin-top:3px}
.vmsg{color:var(--muted);font-size:12px;max-width:200px;margin-top:4px;
display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;overflow:hidden}
.muted{color:var(--muted)}
td.id{min-width:120px}
td.scn{overflow-wrap:break-word}
footer{margin-top:22px;color:var(--muted);font-size:12px}
"""

JS = """
(function () {
  "use strict";
  var table = document.getElementById("episodes");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  rows.forEach(function (row, i) { row.dataset.order = String(i); });
  var byScenario = document.getElementById("f-scenario");
  var byOutcome = document.getElementById("f-outcome");
  var byId = document.getElementById("f-id");
  var shown = document.getElementById("shown");

  function applyFilters() {
    var scenario = byScenario.value, outcome = byOutcome.value;
    var needle = byId.value.trim().toLowerCase(), n = 0;
    rows.forEach(function (row) {
      var keep = (scenario === "" || row.dataset.scenario === scenario) &&
        (outcome === "" || row.dataset.outcome === outcome) &&
        (needle === "" || row.dataset.id.toLowerCase().indexOf(needle) !== -1);
      row.hidden = !keep;
      if (keep) { n += 1; }
    });
    shown.textContent = String(n);
  }
  [byScenario, byOutcome].forEach(function (el) { el.addEventListener("change", applyFilters); });
  byId.addEventListener("input", applyFilters);

  function sortKey(row, col, numeric) {
    var cell = row.cells[col];
    var raw = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent;
    if (numeric) { return raw === "" ? null : parseFloat(raw); }
    return raw.trim().toLowerCase();
  }
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  heads.forEach(function (th) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      heads.forEach(function (h) {
        if (h.querySelector("button")) { h.setAttribute("aria-sort", "none"); }
      });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var col = th.cellIndex, numeric = th.dataset.type === "num";
      var keyed = rows.map(function (row) {
        return { row: row, key: sortKey(row, col, numeric), order: +row.dataset.order };
      });
      keyed.sort(function (a, b) {
        if (a.key === null || b.key === null) {  /* empty values last, both directions */
          if (a.key === b.key) { return a.order - b.order; }
          return a.key === null ? 1 : -1;
        }
        if (a.key < b.key) { return -dir; }
        if (a.key > b.key) { return dir; }
        return a.order - b.order;
      });
      keyed.forEach(function (k) { body.appendChild(k.row); });
    });
  });
  applyFilters();
})();
"""

CSS += TIMELINE_CSS
JS += TIMELINE_JS
