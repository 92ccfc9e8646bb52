"""The run directory: creating it, refusing to clobber it, ``--overwrite`` and ``--resume``.

- ``RunPaths``: where a run's files live (``episodes.jsonl``, ``videos/``).
- ``create_run_dir(config)``: create the folder (before any episode runs) and check it is
  writable and contains no symlink that leads out of it.
- ``prepare_run_dir(config, paths, plan)``: under the run lock, apply the contract's rule
  for a folder that already holds records (refuse, ``--overwrite`` or ``--resume``).
- ``resume_run(paths, plan, config)``: the episodes still to run; rewrites the JSONL
  atomically without the records that will be rerun (and without a torn tail), so a rerun
  never leaves a duplicate line.

Only this package's files are touched: ``--overwrite`` deletes the run files and the files
named after the run's episode ids (``guard.owned_files``) and nothing else.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from robot_sf_gym_video.benchmark.actions import ActionLogError, read_action_log
from robot_sf_gym_video.benchmark.config import RunConfig
from robot_sf_gym_video.benchmark.guard import check_contained, check_writable, owned_files
from robot_sf_gym_video.benchmark.plan import EpisodeSpec
from robot_sf_gym_video.benchmark.selection import NOT_SELECTED
from robot_sf_gym_video.benchmark.validate import file_sha256
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.fileops import inside, remove_temps
from robot_sf_gym_video.records.jsonl import RECORDS_FILENAME, read_records, rewrite_records
from robot_sf_gym_video.records.schema import record_errors

__all__ = [
    "ResumeState",
    "RunPaths",
    "create_run_dir",
    "prepare_run_dir",
    "remove_partial_videos",
    "resume_run",
]

logger = logging.getLogger(__name__)

VIDEOS_DIRNAME = "videos"
ACTIONS_DIRNAME = "actions"


@dataclasses.dataclass(frozen=True)
class RunPaths:
    """Absolute paths of one run's outputs."""

    run_dir: Path

    @property
    def records(self) -> Path:
        """``DIR/episodes.jsonl``."""
        return self.run_dir / RECORDS_FILENAME

    @property
    def actions(self) -> Path:
        """``DIR/actions`` (per-episode action logs, for replay)."""
        return self.run_dir / ACTIONS_DIRNAME

    @property
    def videos(self) -> Path:
        """``DIR/videos`` (created by the video wrapper, only when video is on)."""
        return self.run_dir / VIDEOS_DIRNAME


@dataclasses.dataclass(frozen=True)
class ResumeState:
    """Result of reconciling an existing run with the planned batch.

    Attributes:
        to_run: Planned episodes without a complete record, in plan order.
        kept: Number of planned episodes already complete (skipped).
    """

    to_run: list[EpisodeSpec]
    kept: int


def create_run_dir(config: RunConfig) -> RunPaths:
    """Create the run directory and check it can be used, before any episode runs.

    Raises:
        UsageError: the folder cannot be created or written (path and OS reason), or one
            of its run folders or files is a symlink or leads outside it.
    """
    run_dir = config.out_dir
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise UsageError(f"cannot create run directory {run_dir}: a file is in the way") from exc
    except OSError as exc:
        raise UsageError(f"cannot create run directory {run_dir}: {exc.strerror}") from exc
    paths = RunPaths(run_dir.resolve())
    check_writable(paths.run_dir)
    check_contained(paths.run_dir)
    return paths


def prepare_run_dir(config: RunConfig, plan: Sequence[EpisodeSpec] = ()) -> RunPaths:
    """Create the run directory and apply the rule for one that already holds records.

    Called under the run lock: refuse, or with ``overwrite`` delete what this package
    made for ``plan`` and the recorded episodes (``guard.owned_files``).

    Raises:
        UsageError: see ``create_run_dir``; or it holds records and neither ``resume``
            nor ``overwrite`` was given.
    """
    paths = create_run_dir(config)
    holds_records = paths.records.is_file() and paths.records.stat().st_size > 0
    if holds_records and not (config.resume or config.overwrite):
        raise UsageError(
            f"{config.out_dir} already holds records ({RECORDS_FILENAME}); "
            "pass --resume to finish that run or --overwrite to start it over"
        )
    if config.overwrite:
        _clear(paths, plan)
    return paths


