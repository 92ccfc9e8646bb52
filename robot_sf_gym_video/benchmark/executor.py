"""Where episodes run: in this process, or in a pool of spawned worker processes.

- ``execute`` yields ``benchmark.events`` in completion order: ``EpisodeDone``,
  ``VideoDone`` (an episode's artifact or skip) and ``WorkerCost`` (once per worker, after
  its last video).
- ``execute(specs, settings, workers)``: iterate over the events of a batch.

With ``workers > 1`` each worker process (``spawn`` context, safe on every platform and
with threads in the parent) runs a loop: take the next spec from a shared task queue, run
it, report the result and any finished videos on a result queue. The loop (rather than one
pool task per episode) keeps each process's env and background video recorder alive across
episodes and lets it report a video whenever the encoder finishes it, including after its
last episode. Only the parent writes records.
"""

from __future__ import annotations

import concurrent.futures
import logging
import multiprocessing
import queue
from collections.abc import Iterator, Sequence
from typing import Any

from robot_sf_gym_video.benchmark.events import EpisodeDone, Event, VideoDone, WorkerCost
from robot_sf_gym_video.benchmark.plan import EpisodeSpec
from robot_sf_gym_video.benchmark.worker import EpisodeWorker, WorkerSettings

__all__ = ["execute"]

logger = logging.getLogger(__name__)

_POLL_S = 0.2
_queues: tuple[Any, Any] | None = None  # (task queue, result queue) inside a worker process


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
        worker.close()
    yield WorkerCost(worker.cost)


def _init_worker(task_q: Any, result_q: Any) -> None:
    """Pool initializer: queues can only reach a spawned process at its creation."""
    global _queues
    _queues = (task_q, result_q)


def _worker_loop(settings: WorkerSettings) -> None:
    """Body of one worker process: run specs from the task queue until a ``None``."""
    assert _queues is not None, "worker started without its queues"
    task_q, result_q = _queues
    worker = EpisodeWorker(settings)
    try:
        while (spec := task_q.get()) is not None:
            result_q.put(EpisodeDone(worker.run(spec)))
            for artifact in worker.collect(wait=False):
                result_q.put(VideoDone(*artifact))
        for artifact in worker.finish():
            result_q.put(VideoDone(*artifact))
    finally:
        worker.close()
    result_q.put(WorkerCost(worker.cost))


def _in_pool(
    specs: Sequence[EpisodeSpec], settings: WorkerSettings, workers: int
) -> Iterator[Event]:
    ctx = multiprocessing.get_context("spawn")
    task_q, result_q = ctx.Queue(), ctx.Queue()
    for spec in specs:
        task_q.put(spec)
    for _ in range(workers):
        task_q.put(None)
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(task_q, result_q),
    )
    finished = False
    futures: list[concurrent.futures.Future[None]] = []
    try:
        futures += [pool.submit(_worker_loop, settings) for _ in range(workers)]
        done_workers = 0
        while done_workers < workers:
            try:
                event = result_q.get(timeout=_POLL_S)
            except queue.Empty:
                _raise_worker_failure(futures)
                continue
            done_workers += isinstance(event, WorkerCost)
            yield event
        finished = True
    finally:
        if not finished:
            _drain(task_q)
            for _ in range(workers):
                task_q.put(None)
            _discard_until_done(futures, result_q)
        pool.shutdown(wait=True, cancel_futures=True)


def _raise_worker_failure(futures: Sequence[concurrent.futures.Future[None]]) -> None:
    """Re-raise the first worker exception (a crashed process surfaces as BrokenProcessPool)."""
    for future in futures:
        if future.done() and future.exception() is not None:
            raise future.exception()  # type: ignore[misc]


def _discard_until_done(futures: Sequence[concurrent.futures.Future[None]], result_q: Any) -> None:
    """Keep reading (and dropping) results while workers stop.

    A worker cannot exit while its queue's feeder thread still has data for a full pipe,
    so after a failure the parent must go on reading until every worker is done.
    """
    while not all(f.done() for f in futures):
        try:
            result_q.get(timeout=_POLL_S)
        except (queue.Empty, OSError, ValueError, EOFError):
            continue


def _drain(task_q: Any) -> None:
    """Drop specs not yet started so workers stop after their current episode."""
    try:
        while True:
            task_q.get_nowait()
    except (queue.Empty, OSError, ValueError):
        return
