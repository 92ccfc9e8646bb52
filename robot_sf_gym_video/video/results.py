"""The wrapper's bookkeeping of recorder results: pending files, delivery, totals.

- ``ResultBook``: which files the recorder still owes, how each result is reported
  (``video`` / ``video_skip`` for whole episodes, ``video_clip`` / ``video_clip_skip`` for
  clips, ``complete: false`` for files cut short), where it goes (``on_artifact`` or the
  ``collect_artifacts()`` list) and the totals behind ``video_stats``.
- ``log_skip(name, skip)``: ``artifact.log_skip`` on this module's logger (a warning the
  first time a reason occurs in this process, then debug).

Results are delivered exactly once. Everything here runs in the env's thread.
"""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from robot_sf_gym_video.video import artifact
from robot_sf_gym_video.video.artifact import VideoSkip, no_result_skip
from robot_sf_gym_video.video.encoder import result_payload

__all__ = ["ArtifactCallback", "ResultBook", "log_skip"]

log = logging.getLogger(__name__)

ArtifactCallback = Callable[[str, dict[str, Any]], None]

_MAX_UNCOLLECTED = 10_000


def log_skip(name: str, skip: dict[str, Any]) -> None:
    """Log a skip once per reason as a warning (``artifact.log_skip``)."""
    artifact.log_skip(log, name, skip)


@dataclass(frozen=True)
class _Owed:
    """How to report a file the recorder still works on."""

    clip: bool
    first_step: int
    complete: bool
    frames: int


_NOT_OWED = _Owed(False, 0, True, 0)


class ResultBook:
    """Pending files, their delivery, and the totals over finished takes.

    Args:
        label: Renderer label for skips made here (``synthetic``, ``sim-view``, ``env``).
        on_artifact: Receives results not returned in ``info`` (and every clip).
    """

    def __init__(self, label: str, on_artifact: ArtifactCallback | None) -> None:
        self.label = label
        self.on_artifact = on_artifact
        self.pending: collections.deque[str] = collections.deque()
        self._owed: dict[str, _Owed] = {}
        self.ready: collections.deque[tuple[str, dict[str, Any]]] = collections.deque(
            maxlen=_MAX_UNCOLLECTED
        )
        self.stats = {"episodes": 0, "videos": 0, "frames": 0, "encode_cpu_ms": 0.0}

    def expect(
        self, name: str, *, clip: bool, first_step: int, complete: bool, frames: int
    ) -> None:
        """Note that the recorder owes a result for ``name`` (a take of ``frames`` frames)."""
        self.pending.append(name)
        self._owed[name] = _Owed(clip, first_step, complete, frames)

    def no_result(self, name: str, cause: str) -> dict[str, Any]:
        """Return the skip payload of an owed file whose recorder gave no result."""
        with_pending_removed(self.pending, name)
        owed = self._owed.pop(name, _NOT_OWED)
        self.stats["episodes"] += 1
        skip = no_result_skip(self.label, owed.frames, cause)
        if owed.clip:
            return {"video_clip_skip": {**skip, "first_step": owed.first_step}}
        return {"video_skip": skip}

    def skip(
        self, reason: str, message: str, steps: int, *, clip: bool = False, first_step: int = 0
    ) -> dict[str, Any]:
        """Return the payload of a file that was not made (and count the take)."""
        if reason == "no-frames" and not message:
            message = "the take ended before its first step; no file is written"
        self.stats["episodes"] += 1
        skip = VideoSkip(reason, message, self.label, steps).to_dict()
        if clip:
            return {"video_clip_skip": {**skip, "first_step": first_step}}
        return {"video_skip": skip}

    def account(self, result: dict[str, Any]) -> dict[str, Any]:
        """Turn one recorder result into its payload; update the totals."""
        name = result["episode_id"]
        owed = self._owed.pop(name, _NOT_OWED)
        with_pending_removed(self.pending, name)
        payload = result_payload(result)
        self.stats["episodes"] += 1
        self.stats["encode_cpu_ms"] += float(result.get("encode_cpu_ms", 0.0))
        video = payload.get("video")
        if video is not None:
            self.stats["videos"] += 1
            self.stats["frames"] += video["frames"]
            if not owed.complete:
                video["complete"] = False
        if not owed.clip:
            return payload
        if video is not None:
            return {"video_clip": {**video, "first_step": owed.first_step}}
        return {"video_clip_skip": {**payload["video_skip"], "first_step": owed.first_step}}

    def deliver(self, name: str, payload: dict[str, Any]) -> None:
        """Hand a result not returned in ``info`` to ``on_artifact`` or the ready list."""
        skip = payload.get("video_skip") or payload.get("video_clip_skip")
        if skip is not None:
            log_skip(name, skip)
        if self.on_artifact is not None:
            self.on_artifact(name, payload)
        else:
            self.ready.append((name, payload))

    def on_result(self, result: dict[str, Any]) -> None:
        """Account and deliver a result that arrived while nobody waited for it."""
        self.deliver(result["episode_id"], self.account(result))

    def fail_pending(self, message: str) -> None:
        """Report every owed file as ``encode-error`` (the recorder is gone)."""
        while self.pending:
            name = self.pending[0]
            self.deliver(name, self.no_result(name, message))

    def take_ready(self) -> list[tuple[str, dict[str, Any]]]:
        """Return and forget the results waiting in the ready list."""
        out = list(self.ready)
        self.ready.clear()
        return out


def with_pending_removed(pending: collections.deque[str], name: str) -> None:
    """Remove ``name`` from ``pending`` (usually its head)."""
    if pending and pending[0] == name:
        pending.popleft()
    elif name in pending:
        pending.remove(name)
