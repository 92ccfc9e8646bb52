r"""HTML markup of the run report: one self-contained page.

No network and no external files except the run's own videos and posters, which are
referenced by relative path.

- ``ReportPage``: everything the page shows (rows, summaries, problems, labels).
- ``render_page``: build the page as a string.
- ``esc`` / ``url_attr`` / ``json_for_script`` / ``content_security_policy``: re-exported
  from ``escaping``, which holds the only ways record text reaches the page, so that every
  page builder escapes the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from robot_sf_gym_video.report.assets import CSS, JS
from robot_sf_gym_video.report.escaping import (
    content_security_policy,
    esc,
    json_for_script,
    url_attr,
)
from robot_sf_gym_video.report.film_hint import not_filmed_html
from robot_sf_gym_video.report.model import EpisodeRow, VideoState
from robot_sf_gym_video.report.run_summary import MetricRow
from robot_sf_gym_video.report.stats import ScenarioSummary
from robot_sf_gym_video.report.summary_html import metrics_summary_section
from robot_sf_gym_video.report.timeline import timeline_html
from robot_sf_gym_video.sim.snapshot import OUTCOMES

__all__ = [
    "ReportPage",
    "content_security_policy",
    "esc",
    "json_for_script",
    "render_page",
    "url_attr",
]

#: Metrics shown first, in this order, when present; other numeric metrics follow by name.
PREFERRED_METRICS = (
    "time_to_goal_s",
    "path_length_m",
    "path_efficiency",
    "min_ped_distance_m",
    "avg_speed_mps",
    "final_goal_distance_m",
)
#: At most this many metric columns, so the table stays readable.
MAX_METRIC_COLUMNS = 6
_UNITS = {"_s": "s", "_m": "m", "_mps": "m/s", "_px": "px", "_rad": "rad", "_ms": "ms"}
_OUTCOME_CLASS = {"success": "o-success", "collision": "o-collision", "timeout": "o-timeout"}
_OUTCOMES = OUTCOMES


@dataclass
class ReportPage:
    """Inputs of ``render_page``; all strings raw (``render_page`` escapes them)."""

    title: str
    rows: list[EpisodeRow]
    summaries: list[ScenarioSummary]
    total: ScenarioSummary
    generated_utc: str
    default_fps: float
    version: str = ""
    problems: list[str] = field(default_factory=list)
    metric_rows: list[MetricRow] = field(default_factory=list)


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "\u2014"
    return f"{round(value, digits) + 0.0:.{digits}f}"  # + 0.0: no "-0.00"


def _data_v(value: float | int | None) -> str:
    return "" if value is None else esc(repr(float(value)))


def _metric_label(key: str) -> str:
    """``min_ped_distance_m`` -> ``Min ped distance [m]``."""
    label, unit = key, ""
    for suffix, name in _UNITS.items():
        if key.endswith(suffix) and len(key) > len(suffix):
            label, unit = key[: -len(suffix)], f" [{name}]"
            break
    label = label.replace("_", " ").strip()
    return label[:1].upper() + label[1:] + unit


def _metric_columns(rows: Iterable[EpisodeRow]) -> list[str]:
    present: set[str] = set()
    for row in rows:
        present.update(k for k, v in row.metrics.items() if v is not None)
    first = [k for k in PREFERRED_METRICS if k in present]
    rest = sorted(present - set(first))
    return (first + rest)[:MAX_METRIC_COLUMNS]


def _outcome_badge(outcome: str) -> str:
    css = _OUTCOME_CLASS.get(outcome, "o-other")
    return f'<span class="badge {css}">{esc(outcome)}</span>'


def _rate_cell(summary: ScenarioSummary) -> str:
    rate = summary.success_rate
    if rate is None:
        return '<td class="muted">\u2014</td>'
    low, high = summary.success_ci
    bar = (
        f'<span class="bar" aria-hidden="true"><span class="fill" style="width:{rate * 100:.1f}%">'
        f'</span><span class="ci" style="left:{low * 100:.1f}%;width:{(high - low) * 100:.1f}%">'
        "</span></span>"
    )
    text = (
        f"<strong>{rate * 100:.0f}%</strong> "
        f'<span class="ci-text">[{low * 100:.0f}\u2013{high * 100:.0f}%]</span>'
    )
    return f'<td data-v="{_data_v(rate)}"><div class="rate">{bar}<span>{text}</span></div></td>'


def _videos_text(s: ScenarioSummary) -> str:
    parts = [f"{s.videos_written} written"]
    if s.videos_skipped:
        parts.append(f"{s.videos_skipped} skipped")
    if s.videos_missing:
        parts.append(f"{s.videos_missing} missing")
    return ", ".join(parts)


def _summary_row(s: ScenarioSummary, *, with_videos: bool) -> str:
    name = "All scenarios" if s.scenario is None else s.scenario
    cells = [
        f'<td class="scn">{esc(name)}</td>',
        f'<td class="num">{s.episodes}</td>',
        _rate_cell(s),
        f'<td class="num">{s.collisions}</td>',
        f'<td class="num">{s.timeouts}</td>',
        f'<td class="num">{_fmt(s.mean_time_to_goal_s)}</td>',
    ]
    if with_videos:
        cells.append(f"<td>{esc(_videos_text(s))}</td>")
    css = ' class="total"' if s.scenario is None else ""
    return f"<tr{css}>{''.join(cells)}</tr>"


def _summary_section(page: ReportPage, *, with_videos: bool) -> str:
    heads = ["Scenario", "Episodes", "Success rate [95% CI]", "Collisions", "Timeouts"]
    heads.append("Mean time to goal [s]")
    if with_videos:
        heads.append("Videos")
    numeric = {"Episodes", "Collisions", "Timeouts", "Mean time to goal [s]"}
    head = "".join(f'<th class="num">{h}</th>' if h in numeric else f"<th>{h}</th>" for h in heads)
    body = [_summary_row(s, with_videos=with_videos) for s in page.summaries]
    if len(page.summaries) > 1:
        body.append(_summary_row(page.total, with_videos=with_videos))
    return (
        '<section><h2>Scenarios</h2><div class="panel"><table id="summary">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        '<p class="ci-text">Success-rate interval: Wilson score, 95%. Mean time to goal over '
        "successful episodes.</p></section>"
    )


def _video_cell(row: EpisodeRow) -> str:
    if row.video_state is VideoState.OK and row.video_path:
        poster = f' poster="{url_attr(row.poster_path)}"' if row.poster_path else ""
        frames = "" if row.video_frames is None else f"{row.video_frames} frames"
        duration = row.video_duration_s
        bits = [frames, "" if duration is None else f"{duration:.1f} s", row.video_renderer or ""]
        caption = " \u00b7 ".join(esc(b) for b in bits if b)
        notes = "".join(f'<div class="vmsg">{esc(n)}</div>' for n in row.video_notes)
        return (
            f'<td class="vid"><video preload="metadata" playsinline{poster} '
            f'src="{url_attr(row.video_path)}" data-frames="{esc(row.video_frames or "")}" '
            f'data-fps="{esc(row.video_fps)}"></video>'
            f"{timeline_html(row.events, row.video_frames, row.video_fps)}"
            f'<div class="vcap">{caption}</div>{notes}</td>'
        )
    if row.film_command:  # left out by --video-episodes or run without video
        return f'<td class="vid">{not_filmed_html(row.film_command)}</td>'
    if row.video_state is VideoState.SKIPPED:
        message = row.skip_message or ""
        return (
            f'<td class="vid"><span class="badge v-skipped">video skipped</span> '
            f'<code>{esc(row.skip_reason)}</code><div class="vmsg" title="{esc(message)}">'
            f"{esc(message)}</div></td>"
        )
    if row.video_state is VideoState.MISSING:
        notes = "".join(f'<div class="vmsg">{esc(n)}</div>' for n in row.video_notes)
        return (
            f'<td class="vid"><span class="badge v-missing">missing</span>'
            f'<div class="vmsg"><code>{esc(row.video_path)}</code></div>{notes}</td>'
        )
    return '<td class="vid muted">no video</td>'


def _episode_row(row: EpisodeRow, metric_keys: list[str], *, with_videos: bool) -> str:
    cells = [_video_cell(row)] if with_videos else []
    seed_num = int(row.seed) if _is_int_text(row.seed) else None
    cells += [
        f'<td class="id mono">{_id_markup(row.episode_id)}</td>',
        f'<td class="scn">{esc(row.scenario)}</td>',
        f'<td class="num" data-v="{_data_v(seed_num)}">{esc(row.seed)}</td>',
        f'<td data-v="{esc(row.outcome)}">{_outcome_badge(row.outcome)}</td>',
        f'<td class="num" data-v="{_data_v(row.steps)}">{_fmt_int(row.steps)}</td>',
    ]
    for key in metric_keys:
        value = row.metrics.get(key)
        cells.append(f'<td class="num" data-v="{_data_v(value)}">{_fmt(value)}</td>')
    wall = row.wall_time_s
    cells.append(f'<td class="num" data-v="{_data_v(wall)}">{_fmt(wall)}</td>')
    return (
        f'<tr data-id="{esc(row.episode_id)}" data-scenario="{esc(row.scenario)}" '
        f'data-outcome="{esc(row.outcome)}">{"".join(cells)}</tr>'
    )


def _id_markup(episode_id: str) -> str:
    """Escaped id with line-break opportunities after each ``__`` (ids are long)."""
    return "__<wbr>".join(esc(part) for part in episode_id.split("__"))


def _is_int_text(text: str) -> bool:
    return text.lstrip("-").isdigit() and text.count("-") <= 1 and text.isascii()


def _fmt_int(value: int | None) -> str:
    return "\u2014" if value is None else str(value)


def _sortable(label: str, *, numeric: bool, title: str = "") -> str:
    kind = "num" if numeric else "text"
    css = ' class="num"' if numeric else ""
    tip = f' title="{esc(title)}"' if title else ""
    return (
        f'<th{css} data-type="{kind}" aria-sort="none"{tip}>'
        f'<button type="button">{esc(label)}</button></th>'
    )


def _options(values: Iterable[str], all_label: str) -> str:
    opts = [f'<option value="">{esc(all_label)}</option>']
    opts += [f'<option value="{esc(v)}">{esc(v)}</option>' for v in values]
    return "".join(opts)


def _episodes_section(page: ReportPage, *, with_videos: bool) -> str:
    keys = _metric_columns(page.rows)
    heads = ["<th>Video</th>"] if with_videos else []
    heads += [
        _sortable("Episode", numeric=False),
        _sortable("Scenario", numeric=False),
        _sortable("Seed", numeric=True),
        _sortable("Outcome", numeric=False),
        _sortable("Steps", numeric=True),
    ]
    heads += [_sortable(_metric_label(k), numeric=True, title=k) for k in keys]
    heads.append(_sortable("Wall [s]", numeric=True, title="wall_time_s"))
    body = "".join(_episode_row(r, keys, with_videos=with_videos) for r in page.rows)
    scenarios = sorted({r.scenario for r in page.rows})
    outcomes = [o for o in _OUTCOMES if any(r.outcome == o for r in page.rows)]
    outcomes += sorted({r.outcome for r in page.rows} - set(_OUTCOMES))
    filters = (
        '<div class="filters">'
        f'<label>Scenario <select id="f-scenario">{_options(scenarios, "All")}</select></label>'
        f'<label>Outcome <select id="f-outcome">{_options(outcomes, "All")}</select></label>'
        '<label>Episode id <input id="f-id" type="search" placeholder="contains\u2026"></label>'
        f'<span class="count">Showing <strong id="shown">{len(page.rows)}</strong> of '
        f"{len(page.rows)} episodes</span></div>"
    )
    return (
        f"<section><h2>Episodes</h2>{filters}"
        f'<div class="panel"><table id="episodes"><thead><tr>{"".join(heads)}</tr></thead>'
        f"<tbody>{body}</tbody></table></div></section>"
    )


def _cards(page: ReportPage, *, with_videos: bool) -> str:
    t = page.total
    rate = t.success_rate
    low, high = t.success_ci
    cards = [
        ("Episodes", str(t.episodes), f"{len(page.summaries)} scenario(s)"),
        (
            "Success rate",
            "\u2014" if rate is None else f"{rate * 100:.0f}%",
            "" if rate is None else f"95% CI {low * 100:.0f}\u2013{high * 100:.0f}%",
        ),
        ("Collisions", str(t.collisions), ""),
        ("Timeouts", str(t.timeouts), ""),
    ]
    if with_videos:
        cards.append(("Videos", str(t.videos_written), _videos_text(t)))
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="k">{esc(k)}</div><div class="v">{esc(v)}</div>'
            f'<div class="s">{esc(s)}</div></div>'
            for k, v, s in cards
        )
        + "</div>"
    )


def _summary_data(page: ReportPage) -> dict[str, Any]:
    """Machine-readable copy of the summary table, for scripts that scrape reports."""

    def one(s: ScenarioSummary) -> dict[str, Any]:
        low, high = s.success_ci
        return {
            "scenario": s.scenario,
            "episodes": s.episodes,
            "successes": s.successes,
            "collisions": s.collisions,
            "timeouts": s.timeouts,
            "success_ci95": [round(low, 6), round(high, 6)],
            "mean_time_to_goal_s": s.mean_time_to_goal_s,
            "videos_written": s.videos_written,
            "videos_skipped": s.videos_skipped,
            "videos_missing": s.videos_missing,
        }

    return {
        "generator": f"robot_sf_gym_video {page.version}".strip(),
        "generated_utc": page.generated_utc,
        "scenarios": [one(s) for s in page.summaries],
        "total": one(page.total),
    }


def render_page(page: ReportPage) -> str:
    """Return the complete HTML document for ``page``."""
    with_videos = any(r.video_state is not VideoState.NONE for r in page.rows)
    problems = ""
    if page.problems:
        items = "".join(f"<li>{esc(p)}</li>" for p in page.problems)
        problems = (
            f'<div class="problems" role="alert">Some lines were skipped:<ul>{items}</ul></div>'
        )
    fps = page.default_fps
    fps_text = f"{fps:g}" if math.isfinite(fps) else "?"
    subtitle = f"{page.total.episodes} episodes \u00b7 generated {esc(page.generated_utc)}"
    if with_videos:
        subtitle += f" \u00b7 video durations at {fps_text} fps unless a record says otherwise"
    meta = json_for_script(_summary_data(page))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(content_security_policy())}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>Run report \u2014 {esc(page.title)}</title><style>{CSS}</style></head>"
        f'<body><main><header><h1>Run report: <span class="mono">{esc(page.title)}</span></h1>'
        f"<p>{subtitle}</p></header>{problems}"
        f"{_cards(page, with_videos=with_videos)}"
        f"{_summary_section(page, with_videos=with_videos)}"
        f"{metrics_summary_section(page.metric_rows)}"
        f"{_episodes_section(page, with_videos=with_videos)}"
        f"<footer>Written by robot_sf_gym_video {esc(page.version)}. Self-contained page: "
        "videos are loaded from <code>videos/</code> next to this file; nothing is fetched "
        "from the network.</footer></main>"
        f'<script type="application/json" id="report-summary">{meta}</script>'
        f"<script>{JS}</script></body></html>\n"
    )
