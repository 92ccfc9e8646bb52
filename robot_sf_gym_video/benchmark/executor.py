"""Where episodes run: in this process, or in a pool of spawned worker processes.

- ``execute`` yields ``benchmark.events`` in completion order: ``EpisodeDone``,
  ``VideoDone`` (an episode's artifact or skip) and ``WorkerCost`` (once per worker, after
  its last video).
- ``execute(specs, settings, workers)``: iterate over the events of a batch.

With ``workers > 1`` each worker process (``spawn`` context, safe on every platform and
with threads in the parent) runs a loop: take the next spec from a shared task queue, run
it, report the result and any finished videos on a result queue. The parent keeps only a
few specs queued per worker, and on any exit path (end, error, Ctrl-C) stops every
worker within a few seconds: grace, then SIGTERM, then SIGKILL. The loop (rather than one
pool task per episode) keeps each process's env and background video recorder alive across
episodes and lets it report a video whenever the encoder finishes it, including after its
last episode. Only the parent writes records.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import signal
import time
from collections.abc import Iterator, Sequence
from typing import Any

from robot_sf_gym_video.benchmark.events import EpisodeDone, Event, VideoDone, WorkerCost
from robot_sf_gym_video.benchmark.interrupts import shielded, signals_blocked, worker_signals
from robot_sf_gym_video.benchmark.plan import EpisodeSpec
from robot_sf_gym_video.benchmark.worker import EpisodeWorker, WorkerSettings

__all__ = ["execute"]

logger = logging.getLogger(__name__)

_POLL_S = 0.2
_AHEAD_PER_WORKER = 2  # specs queued per worker: enough to never idle, never the whole plan
_TERM_AFTER_S = 1.0  # stopping: grace before SIGTERM (workers hit by Ctrl-C stop by then)
_KILL_AFTER_S = 6.0  # stopping: then SIGKILL
_JOIN_S = 2.0


def execute(
    specs: Sequence[EpisodeSpec], settings: WorkerSettings, workers: int
) -> Iterator[Event]:
    """Yield the events of running ``specs`` with ``workers`` processes (1: in-process)."""
    workers = min(workers, len(specs))
    if workers <= 1:
        yield from _in_process(specs, settings)
    else:
        yield from _in_pool(specs, settings, workers)


def _in_process(specs: Sequence[EpisodeSpec], settings: WorkerSettings) -> Iterator[Event]:
    worker = EpisodeWorker(settings)
    try:
        for spec in specs:
            yield EpisodeDone(worker.run(spec))
            for artifact in worker.collect(wait=False):
                yield VideoDone(*artifact)
        for artifact in worker.finish():
            yield VideoDone(*artifact)
    finally:
        with shielded():  # an interrupt discards the episode in flight here
            worker.close()
    yield WorkerCost(worker.cost)


def _worker_main(task_q: Any, result_q: Any, settings: WorkerSettings) -> None:
    """Body of one worker process: run specs from the task queue until a ``None``.

    SIGINT and SIGTERM raise ``KeyboardInterrupt`` here: the episode in flight is
    discarded by ``worker.close()`` (its half video never gets a final name) and the
    process exits without reporting more. Any other error is sent to the parent.
    """
    parent = os.getppid()
    worker: EpisodeWorker | None = None
    try:
        worker_signals()  # a signal held back during start-up is delivered here
        worker = EpisodeWorker(settings)
        while (spec := _next_spec(task_q, parent)) is not None:
            result_q.put(EpisodeDone(worker.run(spec)))
            for artifact in worker.collect(wait=False):
                result_q.put(VideoDone(*artifact))
        for artifact in worker.finish():
            result_q.put(VideoDone(*artifact))
        result_q.put(WorkerCost(worker.cost))
    except KeyboardInterrupt:
        result_q.cancel_join_thread()  # the parent may have stopped reading
    except BaseException as exc:
        result_q.put(_WorkerError(_picklable(exc)))
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if worker is not None:
            worker.close()


def _next_spec(task_q: Any, parent: int) -> EpisodeSpec | None:
    """Wait for the next spec; give up (None) when the parent process is gone."""
    while True:
        try:
            return task_q.get(timeout=_POLL_S)
        except queue.Empty:
            if os.getppid() != parent:
                return None


@dataclasses.dataclass(frozen=True)
class _WorkerError:
    """A worker's exception, re-raised in the parent."""

    error: BaseException


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.dumps(exc)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


