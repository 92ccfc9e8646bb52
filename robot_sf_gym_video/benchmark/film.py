"""``robot-sf-bench film``: film chosen episodes of a finished run by replaying their actions.

- ``film_run(run_dir, episodes=..., video_renderer=..., video_size=..., video_lidar=...,
  workers=...)``: replay each chosen episode from its scenario, seed, step limit and action
  log, with no policy, and film it; returns a ``FilmSummary``.
- ``FilmSummary``: what was filmed, where, and how long it took.

Where files go: at the run's own video settings (renderer, size, lidar; for a run made
without video, the defaults) to ``videos/``, and the records are updated (the file is
rewritten atomically, keeping its mode), exactly as if the episodes had been filmed live.
At any other setting to a sibling folder named after it, e.g. ``videos-sim-view-1280x720/``,
so ``videos/`` always matches the records.

Why replay is safe to present as the episode: each replay is filmed into a hidden staging
folder, and its file is moved into place only once the replayed steps, outcome and every
metric equal the record's. A replay that differs is an error naming the episode and the
first metric that differs; its file is deleted, never shown as that episode.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from robot_sf_gym_video.benchmark.actions import read_action_log
from robot_sf_gym_video.benchmark.config import VideoSettings
from robot_sf_gym_video.benchmark.events import EpisodeDone, VideoDone
from robot_sf_gym_video.benchmark.executor import execute
from robot_sf_gym_video.benchmark.film_plan import (
    check_scenarios,
    choose_records,
    own_settings,
    requested_settings,
    settings_folder,
    step_limit,
)
from robot_sf_gym_video.benchmark.guard import RunDirLock
from robot_sf_gym_video.benchmark.interrupts import interruptible
from robot_sf_gym_video.benchmark.manifest import load_manifest
from robot_sf_gym_video.benchmark.plan import EpisodeSpec
from robot_sf_gym_video.benchmark.replay import (
    Replayed,
    ReplayMismatch,
    first_difference,
    mismatch_message,
)
from robot_sf_gym_video.benchmark.worker import EpisodeResult, WorkerSettings
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.fileops import inside, temp_path_for
from robot_sf_gym_video.records.jsonl import RECORDS_FILENAME, read_records, rewrite_records
from robot_sf_gym_video.records.schema import check_record

__all__ = ["FilmSummary", "film_run"]

logger = logging.getLogger(__name__)

_STAGING_STEM = "film"  # staging folder: fileops temp name of DIR/film


@dataclasses.dataclass
class FilmSummary:
    """Result of ``film_run``.

    Attributes:
        run_dir: The run directory.
        folder: Where the videos went, relative to ``run_dir`` (``videos`` at the run's
            own settings).
        own_settings: True when the videos are the run's own (records were updated).
        video: The settings filmed at (size resolved).
        filmed: Episode ids filmed, in record order.
        frames: Frames encoded.
        wall_time_s: Wall time of the whole call.
    """

    run_dir: str
    folder: str
    own_settings: bool
    video: VideoSettings
    filmed: list[str] = dataclasses.field(default_factory=list)
    frames: int = 0
    wall_time_s: float = 0.0

    def lines(self) -> list[str]:
        """Return the lines the CLI prints."""
        if not self.filmed:
            return ["filmed 0 episodes: none matched the selection; nothing changed"]
        size = f"{self.video.size[0]}x{self.video.size[1]}" if self.video.size else "default"
        lidar = ", lidar" if self.video.lidar else ""
        per = self.wall_time_s / len(self.filmed)
        where = "records updated" if self.own_settings else "records unchanged (other settings)"
        return [
            f"filmed {len(self.filmed)} episode(s) by replay into "
            f"{Path(self.run_dir) / self.folder} ({self.video.renderer} {size}{lidar}; {where})",
            f"{self.frames} frames in {self.wall_time_s:.2f} s ({per:.2f} s per episode)",
        ]


def film_run(
    run_dir: str | os.PathLike[str],
    episodes: Sequence[str] | None = None,
    video_renderer: str | None = None,
    video_size: tuple[int, int] | str | None = None,
    video_lidar: bool | None = None,
    workers: int = 1,
    scenarios_file: str | os.PathLike[str] | None = None,
) -> FilmSummary:
    """Film episodes of a finished run by replay (see the module docstring).

    Args:
        run_dir: A run directory made by ``run_batch`` (with or without video).
        episodes: Selectors (``all``, ``failures``, ``first:N``, ``every:K``) and/or
            episode ids; the union is filmed. None: every episode.
        video_renderer: Frame source; None keeps the run's own.
        video_size: ``(W, H)`` or ``"WxH"``; None keeps the run's own (or the renderer's
            default when the renderer changes).
        video_lidar: Draw the lidar fan; None keeps the run's own.
        workers: Processes filming in parallel (>= 1).
        scenarios_file: The run's scenario file, needed for user-defined scenarios.

    Raises:
        UsageError: no such run, a bad option, an unknown episode id or selector, or a
            scenario whose definition is not the one the run used (exit 2).
        ActionLogError: a chosen episode's action log is missing or altered (exit 1).
        ReplayMismatch: a replay does not reproduce its record (exit 1); the episodes
            that did reproduce are filmed and recorded first.
    """
    started = time.perf_counter()
    root = _run_root(run_dir)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise UsageError(f"workers must be an integer >= 1, got {workers!r}")
    manifest = load_manifest(root)
    records = _latest_records(root)
    own = own_settings(manifest, records)
    video = requested_settings(own, video_renderer, video_size, video_lidar)
    chosen = choose_records(records, episodes, root)
    check_scenarios(manifest, chosen, scenarios_file)
    specs = [_spec(root, record) for record in chosen]  # every log checked before filming
    summary = FilmSummary(str(root), settings_folder(video, own), video == own, video)
    settings = WorkerSettings(
        scenarios_file=None if scenarios_file is None else str(Path(scenarios_file).resolve()),
        max_steps=step_limit(manifest, chosen),
        policy=_no_policy(),
        video=video,
        video_dir="",  # set per call, to the staging folder
    )
    if specs:  # none chosen: touch nothing (not even an empty videos folder)
        with RunDirLock(root), interruptible():  # SIGTERM too: stop children, drop staging
            _film_locked(root, specs, settings, records, workers, summary)
    summary.wall_time_s = time.perf_counter() - started
    return summary


def _film_locked(
    root: Path,
    specs: list[EpisodeSpec],
    settings: WorkerSettings,
    records: dict[str, dict[str, Any]],
    workers: int,
    summary: FilmSummary,
) -> None:
    """Replay into a staging folder, move verified files into place, update records."""
    _remove_stale_staging(root)
    target = _target_folder(root, summary.folder)
    staging = temp_path_for(root / _STAGING_STEM)
    staging.mkdir()
    try:
        run = _Replays(records, staging, target, root)
        settings = dataclasses.replace(settings, video_dir=str(staging))
        run.collect(execute(specs, settings, workers))
        videos = run.videos
        summary.filmed = [eid for eid in records if eid in videos]
        summary.frames = sum(videos[eid]["frames"] for eid in summary.filmed)
        if summary.own_settings and videos:
            _update_records(root, records, videos)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if run.mismatches:
        more = len(run.mismatches) - 1
        tail = f"; {more} more episode(s) did not reproduce either" if more else ""
        raise ReplayMismatch(run.mismatches[0] + tail)


class _Replays:
    """Pair each replay's result with its video; keep the file only when it reproduces."""

    def __init__(
        self, records: Mapping[str, dict[str, Any]], staging: Path, target: Path, root: Path
    ) -> None:
        self.records, self.staging, self.target, self.root = records, staging, target, root
        self.results: dict[str, str | None] = {}  # episode -> difference (None: equal)
        self.payloads: dict[str, dict[str, Any]] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.mismatches: list[str] = []

    def collect(self, events: Any) -> None:
        with contextlib.closing(events):
            for event in events:
                match event:
                    case EpisodeDone(result=result):
                        self._result(result)
                    case VideoDone(episode_id=episode_id, payload=payload):
                        self.payloads[episode_id] = payload
                        self._pair(episode_id)

    def _result(self, result: EpisodeResult) -> None:
        episode_id = result.spec.episode_id
        replayed = _as_replayed(result)
        difference = first_difference(self.records[episode_id], replayed)
        self.results[episode_id] = difference
        if difference is not None:
            self.mismatches.append(mismatch_message(episode_id, difference))
            logger.info("%s", self.mismatches[-1])  # raised once all are done
        if result.video is not None:
            self.payloads[episode_id] = result.video
        self._pair(episode_id)

    def _pair(self, episode_id: str) -> None:
        if episode_id not in self.results or episode_id not in self.payloads:
            return
        payload = self.payloads.pop(episode_id)
        if self.results[episode_id] is not None:
            return  # the staged file goes with the staging folder
        if "video" not in payload:
            skip = payload["video_skip"]
            self.mismatches.append(
                f"no video for {episode_id}: {skip['reason']}: {skip['message']}"
            )
            return
        staged = Path(payload["video"]["path"])
        final = self.target / staged.name
        os.replace(staged, final)
        relative = Path(os.path.relpath(final, self.root)).as_posix()
        self.videos[episode_id] = {**payload["video"], "path": relative}


