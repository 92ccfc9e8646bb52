"""What is being recorded right now, and when recording starts: takes and triggers.

- ``Take``: the state of the one file being recorded (a whole episode or a clip): its
  name, paths, frame count, first global step and frame cap. The wrapper keeps at most one.
- ``capped_cubic_video_schedule``: Gymnasium's default episode trigger (episodes 0, 1, 8,
  27, ..., 729, then every 1000th), offered for users porting ``RecordVideo`` code. It is
  not this wrapper's default: without triggers, every episode is filmed.
- ``Triggers``: ``RecordVideo``'s ``episode_trigger`` / ``step_trigger`` / ``video_length``
  with their meaning, resolved once.

Whole-episode takes (``kind == "episode"``) keep the contract: frames == steps and the name
``<scenario>__<seed>__<idx>``. Every other take is a clip named
``<scenario>__clip-<first_global_step>__<k>``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Take", "Triggers", "capped_cubic_video_schedule"]


def capped_cubic_video_schedule(episode_id: int) -> bool:
    """Return True for perfect cubes below 1000, then for every 1000th episode."""
    if episode_id < 1000:
        return round(episode_id ** (1.0 / 3)) ** 3 == episode_id
    return episode_id % 1000 == 0


def _every_episode(episode_id: int) -> bool:
    return True


@dataclass
class Take:
    """The one file being recorded (a whole episode or a clip).

    Attributes:
        name: File stem: an episode id or a clip id.
        kind: ``"episode"`` (whole episode, reported in ``info["video"]``) or ``"clip"``
            (reported in ``info["video_clip"]``).
        final_path: Absolute path of the finished MP4.
        report_path: The path as reported (``video_dir`` as the user gave it).
        first_step: Global step index (over the wrapper's life, from 0) of its first frame.
        limit: Frame cap (``video_length``); None records until the episode ends.
        episode_bound: Ends with the episode it started in (episode-triggered takes, and
            step-triggered clips without a cap, as in ``RecordVideo``). A capped
            step-triggered clip runs on across resets.
        frames: Frames handed to the recorder so far.
        begun: The recorder was told about this file (its first frame went out).
        scene_stale: A new episode started since the recorder last got the static scene.
        error: Why this take can produce no file, once known.
        held: Its fate is decided at its end (``keep_episode``): the recorder gets its
            messages only then, and a take not kept leaves nothing.
    """

    name: str
    kind: Literal["episode", "clip"]
    final_path: str
    report_path: str
    first_step: int
    limit: int | None
    episode_bound: bool
    frames: int = 0
    begun: bool = False
    scene_stale: bool = False
    error: str | None = None
    held: bool = False

    @property
    def full(self) -> bool:
        """True once the take holds ``limit`` frames."""
        return self.limit is not None and self.frames >= self.limit


class Triggers:
    """When takes start and what kind they are, with ``RecordVideo``'s argument meaning.

    Args:
        episode_trigger: ``f(episode_index) -> bool``: film this episode (from its first
            step). Default: every episode, unless ``step_trigger`` is given (then none, as
            in ``RecordVideo``).
        step_trigger: ``f(global_step) -> bool``: start a clip at this step (global steps
            count every ``step()`` of the wrapper's life, from 0).
        video_length: Frame cap of a take; None films whole episodes.
    """

    def __init__(
        self,
        episode_trigger: Callable[[int], bool] | None,
        step_trigger: Callable[[int], bool] | None,
        video_length: int | None,
    ) -> None:
        if episode_trigger is None and step_trigger is None:
            episode_trigger = _every_episode
        self.episode_trigger = episode_trigger
        self.step_trigger = step_trigger
        self.video_length = video_length

    def films_episode(self, episode_index: int) -> bool:
        """Return True when the episode starting now is to be filmed."""
        trigger = self.episode_trigger
        return trigger is not None and bool(trigger(episode_index))

    def starts_clip(self, global_step: int) -> bool:
        """Return True when a clip starts at this global step."""
        trigger = self.step_trigger
        return trigger is not None and bool(trigger(global_step))

    def episode_kind(self) -> Literal["episode", "clip"]:
        """Whole-episode files without a frame cap, clips with one."""
        return "episode" if self.video_length is None else "clip"