class _Feeder:
    """Hands specs to the task queue a few at a time, so a huge plan is never all queued."""

    def __init__(self, specs: Sequence[EpisodeSpec], task_q: Any, workers: int) -> None:
        self._specs, self._task_q, self._workers = iter(specs), task_q, workers
        self._exhausted = False

    def feed(self, count: int) -> None:
        for _ in range(count):
            if self._exhausted:
                return
            spec = next(self._specs, None)
            if spec is None:
                self._exhausted = True
                for _ in range(self._workers):
                    self._task_q.put(None)
                return
            self._task_q.put(spec)


def _in_pool(
    specs: Sequence[EpisodeSpec], settings: WorkerSettings, workers: int
) -> Iterator[Event]:
    ctx = multiprocessing.get_context("spawn")
    task_q, result_q = ctx.Queue(), ctx.Queue()
    feeder = _Feeder(specs, task_q, workers)
    # Not daemonic: a worker starts its own video recorder process.
    procs = [
        ctx.Process(
            target=_worker_main,
            args=(task_q, result_q, settings),
            name=f"robot-sf-worker-{i}",
        )
        for i in range(workers)
    ]
    finished = False
    try:
        with signals_blocked():  # a Ctrl-C now reaches each worker once it can handle it
            for proc in procs:
                proc.start()
        # Only after the starts: the queue's first put starts its feeder thread, which does
        # not block signals, so a Ctrl-C landing there would interrupt a start half-way.
        feeder.feed(_AHEAD_PER_WORKER * workers)
        done_workers = 0
        while done_workers < workers:
            try:
                event = result_q.get(timeout=_POLL_S)
            except queue.Empty:
                _raise_if_died(procs, done_workers)
                continue
            if isinstance(event, _WorkerError):
                raise event.error
            if isinstance(event, EpisodeDone):
                feeder.feed(1)
            done_workers += isinstance(event, WorkerCost)
            yield event
        finished = True
    finally:
        with shielded():
            _stop(procs, task_q, result_q, finished)


def _raise_if_died(procs: Sequence[Any], done_workers: int) -> None:
    """Raise when a worker exited without finishing (killed, crashed interpreter).

    Called after an empty read: a worker's queued messages reach the pipe before it exits,
    so an exited worker whose ``cost`` never came died early.
    """
    dead = [p for p in procs if p.exitcode is not None]
    if len(dead) > done_workers:
        codes = ", ".join(f"pid {p.pid} exit {p.exitcode}" for p in dead)
        raise RuntimeError(f"a worker process died ({codes}); --resume reruns what is missing")


def _stop(procs: Sequence[Any], task_q: Any, result_q: Any, finished: bool) -> None:
    """Stop every worker within a bounded time, whatever state it is in.

    Workers that got the signal too (Ctrl-C reaches the whole process group) stop on
    their own; the rest get SIGTERM after a short grace, then SIGKILL. Results are read
    and dropped meanwhile, since a worker cannot exit while its queue still has data for
    a full pipe.
    """
    started = time.monotonic()
    signalled = finished
    while any(p.is_alive() for p in procs if p.pid is not None):
        elapsed = time.monotonic() - started
        if not signalled and elapsed > _TERM_AFTER_S:
            signalled = True
            for proc in procs:
                if proc.is_alive():
                    with contextlib.suppress(OSError):
                        os.kill(proc.pid, signal.SIGTERM)
        if elapsed > _KILL_AFTER_S:
            for proc in procs:
                if proc.is_alive():
                    logger.warning("worker pid %d did not stop; killing it", proc.pid)
                    proc.kill()
            break
        _discard(result_q)
        multiprocessing.connection.wait([p.sentinel for p in procs if p.is_alive()], 0.05)
    for proc in procs:
        if proc.pid is not None:
            proc.join(_JOIN_S)
    for q in (task_q, result_q):
        q.cancel_join_thread()
        q.close()


def _discard(result_q: Any) -> None:
    with contextlib.suppress(queue.Empty, OSError, ValueError, EOFError):
        while True:
            result_q.get_nowait()
