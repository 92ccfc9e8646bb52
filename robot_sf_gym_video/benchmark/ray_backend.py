"""The Ray backend of the runner: each episode is one Ray task; the driver writes every file.

- ``require_ray()`` / ``ray_session(address, num_cpus=None)``: from ``ray_session``
  (re-exported here), the Ray connection.
- ``run_episode(spec, settings, scenarios_text)``: the body of one task, a plain function.
- ``EpisodeOutput``: what a task returns (the result, the MP4's bytes, the video cost).
- ``EpisodeFailure``: an episode whose task still failed after Ray's retries.
- ``RaySummary``: ``BatchSummary`` plus the failed episodes.
- ``execute_ray(specs, settings, address)``: the runner's events (see
  ``benchmark.events``), plus ``WorkersKnown`` once and ``EpisodeFailed`` per lost episode.

Why one task per episode: Ray then schedules, retries and cancels episodes one by one, and
an episode lost with its worker or node is simply run again (``max_retries``); only
exceptions raised by the episode itself are not retried, since they would recur. A task
runs the same ``EpisodeWorker`` as the local backend (env, wrapper, encoder) on whichever
node it lands, with a fresh env and a task-local temporary video folder, and returns the
finished MP4's bytes. Nothing assumes a shared filesystem: a user scenario file travels
as text, videos travel as bytes, and only the driver writes ``videos/`` (temporary name,
fsync, ``os.replace``) and ``episodes.jsonl`` (through the runner). Episode seeds and ids
come from the plan, so records (timings aside) and MP4 bytes equal the local backend's.

``ray`` is an optional extra, imported only here and only when this backend is used.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from robot_sf_gym_video.benchmark.events import (
    EpisodeDone,
    EpisodeFailed,
    Event,
    WorkerCost,
    WorkersKnown,
)
from robot_sf_gym_video.benchmark.plan import EpisodeSpec
from robot_sf_gym_video.benchmark.ray_session import cluster_cpus, ray_session, require_ray
from robot_sf_gym_video.benchmark.summary import BatchSummary, EpisodeFailure, VideoCost
from robot_sf_gym_video.benchmark.worker import EpisodeResult, EpisodeWorker, WorkerSettings
from robot_sf_gym_video.fileops import atomic_write
from robot_sf_gym_video.video.artifact import VideoSkip, log_skip, no_result_skip
from robot_sf_gym_video.video.naming import video_path

__all__ = [
    "DEFAULT_MAX_RETRIES",
    "EpisodeFailure",
    "EpisodeOutput",
    "RaySummary",
    "execute_ray",
    "ray_session",
    "require_ray",
    "run_episode",
]

logger = logging.getLogger(__name__)

#: Times Ray re-runs an episode whose worker process or node died.
DEFAULT_MAX_RETRIES = 3
#: Tasks in flight per cluster CPU: keeps every CPU busy while results are written, and
#: keeps cancelling on Ctrl-C (and the object store's share of MP4 bytes) small.
_IN_FLIGHT_PER_CPU = 2
_POLL_S = 0.5
_ERROR_CHARS = 300
_CANCEL_GRACE_S = 3.0
_TASK_DIR_PREFIX = "robot_sf_gym_video-task-"


# -- the task -------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class EpisodeOutput:
    """What one task returns to the driver (picklable, small: the MP4 is a few 100 KB).

    Attributes:
        result: The finished episode. ``video`` holds the final payload; a ``video``
            artifact's ``path`` is only the file name (the driver decides where it goes).
        video_bytes: The MP4, when ``result.video`` is a ``video`` artifact.
        cost: Video cost of this episode (recorder start-up, hand-off, waiting, encode).
    """

    result: EpisodeResult
    video_bytes: bytes | None
    cost: VideoCost


def run_episode(
    spec: EpisodeSpec, settings: WorkerSettings, scenarios_text: str | None = None
) -> EpisodeOutput:
    """Run one episode with its video in a task-local temporary folder; return everything.

    The env, wrapper and recorder are built for this episode and closed after it, so a task
    leaves nothing behind in the worker process, and a retried task starts clean.

    Args:
        spec: The episode (identity and seed come from the driver's plan).
        settings: The batch's worker settings; ``video_dir`` and ``scenarios_file`` are
            replaced by task-local paths.
        scenarios_text: Content of the user scenario file, or None for built-ins only.
    """
    _sweep_task_dirs()
    with tempfile.TemporaryDirectory(prefix=f"{_TASK_DIR_PREFIX}{os.getpid()}-") as tmp:
        scenarios_file = None
        if scenarios_text is not None:
            scenarios_file = Path(tmp) / "scenarios.toml"
            scenarios_file.write_text(scenarios_text, encoding="utf-8")
        local = dataclasses.replace(
            settings,
            scenarios_file=None if scenarios_file is None else str(scenarios_file),
            video_dir=str(Path(tmp) / "videos") if settings.video is not None else None,
        )
        worker = EpisodeWorker(local)
        try:
            result = worker.run(spec)
            artifacts = dict(worker.finish())
        finally:
            worker.close()
        payload = result.video
        if settings.video is not None and payload is None:
            payload = artifacts.get(spec.episode_id)
            if payload is None:
                cause = "the task's recorder finished without reporting it"
                skip = no_result_skip(settings.video.renderer, result.steps, cause)
                payload = {"video_skip": skip}
        video_bytes = None
        if payload is not None and "video" in payload:
            file = Path(payload["video"]["path"])
            video_bytes = file.read_bytes()
            payload = {"video": {**payload["video"], "path": file.name}}
    result = dataclasses.replace(result, video=payload, video_pending=False)
    return EpisodeOutput(result, video_bytes, worker.cost)


def _sweep_task_dirs() -> None:
    """Delete temporary folders left by tasks whose process was killed (SIGKILL, OOM).

    A folder's name carries its process id; a folder whose process no longer exists can
    only be a leftover. (Best effort: errors are ignored, another task may sweep too.)
    """
    if os.name != "posix":  # os.kill(pid, 0) is a probe only on POSIX
        return
    root = Path(tempfile.gettempdir())
    for folder in root.glob(f"{_TASK_DIR_PREFIX}*"):
        pid_text = folder.name[len(_TASK_DIR_PREFIX) :].split("-", 1)[0]
        if pid_text.isdigit() and not _process_exists(int(pid_text)):
            shutil.rmtree(folder, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, under another user
        return True
    return True


# -- failures and summary -------------------------------------------------------------------
@dataclasses.dataclass
class RaySummary(BatchSummary):
    """``BatchSummary`` of a Ray run: also lists the episodes that failed after retries.

    Attributes:
        backend: Always ``"ray"``.
    """

    backend: str = "ray"

    @property
    def episodes_failed(self) -> int:
        """Episodes that failed after retries (they have no record)."""
        return len(self.failures)

    def to_dict(self) -> dict[str, Any]:
        """Return ``BatchSummary.to_dict()`` plus ``backend`` and ``episodes_failed``."""
        return {
            **super().to_dict(),
            "backend": self.backend,
            "episodes_failed": [f.to_dict() for f in self.failures],
        }

    def lines(self) -> list[str]:
        """Return ``BatchSummary.lines()`` plus one line per failed episode."""
        out = [*super().lines(), "backend: ray (one task per episode)"]
        if self.failures:
            out.append(
                f"failed: {len(self.failures)} episode(s) after retries, not recorded "
                "(--resume runs them again)"
            )
            out += [f"  {f.episode_id}: {f.error}" for f in self.failures]
        return out


# -- the driver -------------------------------------------------------------------------------
def execute_ray(
    specs: Sequence[EpisodeSpec],
    settings: WorkerSettings,
    address: str | None = None,
    *,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> Iterator[Event]:
    """Yield the events of running ``specs`` as Ray tasks, in completion order.

    Events: ``WorkersKnown(cpus)`` first, then per episode ``EpisodeDone`` (its MP4
    already final under ``settings.video_dir``) or ``EpisodeFailed``, and ``WorkerCost``
    at the end. Closing the generator
    (Ctrl-C, an error in the consumer) cancels the tasks still out and ends the session.

    Raises:
        DependencyNotInstalled: ray is not installed.
        UsageError: the cluster at ``address`` cannot be reached.
    """
    ray = require_ray()
    if not specs:  # e.g. --resume of a finished run: no cluster needed
        yield WorkerCost(VideoCost())
        return
    scenarios_text = _scenarios_text(settings.scenarios_file)
    with ray_session(address) as cpus:
        yield WorkersKnown(max(1, min(cpus, len(specs))))
        task = ray.remote(num_cpus=1, max_retries=max_retries, retry_exceptions=False)(run_episode)
        settings_ref = ray.put(settings)
        todo: deque[EpisodeSpec] = deque(specs)
        running: dict[Any, EpisodeSpec] = {}
        cost = VideoCost()
        writer = _VideoStore(settings)
        try:
            while todo or running:
                window = _IN_FLIGHT_PER_CPU * cluster_cpus(ray)
                while todo and len(running) < window:
                    spec = todo.popleft()
                    running[task.remote(spec, settings_ref, scenarios_text)] = spec
                done, _ = ray.wait(list(running), num_returns=1, timeout=_POLL_S)
                for ref in done:
                    spec = running.pop(ref)
                    try:
                        output: EpisodeOutput = ray.get(ref)
                    except ray.exceptions.RayError as exc:
                        failure = EpisodeFailure(spec.episode_id, _describe(exc))
                        logger.error("%s failed after retries: %s", spec.episode_id, failure.error)
                        yield EpisodeFailed(failure)
                        continue
                    cost.merge(output.cost)
                    yield EpisodeDone(writer.store(output))
        finally:
            if running:
                _cancel(ray, list(running))
        yield WorkerCost(cost)


def _cancel(ray: ModuleType, refs: list[Any]) -> None:
    """Cancel tasks: queued ones are dropped, running ones get a ``KeyboardInterrupt``.

    Not ``force``: an interrupted task still closes its env and recorder and deletes its
    temporary folder, which gets a short grace period here. Whatever is still running
    after it ends with the session (``ray.shutdown``; on a cluster, with the job).
    """
    logger.warning("cancelling %d episode task(s) still running", len(refs))
    for ref in refs:
        with contextlib.suppress(Exception):
            ray.cancel(ref)
    with contextlib.suppress(Exception):
        ray.wait(refs, num_returns=len(refs), timeout=_CANCEL_GRACE_S)


def _scenarios_text(path: str | None) -> str | None:
    """Return the user scenario file's text: it travels with the tasks (no shared FS)."""
    if path is None:
        return None
    return Path(path).read_text(encoding="utf-8")


def _describe(exc: BaseException) -> str:
    """One line for the summary: the episode's own exception, else Ray's failure type."""
    cause = getattr(exc, "cause", None)
    shown = cause if isinstance(cause, BaseException) else exc
    text = " ".join(str(shown).split())
    return f"{type(shown).__name__}: {text}"[:_ERROR_CHARS]


class _VideoStore:
    """The driver's side of videos: write each task's MP4 bytes into ``DIR/videos``.

    Each file is checked against its size and digest, written under a temporary name in
    the same folder, fsynced and renamed, so ``videos/`` never holds a partial file under
    a final name and a record is only written once its file is final.
    """

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings

    def store(self, output: EpisodeOutput) -> EpisodeResult:
        """Write ``output``'s MP4 and return its result with the final video payload."""
        result = output.result
        payload = result.video
        if payload is not None and "video" in payload:
            payload = self._write(result, payload["video"], output.video_bytes)
        if payload is not None and "video_skip" in payload:
            self._log_skip(result.spec.episode_id, payload["video_skip"])
        return dataclasses.replace(result, video=payload)

    def _write(
        self, result: EpisodeResult, video: dict[str, Any], data: bytes | None
    ) -> dict[str, Any]:
        assert self.settings.video_dir is not None, "video payload with video off"
        final = video_path(self.settings.video_dir, result.spec.episode_id)
        if data is None or len(data) != video["filesize_bytes"]:
            return self._skip(result, "encode-error", "the video bytes arrived incomplete")
        if hashlib.sha256(data).hexdigest() != video["sha256"]:
            return self._skip(result, "encode-error", "the video bytes arrived damaged")
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return self._skip(result, "unwritable-path", f"cannot create {final.parent}: {exc}")
        try:
            atomic_write(final, data)
        except OSError as exc:
            return self._skip(result, "unwritable-path", f"cannot write {final}: {exc}")
        return {"video": {**video, "path": str(final)}}

    def _skip(self, result: EpisodeResult, reason: str, message: str) -> dict[str, Any]:
        assert self.settings.video is not None, "a video result with video off"
        skip = VideoSkip(reason, message, self.settings.video.renderer, result.steps)
        return {"video_skip": skip.to_dict()}

    def _log_skip(self, episode_id: str, skip: dict[str, Any]) -> None:
        """Warn once per reason: the worker's own warning stays in the worker's log."""
        log_skip(logger, episode_id, skip)