def _as_replayed(result: EpisodeResult) -> Replayed:
    return Replayed(result.steps, result.outcome, dict(result.metrics), {})


def _update_records(
    root: Path, records: Mapping[str, dict[str, Any]], videos: Mapping[str, dict[str, Any]]
) -> None:
    """Rewrite ``episodes.jsonl`` with the new ``video`` of each filmed episode."""
    result = read_records(root / RECORDS_FILENAME)
    lines = []
    for _, record in result.records:
        video = videos.get(record.get("episode_id", ""))
        if video is not None and record is not None:
            record = {k: v for k, v in record.items() if k not in ("video", "video_skip")}
            record["video"] = video
            check_record(record)
        lines.append(record)
    rewrite_records(root / RECORDS_FILENAME, lines)


def _run_root(run_dir: str | os.PathLike[str]) -> Path:
    root = Path(run_dir)
    if not (root / RECORDS_FILENAME).is_file():
        raise UsageError(f"{root} is not a run directory (no {RECORDS_FILENAME})")
    return root.resolve()


def _latest_records(root: Path) -> dict[str, dict[str, Any]]:
    """Return the run's records by episode id, in file order (a later line replaces an earlier)."""
    records: dict[str, dict[str, Any]] = {}
    for _, record in read_records(root / RECORDS_FILENAME).records:
        if isinstance(record.get("episode_id"), str):
            records[record["episode_id"]] = record
    if not records:
        raise UsageError(f"{root / RECORDS_FILENAME} holds no records; nothing to film")
    return records


def _spec(root: Path, record: Mapping[str, Any]) -> EpisodeSpec:
    actions = read_action_log(root, record)
    return EpisodeSpec(
        record["scenario"], record["episode_idx"], record["seed"], record["episode_id"], actions
    )


def _no_policy() -> Any:
    """Return a placeholder policy: replays never build one (the actions drive the env)."""
    from robot_sf_gym_video.policies.spec import PolicySource

    return PolicySource(spec="zero", kind="builtin", target="zero")


def _target_folder(root: Path, name: str) -> Path:
    """Create (or reuse) ``DIR/<name>``, refusing one that is a link or leaves ``DIR``."""
    folder = root / name
    if folder.is_symlink():
        raise UsageError(f"{folder} is a symbolic link; film writes only inside the run")
    folder = inside(root, name)
    folder.mkdir(exist_ok=True)
    return folder


def _remove_stale_staging(root: Path) -> None:
    """Delete staging folders a killed ``film`` left (the lock says none is in use)."""
    for folder in root.glob(f".{_STAGING_STEM}.partial-*"):
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
