"""Deterministic renderer selection with a documented fallback.

- ``create_renderer(name, size=None, **options)``: the one way the env, the video wrapper
  and the recorder get a frame source; returns ``(renderer, note)``.

Rules (docs/renderers.md):

- A name is looked up in ``render.registry.RENDERERS``; the entry's class is imported and
  built (``"synthetic"`` -> ``SyntheticRenderer``, pure numpy, cannot fail to start).
- An entry with a ``fallback`` (``"sim-view"`` -> ``"synthetic"``): if its class raises
  ``RendererUnavailable`` (pygame not importable, SDL cannot start), the fallback of the
  same size is built instead, plus a one-line note saying why (the wrapper stores it in
  ``video.notes``). The warning is logged once per process and reason, not per episode.
- Any other name -> ``UsageError``. Bad sizes and unknown options -> ``UsageError``.
"""

from __future__ import annotations

import logging
from typing import Any

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.fileops import warn_once
from robot_sf_gym_video.render.base import Renderer, RendererUnavailable
from robot_sf_gym_video.render.registry import RENDERERS

__all__ = ["create_renderer"]

logger = logging.getLogger(__name__)


def create_renderer(
    name: str = "synthetic", size: tuple[int, int] | None = None, **options: Any
) -> tuple[Renderer, str | None]:
    """Return ``(renderer, note)`` for ``name``; ``note`` is None unless a fallback happened.

    Args:
        name: A ``RENDERERS`` name (``"synthetic"`` or ``"sim-view"``).
        size: ``(width_px, height_px)``, both even; None picks the renderer's default
            (synthetic 256x192, sim-view 640x480). A fallback keeps the requested size.
        **options: Renderer options, e.g. ``show_trail`` (both), ``show_lidar`` and
            ``show_velocities`` (sim-view only; ignored by a synthetic fallback).

    Raises:
        UsageError: Unknown name, bad size, or an option the renderer does not have.
    """
    spec = RENDERERS.get(name)
    try:
        return _construct(spec.load(), size, options), None
    except RendererUnavailable as exc:
        if spec.fallback is None:
            raise
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    note = f"{spec.name} unavailable ({reason}); used {spec.fallback}"
    warn_once(logger, note, "%s", note)
    kept = {k: v for k, v in options.items() if k in spec.fallback_options}
    return _construct(RENDERERS.get(spec.fallback).load(), size, kept), note


def _construct(cls: type, size: tuple[int, int] | None, options: dict[str, Any]) -> Any:
    """Instantiate ``cls`` turning an unknown keyword into a one-line ``UsageError``."""
    import inspect

    params = inspect.signature(cls.__init__).parameters
    unknown = sorted(k for k in options if k not in params or k in ("self", "size"))
    if unknown:
        allowed = ", ".join(p for p in params if p not in ("self", "size"))
        raise UsageError(
            f"unknown option(s) {', '.join(unknown)} for renderer {cls.name!r}; allowed: {allowed}"
        )
    return cls(size, **options)
