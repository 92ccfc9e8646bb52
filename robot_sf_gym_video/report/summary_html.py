"""The report's metrics-summary table: ``summary``'s numbers, one row per scenario.

- ``metrics_summary_section(rows)``: the ``<section>`` markup for ``run_summary`` rows.

The numbers come from ``run_summary.summarize_metrics`` unchanged, so the page, the CLI
table and the CSV always agree; this module only lays them out (scenarios as rows,
metrics as columns) and escapes them.
"""

from __future__ import annotations

from collections.abc import Sequence

from robot_sf_gym_video.report.escaping import esc
from robot_sf_gym_video.report.run_summary import OVERALL, MetricRow, format_number

__all__ = ["metrics_summary_section"]


def _cell(row: MetricRow | None) -> str:
    if row is None or row.mean is None:
        return '<td class="num muted">\u2014</td>'
    ci = ""
    if row.ci_low is not None:
        ci = f"[{format_number(row.ci_low)}\u2013{format_number(row.ci_high)}]"
    return (
        f'<td class="num" data-v="{esc(repr(row.mean))}">{esc(format_number(row.mean))} '
        f'<span class="ci-text">{esc(ci)} n={row.n}</span></td>'
    )


def metrics_summary_section(rows: Sequence[MetricRow]) -> str:
    """Return the metrics-summary section (empty string when there are no rows)."""
    if not rows:
        return ""
    metrics = list(dict.fromkeys(r.metric for r in rows))
    by_key = {(r.scenario, r.metric): r for r in rows}
    scenarios = list(dict.fromkeys(r.scenario for r in rows))
    if len(scenarios) == 2:  # one scenario and its identical total: show the scenario only
        scenarios = scenarios[:1]
    head = "<th>Scenario</th>" + "".join(
        f'<th class="num"><code>{esc(m)}</code></th>' for m in metrics
    )
    body = []
    for scenario in scenarios:
        name = "All scenarios" if scenario == OVERALL else scenario
        css = ' class="total"' if scenario == OVERALL else ""
        cells = "".join(_cell(by_key.get((scenario, m))) for m in metrics)
        body.append(f'<tr{css}><td class="scn">{esc(name)}</td>{cells}</tr>')
    return (
        '<section><h2>Metrics</h2><div class="panel"><table id="metrics-summary">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        '<p class="ci-text">Rates with Wilson 95% intervals; means with Student-t 95% '
        "intervals; n = episodes with the value. <code>path_efficiency</code> and "
        "<code>time_to_goal_s</code> exist for successful episodes only. The same table: "
        "<code>robot-sf-bench summary DIR --csv FILE</code>.</p></section>"
    )
