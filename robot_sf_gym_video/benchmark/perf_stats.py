"""The statistics of ``robot-sf-bench perf``: paired overheads, their interval, the verdict.

- ``RunFigures``: what one child run reports (one condition of one pair).
- ``ConditionPair``: the interleaved A/B runs of one worker count, summarised as the
  median paired overhead with a 95% bootstrap interval, plus the per-frame and per-step
  costs behind it.
- ``bootstrap_median_interval(values)``: percentile bootstrap of the median (seeded, so a
  given set of pairs always gives the same interval).
- ``PairedVerdict`` / ``judge_paired``: within budget, over budget, or inconclusive.

Why pairs and a median: on a shared 2-vCPU machine one pair's overhead swings by 10-15
points either way, so a single pair or the ratio of two medians can land anywhere; the
median over at least 9 pairs, with its interval, says both the figure and how sure it is.
Everything here is pure arithmetic, testable without timing.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from robot_sf_gym_video.benchmark.budget import enforce_requested

__all__ = [
    "ConditionPair",
    "PairedVerdict",
    "RunFigures",
    "bootstrap_median_interval",
    "judge_paired",
]

BOOTSTRAP_RESAMPLES = 10_000
_BOOTSTRAP_SEED = 20261201


@dataclass
class RunFigures:
    """What one child run reports (one condition, one repeat).

    Attributes:
        cpu_s: CPU seconds of the batch's own process (the env loop with one worker).
        children_cpu_s: CPU seconds of its reaped children: with one worker, the recorder
            process from fork to exit (start-up, every frame, every file's finalising).
    """

    video: bool
    workers: int
    wall_s: float
    episodes: int
    steps: int
    peak_rss_mb: float
    peak_child_rss_mb: float
    cpu_s: float = 0.0
    children_cpu_s: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


def bootstrap_median_interval(
    values: Sequence[float], level: float = 0.95, resamples: int = BOOTSTRAP_RESAMPLES
) -> tuple[float, float]:
    """Return the percentile-bootstrap ``level`` interval of the median of ``values``."""
    if not values:
        raise ValueError("no values")
    if len(values) == 1:
        return values[0], values[0]
    rng = random.Random(_BOOTSTRAP_SEED)
    n = len(values)
    medians = sorted(statistics.median(rng.choices(values, k=n)) for _ in range(resamples))
    tail = (1.0 - level) / 2.0
    low = medians[int(tail * (resamples - 1))]
    high = medians[round((1.0 - tail) * (resamples - 1))]
    return low, high


@dataclass(frozen=True)
class PairedVerdict:
    """The budget judged on the median paired overhead and its interval.

    Attributes:
        median_pct: Median paired overhead in percent.
        low_pct: Lower end of its 95% interval.
        high_pct: Upper end of its 95% interval.
        budget_pct: The allowed overhead.
        enforce: ``ROBOT_SF_PERF_ENFORCE=1`` was set.
    """

    median_pct: float
    low_pct: float
    high_pct: float
    budget_pct: float
    enforce: bool

    @property
    def inconclusive(self) -> bool:
        """True when the interval straddles the budget: these pairs cannot settle it."""
        return self.low_pct <= self.budget_pct < self.high_pct

    @property
    def over_budget(self) -> bool:
        """True when the median is over the budget."""
        return self.median_pct > self.budget_pct

    @property
    def status(self) -> str:
        """``within budget``, ``over budget`` or ``inconclusive``."""
        if self.inconclusive:
            return "inconclusive"
        return "over budget" if self.over_budget else "within budget"

    @property
    def exit_code(self) -> int:
        """1 only for a conclusive breach with enforcement on (an interval never flakes)."""
        return 1 if self.enforce and self.over_budget and not self.inconclusive else 0

    def line(self) -> str:
        """One line for the user."""
        text = (
            f"video overhead: median {self.median_pct:+.2f}% "
            f"(95% interval {self.low_pct:+.2f}% to {self.high_pct:+.2f}%), "
            f"budget {self.budget_pct:g}%: {self.status}"
        )
        if self.inconclusive:
            text += f" (the interval straddles {self.budget_pct:g}%; run more --repeats)"
        return text


def judge_paired(
    median_pct: float, low_pct: float, high_pct: float, budget_pct: float
) -> PairedVerdict:
    """Judge a median paired overhead and its interval; enforcement from the environment."""
    return PairedVerdict(median_pct, low_pct, high_pct, budget_pct, enforce_requested())


def _per(total: float, count: int, scale: float = 1000.0) -> float | None:
    return round(scale * total / count, 4) if count else None


@dataclass
class ConditionPair:
    """Interleaved runs of one worker count, without and with video."""

    workers: int
    without_video: list[RunFigures]
    with_video: list[RunFigures]

    @property
    def pair_overheads_pct(self) -> list[float]:
        """Overhead of each A/B pair, in percent of its no-video run."""
        return [
            100.0 * (b.wall_s - a.wall_s) / a.wall_s
            for a, b in zip(self.without_video, self.with_video, strict=True)
        ]

    def costs(self) -> dict[str, float | None]:
        """Median per-frame and per-step costs.

        ``env_thread_ms_per_step`` is the wall time the env's loop spent in the video
        wrapper beyond the env itself (hand-over plus any wait for a recorder behind);
        ``env_cpu_extra_ms_per_step`` is the extra CPU of the env's process with video,
        which also holds the slow-down of sharing the machine with the recorder.
        """
        off, on = self.without_video, self.with_video
        steps = on[0].steps

        def med(runs: list[RunFigures], value: Any) -> float:
            return statistics.median(value(r) for r in runs)

        summaries = [r.summary for r in on]
        recorder = extra_cpu = None
        if self.workers == 1:
            # One worker: the only children are the recorder (and the encoder probe); with
            # more, the workers' env loops are children too, so nothing is split out.
            recorder = _per(med(on, lambda r: r.children_cpu_s), steps)
            extra_cpu = _per(med(on, lambda r: r.cpu_s) - med(off, lambda r: r.cpu_s), steps)
        return {
            "recorder_cpu_ms_per_frame": recorder,
            "env_thread_ms_per_step": _median_of(summaries, "video_caller_ms_per_step"),
            "env_cpu_extra_ms_per_step": extra_cpu,
            "step_wall_ms_without_video": _per(med(off, lambda r: r.wall_s), steps),
            "step_cpu_ms_without_video": _per(
                med(off, lambda r: r.cpu_s + r.children_cpu_s), steps
            ),
            "finalize_ms_per_episode": _median_of(summaries, "video_finalize_ms_per_episode"),
        }

    def to_dict(self) -> dict[str, Any]:
        """Summarise the paired overhead (median, interval, spread) and the costs."""
        pairs = self.pair_overheads_pct
        low, high = bootstrap_median_interval(pairs)
        wall_a = statistics.median(r.wall_s for r in self.without_video)
        wall_b = statistics.median(r.wall_s for r in self.with_video)
        return {
            "workers": self.workers,
            "pairs": len(pairs),
            "steps_per_run": self.with_video[0].steps,
            "episodes_per_run": self.with_video[0].episodes,
            "median_wall_s_without_video": round(wall_a, 4),
            "median_wall_s_with_video": round(wall_b, 4),
            "overhead_pct": round(statistics.median(pairs), 2),
            "overhead_interval_pct": [round(low, 2), round(high, 2)],
            "pair_overheads_pct": [round(p, 2) for p in pairs],
            "ratio_of_medians_overhead_pct": round(100.0 * (wall_b - wall_a) / wall_a, 2),
            **self.costs(),
            "peak_rss_mb_without_video": max(r.peak_rss_mb for r in self.without_video),
            "peak_rss_mb_with_video": max(r.peak_rss_mb for r in self.with_video),
            "peak_child_rss_mb_with_video": max(r.peak_child_rss_mb for r in self.with_video),
        }


def _median_of(summaries: list[dict[str, Any]], key: str) -> float | None:
    values = [s[key] for s in summaries if isinstance(s.get(key), (int, float))]
    return round(statistics.median(values), 4) if values else None
