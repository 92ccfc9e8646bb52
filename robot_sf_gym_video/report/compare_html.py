"""HTML of the compare page: the paired deltas and each pair's two videos side by side.

- ``render_compare_page(comparison, page_dir)``: the whole self-contained document.

Same rules as the report (``html.py``): every record string is escaped, paths are
percent-encoded, the CSP lets only this page's script run, and videos are referenced by
paths relative to the page, so the page works from any folder both runs are reachable
from. Pairs whose outcomes differ come first: those are the episodes a reviewer opens.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from robot_sf_gym_video.report.assets import CSS
from robot_sf_gym_video.report.compare_assets import COMPARE_CSS, COMPARE_JS
from robot_sf_gym_video.report.escaping import (
    content_security_policy,
    esc,
    json_for_script,
    url_attr,
)
from robot_sf_gym_video.report.film_hint import not_filmed_html
from robot_sf_gym_video.report.model import EpisodeRow, VideoState
from robot_sf_gym_video.report.pairing import (
    ALPHA,
    DeltaRow,
    format_p,
    outcomes_differ,
    pair_order,
)
from robot_sf_gym_video.report.run_summary import OVERALL, format_interval, format_number

if TYPE_CHECKING:
    from robot_sf_gym_video.report.compare import Comparison, RunSide

__all__ = ["render_compare_page"]

_OUTCOME_CLASS = {"success": "o-success", "collision": "o-collision", "timeout": "o-timeout"}
#: Metrics shown under each video.
_CAPTION_METRICS = ("time_to_goal_s", "path_length_m", "min_ped_distance_m")


def _badge(outcome: str) -> str:
    return f'<span class="badge {_OUTCOME_CLASS.get(outcome, "o-other")}">{esc(outcome)}</span>'


def _delta_row(row: DeltaRow) -> str:
    p = format_p(row.p_value)
    p_cell = f'<span class="sig">{esc(p)} *</span>' if row.significant else esc(p)
    name = "All scenarios" if row.scenario == OVERALL else row.scenario
    test = row.test + (f" ({row.detail})" if row.detail else "")
    cells = [
        f'<td class="scn">{esc(name)}</td>',
        f"<td><code>{esc(row.metric)}</code></td>",
        f'<td class="num">{row.n}</td>',
        *(f'<td class="num">{esc(format_number(v))}</td>' for v in (row.a, row.b, row.delta)),
        f'<td class="num ci-text">{esc(format_interval(row.ci_low, row.ci_high))}</td>',
        f'<td class="num">{p_cell}</td>',
        f'<td class="ci-text">{esc(test)}</td>',
    ]
    css = ' class="total"' if row.scenario == OVERALL else ""
    return f'<tr{css} data-metric="{esc(row.metric)}">{"".join(cells)}</tr>'


def _deltas_section(comparison: Comparison) -> str:
    heads = ["Scenario", "Metric", "Pairs", "A", "B", "B \u2212 A", "95% CI", "p", "Test"]
    head = "".join(f"<th>{h}</th>" for h in heads)
    body = "".join(_delta_row(r) for r in comparison.deltas)
    return (
        '<section><h2>Paired differences</h2><div class="panel"><table id="deltas">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        '<p class="ci-text">Rates: exact McNemar test on the pairs whose outcome differs. '
        "Metrics: Wilcoxon signed-rank test of B \u2212 A over the pairs where both have "
        f"the value, Student-t 95% interval of the mean difference. * marks p &lt; {ALPHA}; "
        "no correction for the number of tests is made.</p></section>"
    )


def _video(row: EpisodeRow, side: RunSide, page_dir: Path) -> str:
    if row.video_state is VideoState.OK and row.video_path:
        full = side.run_dir.joinpath(*row.video_path.split("/"))
        rel = Path(os.path.relpath(os.path.abspath(full), os.path.abspath(page_dir)))
        return (
            f'<video controls muted playsinline preload="metadata" '
            f'src="{url_attr(rel.as_posix())}"></video>'
        )
    if row.film_command:  # left out by --video-episodes or run without video
        return f'<div class="novideo">{not_filmed_html(row.film_command)}</div>'
    if row.video_state is VideoState.SKIPPED:
        text = f"video skipped: {row.skip_reason}"
    elif row.video_state is VideoState.MISSING:
        text = f"video missing: {row.video_path}"
    else:
        text = "not filmed (video was off for this run)"
    return f'<div class="novideo">{esc(text)}</div>'


def _figure(label: str, row: EpisodeRow, side: RunSide, page_dir: Path) -> str:
    bits = [f"{row.steps} steps" if row.steps is not None else ""]
    for key in _CAPTION_METRICS:
        value = row.metrics.get(key)
        if value is not None:
            bits.append(f"{key} {format_number(value)}")
    caption = " \u00b7 ".join(esc(b) for b in bits if b)
    return (
        f'<figure data-side="{label}">{_video(row, side, page_dir)}'
        f'<figcaption><span class="who">{label}</span>{_badge(row.outcome)} {caption}'
        "</figcaption></figure>"
    )


def _pairs_section(comparison: Comparison, page_dir: Path) -> str:
    items = []
    for pair in pair_order(comparison.pairing.pairs):
        a, b = pair
        differ = outcomes_differ(pair)
        css = "pair differ" if differ else "pair"
        flag = "outcomes differ" if differ else "same outcome"
        items.append(
            f'<section class="{css}" data-id="{esc(a.episode_id)}" '
            f'data-differ="{int(differ)}"><h3><span class="mono">{esc(a.episode_id)}</span>'
            f'<span class="ci-text">{esc(flag)}</span>'
            '<button type="button" class="both">play both</button></h3>'
            f'<div class="sides">{_figure("A", a, comparison.a, page_dir)}'
            f"{_figure('B', b, comparison.b, page_dir)}</div></section>"
        )
    n_differ = sum(outcomes_differ(p) for p in comparison.pairing.pairs)
    return (
        f"<section><h2>Episode pairs ({len(items)}, {n_differ} with different outcomes "
        f'first)</h2><div id="pairs">{"".join(items)}</div></section>'
    )


def _side_text(label: str, side: RunSide) -> str:
    return (
        f'<div class="card"><div class="k">Run {label}</div>'
        f'<div class="v mono">{esc(side.run_dir.name)}</div>'
        f'<div class="s">policy <code>{esc(side.policy)}</code> \u00b7 {len(side.rows)} '
        "episodes</div></div>"
    )


def render_compare_page(comparison: Comparison, *, page_dir: Path) -> str:
    """Return the complete HTML document; video paths are relative to ``page_dir``."""
    a, b = comparison.a, comparison.b
    title = f"{a.run_dir.name} vs {b.run_dir.name}"
    notes = ""
    if comparison.notes:
        items = "".join(f"<li>{esc(n)}</li>" for n in comparison.notes)
        notes = f'<div class="problems" role="note">Notes:<ul>{items}</ul></div>'
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    meta = json_for_script(
        {
            "a": str(a.run_dir),
            "b": str(b.run_dir),
            "pairs": len(comparison.pairing.pairs),
            "deltas": [dataclasses.asdict(r) for r in comparison.deltas],
        }
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" '
        f'content="{esc(content_security_policy(COMPARE_JS))}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>Compare \u2014 {esc(title)}</title><style>{CSS}{COMPARE_CSS}</style></head>"
        f'<body><main><header><h1>Compare: <span class="mono">{esc(title)}</span></h1>'
        f"<p>{len(comparison.pairing.pairs)} paired episodes (same scenario, seed and "
        f"index) \u00b7 generated {esc(generated)}</p></header>{notes}"
        f'<div class="cards">{_side_text("A", a)}{_side_text("B", b)}</div>'
        f"{_deltas_section(comparison)}{_pairs_section(comparison, page_dir)}"
        "<footer>Written by robot_sf_gym_video. Self-contained page: the videos are the "
        "runs' own files, referenced relative to this page.</footer></main>"
        f'<script type="application/json" id="compare-data">{meta}</script>'
        f"<script>{COMPARE_JS}</script></body></html>\n"
    )
