"""Which episodes get a video: the ``--video-episodes`` / ``film --episodes`` selectors.

- ``SELECTOR_FORMS``: the accepted forms, for help texts and error messages.
- ``VideoSelection``: a parsed selector; ``decided_before`` says whether an episode is
  filmed before it runs (``None`` for ``failures``, which needs the outcome) and
  ``selects`` answers once the outcome is known.
- ``not_selected_skip(selection, renderer, steps)``: the record's ``video_skip`` of an
  episode the selection left out (reason ``not-selected``).
- ``parse_selection(text)``: ``"all" | "failures" | "first:N" | "every:K"`` to a
  ``VideoSelection``; anything else is a ``UsageError`` naming the value and the forms.

Counting is per scenario by ``episode_idx``, so a selection picks the same episodes
whatever the worker count, the order episodes finish in, or which scenarios ran with them:
``first:N`` is ``episode_idx < N`` and ``every:K`` is ``episode_idx % K == 0`` (episodes 0,
K, 2K, ... of each scenario). ``failures`` is every outcome other than ``success``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from robot_sf_gym_video.errors import UsageError

__all__ = [
    "NOT_SELECTED",
    "SELECTOR_FORMS",
    "VideoSelection",
    "not_selected_skip",
    "parse_selection",
]

#: ``video_skip.reason`` of an episode left out by the selection.
NOT_SELECTED = "not-selected"

SELECTOR_FORMS = "all, failures, first:N or every:K (N, K >= 1)"

SelectionKind = Literal["all", "failures", "first", "every"]


@dataclasses.dataclass(frozen=True)
class VideoSelection:
    """A parsed selector (picklable: workers receive it).

    Attributes:
        kind: ``all``, ``failures``, ``first`` or ``every``.
        count: N of ``first:N`` or K of ``every:K``; 0 for the other kinds.
    """

    kind: SelectionKind = "all"
    count: int = 0

    def __str__(self) -> str:
        return self.kind if self.kind in ("all", "failures") else f"{self.kind}:{self.count}"

    @property
    def needs_outcome(self) -> bool:
        """True when the choice can only be made after the episode (``failures``)."""
        return self.kind == "failures"

    def decided_before(self, episode_idx: int) -> bool | None:
        """Whether episode ``episode_idx`` is filmed, or None if that needs its outcome."""
        if self.kind == "all":
            return True
        if self.kind == "first":
            return episode_idx < self.count
        if self.kind == "every":
            return episode_idx % self.count == 0
        return None

    def selects(self, episode_idx: int, outcome: str) -> bool:
        """Whether a finished episode with this index and outcome is filmed."""
        before = self.decided_before(episode_idx)
        return outcome != "success" if before is None else before


def parse_selection(value: object, what: str = "video_episodes") -> VideoSelection:
    """Parse one selector; ``what`` names the option in the error message.

    Raises:
        UsageError: not one of ``SELECTOR_FORMS``.
    """
    if isinstance(value, VideoSelection):
        return value
    text = value.strip().lower() if isinstance(value, str) else None
    if text in ("all", "failures"):
        return VideoSelection(text)  # type: ignore[arg-type]
    if text is not None and ":" in text:
        kind, _, number = text.partition(":")
        if kind in ("first", "every") and number.strip().isdigit() and int(number) >= 1:
            return VideoSelection(kind, int(number))  # type: ignore[arg-type]
    raise UsageError(f"{what} {value!r} is not one of {SELECTOR_FORMS}")


def not_selected_skip(selection: VideoSelection, renderer: str, steps: int) -> dict[str, Any]:
    """Return the ``video_skip`` of an episode that ``selection`` does not film.

    It counts as done on ``--resume``; ``robot-sf-bench film`` can film it later.
    """
    return {
        "reason": NOT_SELECTED,
        "message": f"not chosen by video_episodes={selection}; film it with robot-sf-bench film",
        "renderer": renderer,
        "steps": int(steps),
    }
