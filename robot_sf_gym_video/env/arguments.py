"""Checks of what users hand ``SocialNavEnv``: step limits, frame sizes and actions.

- ``resolve_step_limit(max_episode_steps, max_steps)``: the one step-limit override.
- ``check_video_size(video_size)``: a frame size, checked with the renderers' own rule.
- ``parse_action(action)``: one action as two finite numbers.

Why a module of its own: bad input is refused once, at the env's boundary, with one clear
line (``UsageError``); keeping those rules apart leaves the env class to the episode itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from robot_sf_gym_video.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["check_video_size", "parse_action", "resolve_step_limit"]


def resolve_step_limit(max_episode_steps: Any, max_steps: Any) -> int | None:
    """Return the env's own step limit from its two spellings (None: the scenario's).

    Raises:
        UsageError: The two disagree, or the limit is not an integer >= 1.
    """
    if max_steps is not None:
        if max_episode_steps is not None and max_episode_steps != max_steps:
            raise UsageError(
                f"max_steps={max_steps!r} and max_episode_steps={max_episode_steps!r} "
                "disagree; pass one of them"
            )
        max_episode_steps = max_steps
    if max_episode_steps is not None and (
        isinstance(max_episode_steps, bool)
        or not isinstance(max_episode_steps, (int, np.integer))
        or max_episode_steps < 1
    ):
        raise UsageError(
            f"max_episode_steps must be an integer >= 1 or None, got {max_episode_steps!r}"
        )
    return None if max_episode_steps is None else int(max_episode_steps)


def check_video_size(video_size: Sequence[int] | None) -> tuple[int, int] | None:
    """Validate a frame size early (at construction), with the renderers' own rule."""
    if video_size is None:
        return None
    from robot_sf_gym_video.render.base import validate_size

    return validate_size(video_size)


def parse_action(action: Any) -> tuple[float, float]:
    """Two finite numbers, clipped to ``[-1, 1]``; anything else is a usage error."""
    try:
        values = np.asarray(action, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise UsageError(f"action must be 2 numbers (linear, angular), got {action!r}") from None
    if values.shape != (2,) or not np.isfinite(values).all():
        raise UsageError(
            f"action must be 2 finite numbers (linear, angular) in [-1, 1], got {action!r}"
        )
    return float(values[0]), float(values[1])
