"""What the runner receives from a backend, as small picklable dataclasses.

- ``EpisodeDone``: an episode finished; its video may still be pending.
- ``VideoDone``: the video result (artifact or skip) of an episode, possibly after it.
- ``WorkerCost``: one worker's measured video cost, sent once after its last video.
- ``WorkersKnown``: how many workers the backend really uses (Ray: the cluster's CPUs).
- ``EpisodeFailed``: an episode that will get no record (Ray: it failed after retries).
- ``Event``: the union; the runner dispatches on it with ``match``.

Events rather than ``(kind, payload)`` tuples so that a misspelt kind is an import error
and a type checker can see what each one carries. They cross process queues, so they hold
only plain data.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from robot_sf_gym_video.benchmark.summary import EpisodeFailure, VideoCost
    from robot_sf_gym_video.benchmark.worker import EpisodeResult

__all__ = ["EpisodeDone", "EpisodeFailed", "Event", "VideoDone", "WorkerCost", "WorkersKnown"]


@dataclasses.dataclass(frozen=True)
class EpisodeDone:
    """An episode finished (``result.video`` is None while its video is pending)."""

    result: EpisodeResult


@dataclasses.dataclass(frozen=True)
class VideoDone:
    """The video result of an episode: ``{"video": {...}}`` or ``{"video_skip": {...}}``."""

    episode_id: str
    payload: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class WorkerCost:
    """One worker's video cost; the last event of each worker."""

    cost: VideoCost


@dataclasses.dataclass(frozen=True)
class WorkersKnown:
    """The number of workers the backend uses, once it is known."""

    count: int


@dataclasses.dataclass(frozen=True)
class EpisodeFailed:
    """An episode without a record (``--resume`` runs it again)."""

    failure: EpisodeFailure


Event = EpisodeDone | VideoDone | WorkerCost | WorkersKnown | EpisodeFailed
