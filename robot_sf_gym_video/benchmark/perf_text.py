"""The terminal report of ``robot-sf-bench perf``, apart from the measurement itself.

- ``judgeable(figures)``: whether a condition's pairs may be judged against the budget.
- ``format_sample(sample, budget_pct)``: the human-readable report of a ``PerfSample``.
- ``MIN_JUDGED_PAIRS``: fewest pairs that are judged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from robot_sf_gym_video.benchmark.budget import DEFAULT_BUDGET_PCT
from robot_sf_gym_video.benchmark.perf_stats import judge_paired

if TYPE_CHECKING:
    from robot_sf_gym_video.benchmark.perf import PerfSample

__all__ = ["MIN_JUDGED_BATCH_S", "MIN_JUDGED_PAIRS", "format_sample", "judgeable"]

#: Fewest pairs whose median and interval are judged against the budget.
MIN_JUDGED_PAIRS = 3
#: Shortest no-video batch (median wall seconds) whose pairs are judged. Calibration aims
#: at ``--min-seconds`` (5 s), but later runs may come in faster than the calibrating
#: probe; start-up is a small share of any batch of a few seconds, and ``--quick``
#: (~0.5 s) stays far below this.
MIN_JUDGED_BATCH_S = 2.0


def judgeable(figures: dict[str, Any]) -> bool:
    """Return True when enough pairs of a long enough batch can judge an overhead.

    A batch of a fraction of a second measures start-up, not video, and one or two pairs
    say nothing on a shared machine: those print per-frame figures only.
    """
    return (
        figures["pairs"] >= MIN_JUDGED_PAIRS
        and figures["median_wall_s_without_video"] >= MIN_JUDGED_BATCH_S
    )


def _fmt(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:.4f} {unit}"


def _figure_lines(title: str, figures: dict[str, Any], budget_pct: float) -> list[str]:
    lines = [
        f"[{title}] workers={figures['workers']} pairs={figures['pairs']} "
        f"episodes/run={figures['episodes_per_run']} steps/run={figures['steps_per_run']}",
        f"  median wall: without video {figures['median_wall_s_without_video']:.3f} s, "
        f"with video {figures['median_wall_s_with_video']:.3f} s",
        f"  step cost without video: {_fmt(figures['step_wall_ms_without_video'], 'ms')} wall, "
        f"{_fmt(figures['step_cpu_ms_without_video'], 'ms')} CPU",
        f"  recorder CPU per frame: {_fmt(figures['recorder_cpu_ms_per_frame'], 'ms')} "
        "(recorder process from start to exit, every file finalised)",
        f"  env thread per step: {_fmt(figures['env_thread_ms_per_step'], 'ms')} wall in the "
        f"wrapper; env process CPU {_fmt(figures['env_cpu_extra_ms_per_step'], 'ms')} more "
        "than without video",
        f"  finalise wait per episode: {_fmt(figures['finalize_ms_per_episode'], 'ms')}",
        f"  peak RSS MB: without {figures['peak_rss_mb_without_video']}, with "
        f"{figures['peak_rss_mb_with_video']} "
        f"(largest child {figures['peak_child_rss_mb_with_video']})",
    ]
    if judgeable(figures):
        low, high = figures["overhead_interval_pct"]
        verdict = judge_paired(figures["overhead_pct"], low, high, budget_pct)
        pairs = ", ".join(f"{p:+.1f}" for p in figures["pair_overheads_pct"])
        lines += [f"  {verdict.line()}", f"  pairs (%): {pairs}"]
    else:
        lines.append(
            f"  overhead not judged: {figures['pairs']} pair(s) of "
            f"{figures['median_wall_s_without_video']:.2f} s batches (needs >= "
            f"{MIN_JUDGED_PAIRS} pairs of >= {MIN_JUDGED_BATCH_S:g} s); see the per-frame "
            "figures above"
        )
    return lines


def format_sample(sample: PerfSample, budget_pct: float = DEFAULT_BUDGET_PCT) -> str:
    """Human-readable report of the sample for the terminal."""
    machine = sample.machine
    packages = machine.get("packages", {})
    lines = [
        f"machine: {machine['cpu_model']} ({machine['logical_cores']} cores), "
        f"{machine['os']}, Python {machine['python']}, measured {machine.get('measured_at')}",
        "versions: " + ", ".join(f"{k} {v}" for k, v in packages.items() if v),
    ]
    for title, figures in (
        ("1 worker", sample.single_worker),
        ("all cores busy", sample.all_cores_busy),
    ):
        if figures:
            lines += _figure_lines(title, figures, budget_pct)
    return "\n".join(lines)
