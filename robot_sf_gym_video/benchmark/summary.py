"""What a batch did, in numbers: the value ``run_batch`` returns and the CLI prints.

- ``VideoCost``: time the video path cost the episode loop (measured, not guessed).
- ``BatchSummary``: episodes by outcome, videos written, skips by reason, resume skips,
  wall time, encode ms/frame, estimated video overhead and the budget verdict.

The overhead here is an *estimate* from one run: the time the env's own loop spent in
video work (per-step hand-off and back-pressure, recorder start-up, waiting for the last
files) relative to the rest of the batch. The paired with/without figure that the budget
is published for comes from ``robot-sf-bench perf``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from robot_sf_gym_video.benchmark.budget import DEFAULT_BUDGET_PCT, judge_overhead

__all__ = ["MIN_JUDGED_WALL_S", "BatchSummary", "EpisodeFailure", "VideoCost"]

#: Shortest batch (wall seconds) whose estimated video overhead is judged against the budget.
MIN_JUDGED_WALL_S = 5.0


@dataclasses.dataclass
class VideoCost:
    """Seconds the episode loop spent on video, accumulated over the batch.

    Attributes:
        setup_s: Creating the video wrapper(s) (recorder and encoder start-up).
        caller_s: Extra time of ``reset``/``step`` through the wrapper compared with the
            bare env underneath (hand-off and any back-pressure from the encoder).
        drain_s: Waiting for the last videos after the last episode.
        frames: Frames handed to the recorder.
        encode_s: CPU seconds the recorder and its ffmpeg spent (the wrapper's
            ``video_stats["encode_cpu_ms"]``), on the other core when there is one.
        encoded_frames: Frames covered by ``encode_s``.
    """

    setup_s: float = 0.0
    caller_s: float = 0.0
    drain_s: float = 0.0
    frames: int = 0
    encode_s: float = 0.0
    encoded_frames: int = 0

    def merge(self, other: VideoCost) -> None:
        """Add another worker's figures to these."""
        for name in ("setup_s", "caller_s", "drain_s", "encode_s"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.frames += other.frames
        self.encoded_frames += other.encoded_frames

    @property
    def critical_path_s(self) -> float:
        """Seconds the episode loop waited for video work."""
        return self.setup_s + self.caller_s + self.drain_s


@dataclasses.dataclass(frozen=True)
class EpisodeFailure:
    """An episode that ran but could not be recorded (e.g. its Ray task failed after retries).

    Attributes:
        episode_id: The episode's id (``--resume`` runs it again).
        error: One line: the exception type and message.
    """

    episode_id: str
    error: str

    def to_dict(self) -> dict[str, str]:
        """Return the failure as a JSON object."""
        return {"episode_id": self.episode_id, "error": self.error}


@dataclasses.dataclass
class BatchSummary:
    """Result of ``run_batch``.

    Attributes:
        run_dir: The run directory.
        episodes_planned: Episodes in the batch (including ones skipped by resume).
        episodes_run: Episodes executed by this call.
        episodes_skipped_resume: Episodes already complete, skipped by ``--resume``.
        outcomes: Episodes run, by outcome.
        steps: Steps executed by this call.
        video_on: Whether episodes were filmed.
        videos_written: MP4 files made.
        video_skips: Episodes without an MP4, by ``video_skip.reason``.
        wall_time_s: Wall time of the whole call.
        workers: Worker processes used.
        video_cost: Measured video cost of the episode loop.
        budget_pct: Allowed video overhead in percent.
        report_path: ``report.html`` when one was written.
        failures: Episodes without a record, in the order they failed (the CLI exits 1
            when there are any; the local backend aborts instead, so its list stays empty).
    """

    run_dir: str
    episodes_planned: int
    episodes_run: int = 0
    episodes_skipped_resume: int = 0
    outcomes: Counter[str] = dataclasses.field(default_factory=Counter)
    steps: int = 0
    video_on: bool = False
    videos_written: int = 0
    video_skips: Counter[str] = dataclasses.field(default_factory=Counter)
    wall_time_s: float = 0.0
    workers: int = 1
    video_cost: VideoCost = dataclasses.field(default_factory=VideoCost)
    budget_pct: float = DEFAULT_BUDGET_PCT
    report_path: str | None = None
    failures: list[EpisodeFailure] = dataclasses.field(default_factory=list)

    @property
    def encode_ms_per_frame(self) -> float | None:
        """Return recorder CPU ms per encoded frame (None when no video was made).

        Without recorder figures, the episode loop's video time per frame is used instead.
        """
        cost = self.video_cost
        if cost.encoded_frames:
            return 1000.0 * cost.encode_s / cost.encoded_frames
        if self.videos_written and cost.frames:
            return 1000.0 * cost.critical_path_s / cost.frames
        return None

    @property
    def video_caller_ms_per_step(self) -> float | None:
        """Extra ms per step the env's loop paid for video (hand-off + back-pressure)."""
        if not (self.video_on and self.steps):
            return None
        return 1000.0 * self.video_cost.caller_s / self.steps

    @property
    def video_finalize_ms_per_episode(self) -> float | None:
        """Ms per episode the loop waited for finished files (None: video off).

        Files are finalised in the background, so the loop only waits when a scenario's
        env is swapped and at the end of the batch; this is that wait, per episode.
        """
        if not (self.video_on and self.episodes_run):
            return None
        return 1000.0 * self.video_cost.drain_s / self.episodes_run

    @property
    def budget_judgeable(self) -> bool:
        """True when the batch is long enough for its overhead estimate to mean something.

        Recorder start-up and the last file's finalisation are fixed costs: on a batch of a
        few seconds they dominate the estimate, so short batches report the figure without
        judging it (``robot-sf-bench perf`` measures the real, paired figure).
        """
        return self.wall_time_s >= MIN_JUDGED_WALL_S

    @property
    def estimated_overhead_pct(self) -> float | None:
        """Estimated video overhead in percent of the batch without video (None: video off).

        ``critical / (wall - critical)`` where ``critical`` is the time the episode loop
        spent on video, summed over workers and divided by their number.
        """
        if not (self.video_on and self.episodes_run):
            return None
        critical = self.video_cost.critical_path_s / max(self.workers, 1)
        base = max(self.wall_time_s - critical, 1e-9)
        return 100.0 * critical / base

    @property
    def over_budget(self) -> bool:
        """True when the batch is judgeable and its estimated overhead exceeds the budget."""
        if not self.budget_judgeable:
            return False
        return judge_overhead(self.estimated_overhead_pct, self.budget_pct).over_budget

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of every figure (used by ``perf`` and scripts)."""

        def rounded(value: float | None, digits: int = 4) -> float | None:
            return None if value is None else round(value, digits)

        return {
            "run_dir": self.run_dir,
            "episodes_planned": self.episodes_planned,
            "episodes_run": self.episodes_run,
            "episodes_skipped_resume": self.episodes_skipped_resume,
            "outcomes": dict(sorted(self.outcomes.items())),
            "steps": self.steps,
            "workers": self.workers,
            "video_on": self.video_on,
            "videos_written": self.videos_written,
            "video_skips": dict(sorted(self.video_skips.items())),
            "wall_time_s": rounded(self.wall_time_s),
            "encode_ms_per_frame": rounded(self.encode_ms_per_frame),
            "video_caller_ms_per_step": rounded(self.video_caller_ms_per_step),
            "video_setup_s": rounded(self.video_cost.setup_s) if self.video_on else None,
            "video_drain_s": rounded(self.video_cost.drain_s) if self.video_on else None,
            "video_finalize_ms_per_episode": rounded(self.video_finalize_ms_per_episode),
            "budget_judgeable": self.budget_judgeable,
            "estimated_overhead_pct": rounded(self.estimated_overhead_pct, 2),
            "budget_pct": self.budget_pct,
            "over_budget": self.over_budget,
            "report_path": self.report_path,
        }

    def lines(self) -> list[str]:
        """Human-readable summary, one fact per line (printed by the CLI)."""
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items())) or "none"
        out = [
            f"run directory: {self.run_dir}",
            f"episodes: {self.episodes_run} run ({outcomes}), "
            f"{self.episodes_skipped_resume} already complete, {self.episodes_planned} planned",
            f"steps: {self.steps} in {self.wall_time_s:.2f} s with {self.workers} worker(s)",
        ]
        if not self.video_on:
            out.append("video: off")
            return out
        skips = ", ".join(f"{k} {v}" for k, v in sorted(self.video_skips.items())) or "none"
        out.append(f"videos written: {self.videos_written}; skipped: {skips}")
        encode = self.encode_ms_per_frame
        caller = self.video_caller_ms_per_step
        overhead = self.estimated_overhead_pct
        per_frame = (
            f"{encode:.3f} ms recorder CPU per frame" if encode is not None else "encode n/a"
        ) + (f", {caller:.4f} ms per step in the env's loop" if caller is not None else "")
        if self.budget_judgeable and overhead is not None:
            out.append(
                f"video cost: {per_frame}, estimated overhead {overhead:.1f}% "
                f"(budget {self.budget_pct:g}%; paired figure: robot-sf-bench perf)"
            )
        else:
            out.append(f"video cost: {per_frame}")
            out.append(
                f"budget not judged: the batch ran {self.wall_time_s:.1f} s, under "
                f"{MIN_JUDGED_WALL_S:g} s, where start-up dominates; the paired figure "
                "comes from robot-sf-bench perf"
            )
        return out