def _clear(paths: RunPaths, plan: Sequence[EpisodeSpec]) -> None:
    """Delete what this package made: run files, and the files named after episode ids."""
    ids = {spec.episode_id for spec in plan}
    ids.update(
        str(record.get("episode_id"))
        for _, record in read_records(paths.records).records
        if isinstance(record.get("episode_id"), str)
    )
    removed = 0
    for path in list(owned_files(paths.run_dir, ids)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    logger.info("--overwrite: removed %d file(s) of the previous run in %s", removed, paths.run_dir)


def remove_partial_videos(paths: RunPaths) -> int:
    """Delete temp files a killed run left behind; return how many.

    Every writer of this package (encoders, records rewrite, the Ray driver, report and
    posters, action logs) writes ``fileops.TEMP_GLOB`` names and renames on success, so
    such a file only outlives its writer when the process was killed. Only one batch
    writes a run directory at a time (the run lock), so any such file at start-up is stale.
    """
    return sum(remove_temps(folder) for folder in (paths.run_dir, paths.videos, paths.actions))


def resume_run(paths: RunPaths, plan: Sequence[EpisodeSpec], config: RunConfig) -> ResumeState:
    """Return what is left to run, rewriting the JSONL without stale lines first.

    An episode counts as complete when its record is valid, was made with the same policy
    (spec and file hash) and step limit and, when video is on, has a ``video`` whose file
    lies in the run, has the recorded size and the recorded sha256 (a same-size corrupted
    file is rerun, so a resumed run passes ``validate``). Records of episodes outside this
    plan are kept untouched (so growing ``--episodes`` on resume just adds episodes).
    """
    stale = remove_partial_videos(paths)
    if stale:
        logger.info("--resume: removed %d half-written video(s) of the killed run", stale)
    result = read_records(paths.records)
    for problem in result.problems:
        logger.warning("%s line %d ignored: %s", paths.records, problem.line_no, problem.message)
    planned = {spec.episode_id for spec in plan}
    kept_records: list[dict[str, Any]] = []
    complete: set[str] = set()
    for _, record in result.records:
        episode = record.get("episode_id")
        if record_errors(record) or episode in complete:
            continue
        if episode in planned:
            if not _is_complete(paths, record, config):
                continue
            complete.add(episode)
        kept_records.append(record)
    if result.problems or len(kept_records) != len(result.records):
        rewrite_records(paths.records, kept_records)
    to_run = [spec for spec in plan if spec.episode_id not in complete]
    logger.info("--resume: %d episode(s) complete, %d to run", len(complete), len(to_run))
    return ResumeState(to_run=to_run, kept=len(complete))


def _is_complete(paths: RunPaths, record: Mapping[str, Any], config: RunConfig) -> bool:
    # With a run.json these settings were already compared as a whole (manifest.py);
    # the per-record checks are what is left for a run made before manifests existed.
    policy = config.policy
    if record.get("policy", policy.spec) != policy.spec:
        return False
    if record.get("policy_sha256") != policy.sha256:  # a changed file or model zip
        return False
    if record.get("max_steps", config.max_steps) != config.max_steps:
        return False
    if record.get("base_seed", config.seed) != config.seed:
        return False
    if not _action_log_intact(paths, record):
        return False
    if not config.video_on:
        return True
    if record.get("video_renderer", config.video_renderer) != config.video_renderer:
        return False
    video = record.get("video")
    if video is None:  # complete only when the selection still leaves it out
        skip = record.get("video_skip") or {}
        chosen = config.video.episodes.selects(record["episode_idx"], record["outcome"])
        return skip.get("reason") == NOT_SELECTED and not chosen
    try:
        file = inside(paths.run_dir, video["path"])
        return file.stat().st_size == video["filesize_bytes"] and (
            file_sha256(file) == video.get("sha256")
        )
    except OSError:  # missing, unreadable, or a link leading out of the run
        return False


def _action_log_intact(paths: RunPaths, record: Mapping[str, Any]) -> bool:
    """Return True when the record's action log (if it names one) is there, unaltered.

    Records written before action logs existed name none and stay complete.
    """
    if "actions" not in record:
        return True
    try:
        read_action_log(paths.run_dir, record)
    except ActionLogError as exc:
        logger.info("--resume: rerunning %s: %s", record.get("episode_id"), exc)
        return False
    return True
