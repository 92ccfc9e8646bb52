"""The episode record as a typed value, built by the runner and written as one JSONL line.

- ``EpisodeRecord``: one episode's identity, result and (optional) video artifact or skip.
- ``comparable(record)``: a record without its timings, for "same command, same records".

The record is a dataclass rather than a free dict so a typo in a field name fails at
construction; ``to_dict`` gives the JSON object in a stable key order, and the schema in
``records/schema.py`` is the single definition of what a valid line is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from robot_sf_gym_video.records.schema import SCHEMA_VERSION

__all__ = ["TIMING_FIELDS", "VIDEO_FIELDS", "VIDEO_SKIP_FIELDS", "EpisodeRecord", "comparable"]

#: Record fields that are measurements of time and differ between identical reruns.
TIMING_FIELDS: tuple[str, ...] = ("wall_time_s",)
#: Keys of ``video`` defined by the schema (other keys a recorder adds are dropped).
VIDEO_FIELDS: tuple[str, ...] = (
    "path",
    "format",
    "filesize_bytes",
    "frames",
    "renderer",
    "notes",
    "sha256",
)
#: Keys of ``video_skip`` defined by the schema.
VIDEO_SKIP_FIELDS: tuple[str, ...] = ("reason", "message", "renderer", "steps")


@dataclasses.dataclass(frozen=True)
class EpisodeRecord:
    """One line of ``episodes.jsonl``; field meanings are in ``schemas/episode.schema.v2.json``.

    ``video`` and ``video_skip`` are mutually exclusive and both ``None`` when video was off.
    Optional context fields (``policy`` ...) are omitted from the JSON when ``None``, except
    ``max_steps`` where ``None`` is meaningful (the scenario's own limit).
    """

    episode_id: str
    scenario: str
    seed: int
    episode_idx: int
    steps: int
    outcome: str
    metrics: Mapping[str, Any]
    wall_time_s: float
    base_seed: int | None = None
    policy: str | None = None
    policy_sha256: str | None = None
    max_steps: int | None = None
    video_renderer: str | None = None
    package_version: str | None = None
    video: Mapping[str, Any] | None = None
    video_skip: Mapping[str, Any] | None = None
    actions: Mapping[str, Any] | None = None
    events: Sequence[Mapping[str, Any]] | None = None
    schema_version: str = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if self.video is not None and self.video_skip is not None:
            raise ValueError(f"record {self.episode_id} cannot have both video and video_skip")

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of the record, keys in schema order."""
        out: dict[str, Any] = {
            "schema_version": self.schema_version,
            "episode_id": self.episode_id,
            "scenario": self.scenario,
            "seed": int(self.seed),
            "episode_idx": int(self.episode_idx),
            "steps": int(self.steps),
            "outcome": self.outcome,
            "metrics": dict(self.metrics),
            "wall_time_s": float(self.wall_time_s),
        }
        for name in ("base_seed", "policy", "policy_sha256", "video_renderer", "package_version"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        out["max_steps"] = self.max_steps
        if self.events is not None:
            out["events"] = [dict(e) for e in self.events]
        if self.actions is not None:
            out["actions"] = dict(self.actions)
        if self.video is not None:
            out["video"] = {k: self.video[k] for k in VIDEO_FIELDS if k in self.video}
        if self.video_skip is not None:
            skip = self.video_skip
            out["video_skip"] = {k: skip[k] for k in VIDEO_SKIP_FIELDS if k in skip}
        return out


def comparable(record: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``record`` without timing fields, for comparing reruns or worker counts."""
    return {k: v for k, v in record.items() if k not in TIMING_FIELDS}
