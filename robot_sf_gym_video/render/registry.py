"""The renderer registry: every selectable frame source, with what it needs to start.

- ``RendererSpec``: one entry (name, class to import, optional dependency, fallback).
- ``RENDERERS``: the registry; ``render.factory.create_renderer`` builds from it, and every
  renderer tuple, ``Literal``, CLI ``choices=`` and schema enum derives from it or is
  checked against it (``tests/test_registries.py``).
- ``RENDERER_NAMES``: the registry's names (``"synthetic"``, ``"sim-view"``).
- ``RendererName`` / ``RendererChoice``: the same names as ``Literal`` types (plus
  ``"none"`` for "no video"), for signatures; a ``Literal`` cannot be computed, so
  ``tests/test_registries.py`` checks that they equal the registry.

Adding a renderer is a module with the class (``Renderer`` protocol, ``render.base``) plus
one entry here (and its name in the two ``Literal`` types below);
``python -m robot_sf_gym_video.benchmark.schema_sync`` then writes the new
name into the episode schemas (``docs/design.md``).
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Literal

from robot_sf_gym_video.registry import Registry

__all__ = ["RENDERERS", "RENDERER_NAMES", "RendererChoice", "RendererName", "RendererSpec"]


@dataclasses.dataclass(frozen=True)
class RendererSpec:
    """A selectable frame source.

    Attributes:
        name: What users pass (``renderer=...``) and what ``video.renderer`` records.
        factory: ``"module:Class"`` of the renderer, imported only when one is created, so
            an optional backend costs nothing until it is used.
        needs: Import name of the optional dependency it draws with (None: numpy only);
            documentation for users, the class itself raises ``RendererUnavailable``.
        fallback: Renderer used instead when this one cannot start (its constructor raises
            ``RendererUnavailable``); None means the error propagates.
        fallback_options: Options the fallback shares with this renderer (others are
            dropped when falling back).
        summary: One line for the docs and ``--help``.
    """

    name: str
    factory: str
    needs: str | None = None
    fallback: str | None = None
    fallback_options: tuple[str, ...] = ()
    summary: str = ""

    def load(self) -> type:
        """Import and return the renderer class."""
        module, _, attr = self.factory.partition(":")
        return getattr(importlib.import_module(module), attr)

    def default_size(self) -> tuple[int, int]:
        """Return the ``DEFAULT_SIZE`` of the renderer's module (without building one)."""
        return importlib.import_module(self.factory.partition(":")[0]).DEFAULT_SIZE


RENDERERS: Registry[RendererSpec] = Registry(
    "renderer",
    [
        RendererSpec(
            name="synthetic",
            factory="robot_sf_gym_video.render.synthetic:SyntheticRenderer",
            summary="pure numpy rasteriser (default; cannot fail to start)",
        ),
        RendererSpec(
            name="sim-view",
            factory="robot_sf_gym_video.render.sim_view:SimulationView",
            needs="pygame",
            fallback="synthetic",
            fallback_options=("show_trail",),
            summary="anti-aliased pygame-ce drawing; synthetic when pygame cannot start",
        ),
    ],
)
RENDERER_NAMES: tuple[str, ...] = RENDERERS.names()
RendererName = Literal["synthetic", "sim-view"]
#: ``renderer=`` / ``video_renderer=`` values: a renderer name, or ``"none"`` (no video).
RendererChoice = Literal["synthetic", "sim-view", "none"]
