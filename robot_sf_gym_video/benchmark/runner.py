"""``run_batch``: the benchmark runner behind ``robot-sf-bench run``.

- ``run_batch(out_dir, ...)``: run a batch and return its ``BatchSummary``.
- ``run_config(config)``: the same for an already checked ``RunConfig`` (what the CLI
  builds once from its flags and config file).

Order of work, so that no user mistake costs an episode: validate every option
(``RunConfig.build``) and every scenario, plan the episodes (derived seeds and ids),
create or check the run directory (refuse / ``--overwrite`` / ``--resume``), then run.
Records are written by this process only, each one validated against the schema and
appended (one fsynced line) as soon as the episode is over and, with video on, its MP4 is
final; episodes whose video is still being finalised wait, the others do not.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from robot_sf_gym_video import __version__
from robot_sf_gym_video.benchmark.actions import write_action_log
from robot_sf_gym_video.benchmark.config import RunConfig
from robot_sf_gym_video.benchmark.events import (
    EpisodeDone,
    EpisodeFailed,
    VideoDone,
    WorkerCost,
    WorkersKnown,
)
from robot_sf_gym_video.benchmark.executor import execute
from robot_sf_gym_video.benchmark.guard import RunDirLock
from robot_sf_gym_video.benchmark.interrupts import (
    BatchInterrupted,
    interruptible,
    last_signal,
    shielded,
)
from robot_sf_gym_video.benchmark.manifest import build_manifest, start_manifest
from robot_sf_gym_video.benchmark.options import RUN_OPTIONS
from robot_sf_gym_video.benchmark.plan import EpisodeSpec, build_plan
from robot_sf_gym_video.benchmark.progress import Progress
from robot_sf_gym_video.benchmark.ray_backend import RaySummary, execute_ray, require_ray
from robot_sf_gym_video.benchmark.rundir import (
    ResumeState,
    RunPaths,
    create_run_dir,
    prepare_run_dir,
    remove_partial_videos,
    resume_run,
)
from robot_sf_gym_video.benchmark.summary import BatchSummary
from robot_sf_gym_video.benchmark.worker import EpisodeResult, WorkerSettings
from robot_sf_gym_video.fileops import warn_once
from robot_sf_gym_video.records.jsonl import RecordWriter, read_records
from robot_sf_gym_video.records.model import EpisodeRecord
from robot_sf_gym_video.records.schema import check_record
from robot_sf_gym_video.render.registry import RendererChoice
from robot_sf_gym_video.video.artifact import is_no_result, no_result_skip
from robot_sf_gym_video.video.naming import check_scenario_name
from robot_sf_gym_video.video.supervise import DEFAULT_STALL_TIMEOUT_S

if TYPE_CHECKING:
    from robot_sf_gym_video.sim.scenarios import ScenarioSpec

__all__ = ["run_batch", "run_config"]

logger = logging.getLogger(__name__)

DEFAULT_SCENARIOS: tuple[str, ...] = ("crossing",)


def run_batch(
    out_dir: str | os.PathLike[str],
    scenarios: Sequence[str] | str | None = None,
    episodes: int = 1,
    seed: int = 0,
    max_steps: int | None = None,
    policy: Any = "goal",
    workers: int = 1,
    video_enabled: bool = False,
    video_renderer: RendererChoice = "synthetic",
    resume: bool = False,
    overwrite: bool = False,
    scenarios_file: str | os.PathLike[str] | None = None,
    video_size: tuple[int, int] | str | None = None,
    video_lidar: bool = False,
    video_stall_timeout_s: float = DEFAULT_STALL_TIMEOUT_S,
    progress: bool = False,
    report: bool = False,
    backend: Literal["local", "ray"] = "local",
    ray_address: str | None = None,
    video_episodes: str = "all",
) -> BatchSummary:
    """Run ``episodes`` episodes of each scenario and record them in ``out_dir``.

    Args:
        out_dir: Run directory; gets ``episodes.jsonl`` and, with video, ``videos/``.
        scenarios: Scenario names (one name may be given as a string). None: every
            scenario of ``scenarios_file``, or ``("crossing",)`` without a file.
        episodes: Episodes per scenario (>= 1).
        seed: Batch seed; each episode's seed is derived from it, the scenario and the
            episode index, and recorded.
        max_steps: Step limit per episode (>= 1); None keeps the scenario's own limit.
        policy: Robot policy: a spec string (a built-in name such as ``"goal"``,
            ``"package.module:attr"``, ``"path/to/file.py:attr"`` or
            ``"sb3:ALGO:path/to/model.zip"``), a factory ``attr(env)`` (any callable), or
            a ready policy object with ``predict``. ``workers > 1`` and Ray need a spec
            string or a picklable factory. See ``docs/policies.md``.
        workers: Worker processes (>= 1); 1 runs in this process.
        video_enabled: Film every episode to ``videos/<episode_id>.mp4``. Off by default.
        video_renderer: Frame source; ``"none"`` turns video off whatever ``video_enabled``.
        resume: Finish an interrupted run: keep complete episodes, run the others.
        overwrite: Delete this run's ``episodes.jsonl`` and ``videos/*.mp4`` first.
        scenarios_file: TOML file of user scenarios (searched before the built-ins).
        video_size: Frame size ``(width_px, height_px)`` or ``"WxH"``; None: default.
        video_lidar: Draw the robot's lidar rays in sim-view videos (off by default).
        video_stall_timeout_s: A video recorder that makes no progress for this many
            seconds is killed; its episode gets an ``encode-error`` skip and the worker
            starts a new recorder.
        progress: Show a tqdm bar on stderr (only when it is a terminal).
        report: Write ``report.html`` into ``out_dir`` at the end.
        backend: ``"local"`` runs episodes in ``workers`` processes here; ``"ray"`` runs
            each episode as a Ray task (``workers`` is then ignored: the cluster's CPUs
            decide) and puts episodes that still fail after Ray's retries into the
            summary's ``failures`` instead of aborting (see ``docs/scaling.md``).
        ray_address: Ray cluster to connect to; None starts a local Ray instance.
        video_episodes: With video on, which episodes to film: ``"all"``, ``"failures"``
            (outcome other than success; each episode's snapshots are held and sent to
            the recorder at its end if it failed), ``"first:N"`` or ``"every:K"`` (per
            scenario by ``episode_idx``: ``idx < N``, ``idx % K == 0``). The others get
            ``video_skip`` ``not-selected`` and can be filmed later with
            ``robot-sf-bench film``.

    Returns:
        The batch summary (episodes by outcome, videos, skips, timings, budget figures).

    Raises:
        UsageError: a bad option or policy spec, unknown scenario, malformed scenario file, a run
            directory that cannot be created or already holds records (without
            ``resume``/``overwrite``); raised before any episode runs.
        DependencyNotInstalled: ``backend="ray"`` without ray installed, or an ``sb3:``
            policy without stable-baselines3.
        BatchInterrupted: SIGINT or SIGTERM stopped the batch (a ``KeyboardInterrupt``);
            every child process is stopped, the episode in flight is discarded and the run
            can be finished with ``resume``.
    """
    arguments = locals()  # exactly the parameters: RUN_OPTIONS' names (a test checks)
    return run_config(RunConfig.build(**{name: arguments[name] for name in RUN_OPTIONS}))


def run_config(config: RunConfig) -> BatchSummary:
    """Run the batch ``config`` describes (``run_batch`` once its arguments are checked).

    The CLI calls this with the one ``RunConfig`` it built from flags and config file.
    """
    started = time.perf_counter()
    if config.backend == "ray":
        require_ray()  # before the run directory is touched
        if config.workers > 1:
            logger.warning("workers=%d is ignored with backend 'ray'", config.workers)
    specs = _scenario_specs(config)
    plan = build_plan([s.name for s in specs], config.episodes, config.seed)
    manifest = build_manifest(config, specs)
    paths = create_run_dir(config)
    with RunDirLock(paths.run_dir), interruptible():
        try:
            prepare_run_dir(config, plan)
            start_manifest(paths.run_dir, manifest, resume=config.resume)
            summary = _run_locked(config, paths, plan)
        except KeyboardInterrupt:
            with shielded():
                remove_partial_videos(paths)
                raise _interrupted(paths, plan) from None
        remove_partial_videos(paths)  # every writer has stopped: no temp file may remain
        summary.wall_time_s = time.perf_counter() - started
        if config.report:
            summary.report_path = _write_report(paths.run_dir)
    return summary


def _run_locked(config: RunConfig, paths: RunPaths, plan: Sequence[EpisodeSpec]) -> BatchSummary:
    """Resume or start the batch in a prepared, locked run directory."""
    state = resume_run(paths, plan, config) if config.resume else ResumeState(list(plan), 0)
    summary_type = RaySummary if config.backend == "ray" else BatchSummary
    summary = summary_type(
        run_dir=str(paths.run_dir),
        episodes_planned=len(plan),
        episodes_skipped_resume=state.kept,
        video_on=config.video_on,
        workers=max(1, min(config.workers, len(state.to_run))),
    )
    with (
        RecordWriter(paths.records) as writer,
        Progress(len(state.to_run), enabled=config.progress, initial=state.kept) as bar,
    ):
        _Collector(config, paths, writer, summary, bar).run(state.to_run)
    return summary


def _interrupted(paths: RunPaths, plan: Sequence[EpisodeSpec]) -> BatchInterrupted:
    """Count the planned episodes the records file holds, for the one-line message."""
    planned = {spec.episode_id for spec in plan}
    recorded = {
        record.get("episode_id")
        for _, record in read_records(paths.records).records
        if record.get("episode_id") in planned
    }
    return BatchInterrupted(last_signal(), len(recorded), len(plan))


def _scenario_specs(config: RunConfig) -> list[ScenarioSpec]:
    """Resolve and check the scenarios before anything is created."""
    from robot_sf_gym_video.sim.scenarios import load_scenario, load_scenario_file

    if config.scenarios is not None:
        names = config.scenarios
    elif config.scenarios_file is not None:
        names = tuple(load_scenario_file(config.scenarios_file))
    else:
        names = DEFAULT_SCENARIOS
    for name in names:
        check_scenario_name(name)
    return [load_scenario(name, config.scenarios_file) for name in names]


class _Collector:
    """Turn executor events into records: pair each episode with its video, then write."""

    def __init__(
        self,
        config: RunConfig,
        paths: RunPaths,
        writer: RecordWriter,
        summary: BatchSummary,
        bar: Progress,
    ) -> None:
        self.config, self.paths, self.writer = config, paths, writer
        self.summary, self.bar = summary, bar
        self.waiting: dict[str, EpisodeResult] = {}  # episode done, video still pending
        self.early: dict[str, dict[str, Any]] = {}  # video reported before its episode

    def run(self, specs: Sequence[Any]) -> None:
        settings = WorkerSettings(
            scenarios_file=_abs(self.config.scenarios_file),
            max_steps=self.config.max_steps,
            policy=self.config.policy,
            video=self.config.video,
            video_dir=str(self.paths.videos) if self.config.video_on else None,
        )
        if self.config.backend == "ray":
            source = execute_ray(specs, settings, self.config.ray_address)
        else:
            source = execute(specs, settings, self.config.workers)
        # closing(): on any error here, workers and recorders are shut down at once.
        with contextlib.closing(source) as events:
            for event in events:
                match event:
                    case EpisodeDone(result):
                        self._episode(result)
                    case VideoDone(episode_id, payload):
                        self._artifact(episode_id, payload)
                    case WorkerCost(cost):
                        self.summary.video_cost.merge(cost)
                    case WorkersKnown(count):  # Ray: the cluster's CPUs, once connected
                        self.summary.workers = count
                    case EpisodeFailed(failure):  # no record; --resume runs it again
                        self.summary.failures.append(failure)
                        self.bar.episode_finished("failed")
                    case _:
                        raise TypeError(f"unknown runner event {event!r}")
        for episode_id, result in list(self.waiting.items()):
            logger.error("no video result arrived for %s; recording it as skipped", episode_id)
            cause = "its worker finished without reporting it"
            skip = no_result_skip(self.config.video_renderer, result.steps, cause)
            self._write(result, {"video_skip": skip})

    def _episode(self, result: EpisodeResult) -> None:
        episode_id = result.spec.episode_id
        if not self.config.video_on:
            self._write(result, None)
        elif result.video is not None:
            self._write(result, result.video)
        elif episode_id in self.early:
            self._write(result, self.early.pop(episode_id))
        else:
            self.waiting[episode_id] = result

    def _artifact(self, episode_id: str, payload: dict[str, Any]) -> None:
        result = self.waiting.pop(episode_id, None)
        if result is None:
            self.early[episode_id] = payload
        else:
            self._write(result, payload)

    def _write(self, result: EpisodeResult, payload: dict[str, Any] | None) -> None:
        actions = None  # the log goes first: a record never names a missing file
        if result.actions is not None:
            actions = write_action_log(self.paths.run_dir, result.spec.episode_id, result.actions)
        record = self._record(result, payload, actions)
        check_record(record)
        self.writer.write(record)
        summary = self.summary
        summary.episodes_run += 1
        summary.steps += result.steps
        summary.outcomes[result.outcome] += 1
        if "video" in record:
            summary.videos_written += 1
        if "video_skip" in record:
            skip = record["video_skip"]
            summary.video_skips[skip["reason"]] += 1
            if is_no_result(skip):  # a recorder died or stalled: say so once per recorder
                warn_once(logger, skip["message"], "no video for %s: %s; later episodes use a "
                          "new recorder", result.spec.episode_id, skip["message"])  # fmt: skip
            logger.info(
                "%s: no video (%s, renderer %s, %d steps): %s",
                result.spec.episode_id,
                skip["reason"],
                skip["renderer"],
                skip["steps"],
                skip["message"],
            )
        self.bar.episode_finished(result.outcome)

    def _record(
        self,
        result: EpisodeResult,
        payload: dict[str, Any] | None,
        actions: dict[str, Any] | None,
    ) -> dict[str, Any]:
        spec, config = result.spec, self.config
        video = video_skip = None
        if payload is not None and "video" in payload:
            video = {**payload["video"], "path": self._relative(payload["video"]["path"])}
        elif payload is not None:
            video_skip = payload["video_skip"]
        return EpisodeRecord(
            episode_id=spec.episode_id,
            scenario=spec.scenario,
            seed=spec.seed,
            episode_idx=spec.episode_idx,
            steps=result.steps,
            outcome=result.outcome,
            metrics=result.metrics,
            wall_time_s=result.wall_time_s,
            base_seed=config.seed,
            policy=config.policy.spec,
            policy_sha256=config.policy.sha256,
            max_steps=config.max_steps,
            video_renderer=config.video.renderer if config.video is not None else None,
            package_version=__version__,
            video=video,
            video_skip=video_skip,
            actions=actions,
            events=result.events,
        ).to_dict()

    def _relative(self, path: str) -> str:
        """Express a video path relative to the run directory, with POSIX separators."""
        absolute = Path(path).resolve()
        return Path(os.path.relpath(absolute, self.paths.run_dir)).as_posix()


def _abs(path: Path | None) -> str | None:
    return None if path is None else str(Path(path).resolve())


def _write_report(run_dir: Path) -> str | None:
    """Write ``report.html``; a missing or failing report module only warns."""
    try:
        from robot_sf_gym_video.report import write_report
    except ImportError as exc:
        logger.warning("no report written: the report module is unavailable (%s)", exc)
        return None
    try:
        return str(write_report(run_dir))
    except Exception as exc:  # the batch is done; a report failure must not undo it
        logger.warning("no report written: %s", exc)
        return None
