"""Frame sources: the synthetic numpy rasterizer and the headless pygame SimulationView.

Public API (pygame is imported only when a sim-view renderer is created):

- ``create_renderer(name, size=None, **options) -> (renderer, note)``: deterministic
  selection with fallback from ``"sim-view"`` to ``"synthetic"`` (``factory``).
- ``Renderer``: the protocol both renderers implement; ``RENDERER_NAMES``; ``RendererUnavailable``
  (``base``).
- ``SyntheticRenderer``: pure numpy, palette-indexed, emits yuv420p for the encoder
  (``synthetic``; static layer in ``synthetic_layer``, primitives in ``raster``, text in
  ``font5x7``).
- ``SimulationView``: anti-aliased pygame-ce drawing offscreen (``sim_view``).
- ``Viewport``: the one metres -> pixels transform (``viewport``); ``Ink`` and the palette
  and YUV tables (``palette``); HUD wording (``hud``).

Renderers only read ``sim.snapshot.StaticScene`` and ``FrameSnapshot``; they never import
physics or touch the env's RNG.
"""

from __future__ import annotations

from robot_sf_gym_video.render.base import (
    RENDERER_NAMES,
    Renderer,
    RendererUnavailable,
    validate_size,
)
from robot_sf_gym_video.render.factory import create_renderer
from robot_sf_gym_video.render.palette import Ink
from robot_sf_gym_video.render.synthetic import SyntheticRenderer
from robot_sf_gym_video.render.viewport import Viewport

__all__ = [
    "RENDERER_NAMES",
    "Ink",
    "Renderer",
    "RendererUnavailable",
    "SimulationView",
    "SyntheticRenderer",
    "Viewport",
    "create_renderer",
    "validate_size",
]


def __getattr__(name: str) -> object:
    """Import ``SimulationView`` lazily (its module is cheap, but keep the surface small)."""
    if name == "SimulationView":
        from robot_sf_gym_video.render.sim_view import SimulationView

        return SimulationView
    raise AttributeError(f"module 'robot_sf_gym_video.render' has no attribute {name!r}")
