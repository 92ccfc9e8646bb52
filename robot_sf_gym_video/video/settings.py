"""Defaults the wrapper derives from the env it wraps, and the existing-folder warning.

- ``resolve_renderer(renderer, unwrapped, social)``: ``None`` means the env's own
  renderer (a SocialNav env's ``renderer_name``), so ``gym.make(..., renderer="sim-view")``
  is filmed with sim-view without repeating it; other envs are filmed by ``render()``.
- ``resolve_size(video_size, unwrapped, social)``: the frame size of SocialNav videos.
- ``default_fps(env)``: ``env.metadata["render_fps"]``, else 30.
- ``env_name(env)``: ``env.spec.id``, else the class name (for names and messages).
- ``warn_existing_videos(folder)``: one warning when the folder already holds MP4 files,
  as ``RecordVideo`` warns (files of the same name would be replaced).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.render.registry import RENDERER_NAMES

__all__ = ["default_fps", "env_name", "resolve_renderer", "resolve_size", "warn_existing_videos"]

log = logging.getLogger(__name__)

_DEFAULT_FPS = 30.0


def resolve_renderer(renderer: str | None, unwrapped: Any, social: bool) -> str:
    """Return the renderer to film with (``"none"`` stays ``"none"``)."""
    if renderer is not None:
        return renderer
    own = getattr(unwrapped, "renderer_name", None) if social else None
    return own if own in RENDERER_NAMES else RENDERER_NAMES[0]


def resolve_size(
    video_size: tuple[int, int] | None, unwrapped: Any, social: bool
) -> tuple[int, int] | None:
    """Return the SocialNav frame size: the option, else the env's ``video_size``.

    Raises:
        UsageError: a size was given for a generic env (its frames are ``render()``'s),
            or the size is invalid.
    """
    if video_size is not None:
        if not social:
            raise UsageError(
                "video_size is only for SocialNav envs; other envs are filmed at the size "
                "their render() returns"
            )
        from robot_sf_gym_video.render.base import validate_size

        return validate_size(video_size)
    size = getattr(unwrapped, "video_size", None) if social else None
    return tuple(size) if size is not None else None


def default_fps(env: Any) -> float:
    """Return the env's ``render_fps`` when it is a positive number, else 30."""
    fps = (env.metadata or {}).get("render_fps")
    try:
        fps = float(fps)
    except (TypeError, ValueError):
        return _DEFAULT_FPS
    return fps if math.isfinite(fps) and fps > 0 else _DEFAULT_FPS


def env_name(env: Any) -> str:
    """Return ``env.spec.id``, else the unwrapped env's class name."""
    spec = env.spec
    return spec.id if spec is not None else type(env.unwrapped).__name__


def warn_existing_videos(folder: Path) -> None:
    """Log one warning when ``folder`` already holds MP4 files this wrapper did not write."""
    try:
        count = sum(1 for p in folder.glob("*.mp4") if p.is_file())
    except OSError:
        return
    if count:
        log.warning(
            "video folder %s already holds %d MP4 file(s); files with the same names will be "
            "replaced (use another video_dir to keep them)",
            folder,
            count,
        )
