"""The default frame source: a vectorised numpy palette rasterizer (no pygame, no fonts).

- ``SyntheticRenderer``: draws a ``StaticScene`` + ``FrameSnapshot`` into an RGB frame, a
  palette-index frame, or straight into yuv420p planes for the encoder.
- ``DEFAULT_SIZE``: ``(256, 192)`` pixels; docs/renderers.md explains the choice.

Why it is cheap (PERF.md: drawing + encoding one frame must keep up with a ~1 ms sim step,
and on this class of machine every numpy call costs ~2 us, so the call count matters):

1. The static layer (``synthetic_layer``) is rasterized once per ``StaticScene`` into
   ready palette-index, RGB and I420 frames.
2. Per frame the moving parts become ONE draw list (``synthetic_draw``): positions in
   drawing order, each with its I420 byte and its ink, computed once from tables
   precomputed per geometry; shapes that cross the map's edge are clipped
   (``synthetic_clip``).
3. Each output is "copy the static frame, write the draw list": ``render_for_encoder``
   writes the I420 bytes, ``render`` and ``render_indices`` the inks' colours or the inks.
   No RGB->YUV conversion happens anywhere, and cost scales with what moves.

Overlaps resolve in drawing order (trail, pedestrians, ticks, robot, nose, collision
marks, HUD text): numpy's 1-D fancy assignment writes in sequence (the last write wins; a
test pins this). Output is a pure function of ``(static, snap)``: identical inputs give
byte-identical frames, and inputs are never modified.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from robot_sf_gym_video.render.base import validate_size
from robot_sf_gym_video.render.font5x7 import ADVANCE_PX, text_width_px
from robot_sf_gym_video.render.hud import event_rings, hud_text, progress_text
from robot_sf_gym_video.render.palette import Ink
from robot_sf_gym_video.render.synthetic_draw import DrawList, DrawTables, HudLayout
from robot_sf_gym_video.render.synthetic_emit import emit_i420, emit_indices, emit_rgb
from robot_sf_gym_video.render.synthetic_layer import StaticLayer, build_static_layer

if TYPE_CHECKING:
    from robot_sf_gym_video.render.viewport import Viewport
    from robot_sf_gym_video.sim.snapshot import FrameSnapshot, StaticScene

__all__ = ["DEFAULT_SIZE", "ENCODER_RING", "SyntheticRenderer"]

#: Chosen by the paired budget measurement (docs/performance.md): at 320x240 the recorder's
#: CPU per frame came within ~20% of a sim step and video cost ~10% of batch wall time;
#: 256x192 measured ~1%, with every agent, heading tick and HUD character still legible.
DEFAULT_SIZE: tuple[int, int] = (256, 192)
_TABLE_CACHE_SIZE = 16  # draw tables kept, by geometry (like the map cache)
#: Frames ``draw_for_encoder`` keeps intact at once: the recorder draws up to this many,
#: then encodes them. Beyond ~16 the caches gain nothing more (docs/performance.md).
ENCODER_RING = 16


def _ring_slot(n_buffer: int, n_frame: int) -> tuple[np.ndarray, np.ndarray]:
    """Return one reusable ``(buffer, view of its first n_frame bytes)`` for the encoder."""
    buf = np.empty(n_buffer, dtype=np.uint8)
    return buf, buf[:n_frame]


class SyntheticRenderer:
    """Vectorised numpy renderer; the default frame source (see the module docstring).

    Attributes:
        name: ``"synthetic"``.
        size: ``(width_px, height_px)``.
        encoder_pix_fmt: ``"yuv420p"``; ``render_for_encoder`` returns I420 planes.
        encoder_ring: How many ``draw_for_encoder`` frames stay intact at once.
    """

    name = "synthetic"
    encoder_pix_fmt = "yuv420p"

    def __init__(self, size: tuple[int, int] | None = None, *, show_trail: bool = True) -> None:
        """Create a renderer for frames of ``size`` (default ``DEFAULT_SIZE``).

        Args:
            size: ``(width_px, height_px)``, both even; ``UsageError`` otherwise.
            show_trail: Draw the robot's recent path.
        """
        self.size = validate_size(DEFAULT_SIZE if size is None else size)
        self.show_trail = bool(show_trail)
        self._layer: StaticLayer | None = None
        self._tables: DrawTables | None = None  # the draw tables of _layer
        self._last: tuple[object, object, DrawList] | None = None  # (static, snap, ops)
        self._maps: dict = {}  # map images by scenario geometry, reused across episodes
        self._table_cache: dict = {}  # draw tables by geometry (DrawTables.key)
        self.encoder_ring = ENCODER_RING
        self._ring: list[tuple[np.ndarray, np.ndarray]] = []  # see draw_for_encoder
        self._slot = 0

    # -- public API -------------------------------------------------------------------------

    def render(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return a new ``(H, W, 3) uint8`` C-contiguous RGB frame of ``snap``."""
        ops = self._draw(static, snap)
        return emit_rgb(ops, self._layer.rgb, self._tables.n_buffer)

    def render_for_encoder(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return a new yuv420p (I420) buffer: Y ``H*W`` bytes, then U, then V (``H*W/4``).

        Y is exactly the BT.601 limited-range luma of ``render()``'s pixels; U and V are
        what swscale makes of them (PyAV ``reformat`` to yuv420p, see ``chroma``), so
        the encoder gets what converting ``render()`` would give, without converting.
        """
        ops = self._draw(static, snap)
        return emit_i420(ops, self._layer.idx, self._layer.yuv, self._tables)

    def draw_for_encoder(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return ``render_for_encoder``'s frame in one of ``encoder_ring`` reused buffers.

        The buffers are used in turn, so a frame stays intact for the next
        ``encoder_ring - 1`` calls and is then overwritten; the same array objects come
        back, in the same order. For a consumer that draws a few frames, then encodes
        them (the recorder): it wraps each buffer once instead of copying every frame,
        and each phase runs with its own code and tables warm in the CPU caches.
        """
        ops = self._draw(static, snap)
        tables = self._tables
        if not self._ring or len(self._ring[0][0]) != tables.n_buffer:
            ring = range(self.encoder_ring)
            self._ring = [_ring_slot(tables.n_buffer, tables.n_frame) for _ in ring]
        frame = self._ring[self._slot]
        self._slot = (self._slot + 1) % len(self._ring)
        return emit_i420(ops, self._layer.idx, self._layer.yuv, tables, frame)

    def render_indices(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return a new ``(H, W) uint8`` palette-index image (``palette.Ink`` values).

        Shows what was drawn where independent of colours (tests use it).
        """
        ops = self._draw(static, snap)
        return emit_indices(ops, self._layer.idx, self._tables.n_buffer)

    def viewport(self, static: StaticScene) -> Viewport:
        """Return the metres -> pixels transform used for ``static`` at this size."""
        return self._layer_for(static).viewport

    def close(self) -> None:
        """Drop cached layers (there is nothing else to release)."""
        self._layer = None
        self._tables = None
        self._last = None
        self._maps.clear()
        self._table_cache.clear()
        self._ring = []

    # -- per-frame drawing ------------------------------------------------------------------

    def _layer_for(self, static: StaticScene) -> StaticLayer:
        """Return the cached static layer of ``static`` (by identity), building it once."""
        if self._layer is None or self._layer.static is not static:
            self._layer = build_static_layer(static, self.size, self._maps)
            self._tables = self._tables_for(self._layer)
            self._last = None
        return self._layer

    def _tables_for(self, layer: StaticLayer) -> DrawTables:
        """Return the draw tables for ``layer``, reusing those of an equal geometry."""
        key = DrawTables.key(layer)
        tables = self._table_cache.get(key)
        if tables is None:
            if len(self._table_cache) >= _TABLE_CACHE_SIZE:
                self._table_cache.pop(next(iter(self._table_cache)))
            tables = self._table_cache[key] = DrawTables(layer)
        return tables

    def _draw(self, static: StaticScene, snap: FrameSnapshot) -> DrawList:
        """Return the draw list of ``snap`` (cached for the last snapshot).

        Snapshots are immutable and the cache holds references, so identity is a safe key:
        ``render()`` and ``render_for_encoder()`` of one snapshot draw it once.
        """
        layer = self._layer_for(static)
        last = self._last
        if last is not None and last[0] is static and last[1] is snap:
            return last[2]
        tables = self._tables
        if snap.outcome is None and snap.collision is None and not snap.marks:
            hud = (progress_text(static, snap)[: tables.max_chars], "", 0, Ink.HUD_TEXT)
        else:
            hud = self._hud_layout(layer, static, snap)
        rings = event_rings(static, snap, layer.viewport, layer.scale) if snap.marks else ()
        ops = tables.draw(snap, hud, self.show_trail, rings)
        self._last = (static, snap, ops)
        return ops

    def _hud_layout(
        self, layer: StaticLayer, static: StaticScene, snap: FrameSnapshot
    ) -> HudLayout:
        """Return ``(progress, status, status_x, status_ink)``: the HUD text that fits.

        Text is cut to whole characters that fit: the status (outcome) is right-aligned
        and wins over the progress text when the frame is too narrow for both.
        """
        text = hud_text(static, snap)
        scale, width_px = layer.scale, self.size[0]
        advance = ADVANCE_PX * scale
        status = text.status[: max((width_px - 2 * scale) // advance, 0)]
        status_x = width_px - 2 * scale - text_width_px(status, scale) + scale
        room = (status_x - advance if status else width_px) - layer.progress_x_px
        progress = text.progress[: max(room // advance, 0)]
        return progress, status, status_x, text.status_ink
