"""The default frame source: a vectorised numpy palette rasterizer (no pygame, no fonts).

- ``SyntheticRenderer``: draws a ``StaticScene`` + ``FrameSnapshot`` into an RGB frame, or
  straight into yuv420p planes for the encoder.
- ``DEFAULT_SIZE``: ``(256, 192)`` pixels; docs/renderers.md explains the choice.

Why it is cheap (PERF.md: drawing + encoding one frame must keep up with a ~1 ms sim step,
and on this class of machine every numpy call costs ~2 us, so the call count matters):

1. The static layer (``synthetic_layer``) is rasterized once per ``StaticScene`` into
   ready palette-index, RGB and I420 frames.
2. Per frame the moving parts become ONE array of pixel indices plus one ink per index:
   every point goes through one affine transform; discs are precomputed stencils added to
   their centres in one broadcast (no per-pedestrian loop); the trail is sampled at < 1 px
   spacing in one broadcast; heading ticks and the robot's nose are rows of precomputed
   per-direction line tables, picked with one gather. Indices live in a
   virtual padded canvas with positions clamped into the padding, so nothing wraps; one
   pass maps them to frame pixels and drops what falls in the padding or over the HUD.
3. Each output is "copy the static frame, write the touched pixels": luma and the three
   RGB channels through per-ink tables, chroma written per touched 2x2 block. No
   RGB->YUV conversion happens anywhere, and cost scales with what moves.
4. ``render_for_encoder`` (the recorder's call) first tries ``synthetic_fast``, which
   draws the same frame in about a third of the numpy calls when the trail and the robot
   are well inside the map (every frame of the built-in scenarios); points 2-3 are the
   general path, used otherwise and by ``render`` and ``render_indices``.

Overlaps resolve in drawing order (trail, pedestrians, ticks, robot, nose, collision
marks, HUD text): the indices are concatenated in that order and numpy's 1-D fancy
assignment writes them in sequence (the last write wins; a test pins this). Output is a
pure function of ``(static, snap)``: identical inputs give byte-identical frames, and inputs
are never modified.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from robot_sf_gym_video.render.base import validate_size
from robot_sf_gym_video.render.font5x7 import ADVANCE_PX, text_width_px
from robot_sf_gym_video.render.hud import hud_text, progress_text
from robot_sf_gym_video.render.palette import LUT_U, LUT_V, LUT_Y, PALETTE_RGB, Ink
from robot_sf_gym_video.render.synthetic_fast import FastI420, HudLayout
from robot_sf_gym_video.render.synthetic_layer import (
    LUMA_ONLY_INKS,
    NOSE_DIRECTIONS,
    StaticLayer,
    build_static_layer,
    text_offsets,
    tick_directions,
)
from robot_sf_gym_video.render.synthetic_trail import MAX_TRAIL_SAMPLES

if TYPE_CHECKING:
    from robot_sf_gym_video.render.viewport import Viewport
    from robot_sf_gym_video.sim.snapshot import FrameSnapshot, StaticScene

__all__ = ["DEFAULT_SIZE", "SyntheticRenderer"]

#: Chosen by the paired budget measurement (docs/performance.md): at 320x240 the recorder's
#: CPU per frame came within ~20% of a sim step and video cost ~10% of batch wall time;
#: 256x192 measured ~1%, with every agent, heading tick and HUD character still legible.
DEFAULT_SIZE: tuple[int, int] = (256, 192)
_FAST_CACHE_SIZE = 16  # fast-path tables kept, by geometry (like the map cache)

_PALETTE_PLANES = tuple(np.ascontiguousarray(PALETTE_RGB[:, c]) for c in range(3))
_CHROMA_OK = np.ones(256, dtype=bool)  # False: the ink writes luma only (see _Frame.chroma)
_CHROMA_OK[list(LUMA_ONLY_INKS)] = False


@dataclass
class _Frame:
    """The moving parts of one snapshot: frame pixel indices and their inks, in order.

    ``dst`` holds the shapes (already clipped to the map, below the HUD) followed by the
    per-frame HUD text (progress, then status); ``ink`` is the palette index for each
    entry (intp, so table look-ups need no index conversion).
    """

    static: StaticScene
    snap: FrameSnapshot
    dst: np.ndarray
    ink: np.ndarray
    shape_rows: np.ndarray = field(repr=False)  # frame rows of the shape entries
    shape_cols: np.ndarray = field(repr=False)  # frame columns of the shape entries
    n_status: int = 0  # entries of the status text, at the end of dst
    _chroma: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def chroma(self, width_px: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(blocks, inks)``: the 2x2 chroma block and ink of each chroma write.

        Luma-only inks (``_CHROMA_OK``) leave the chroma underneath: dark agent outlines,
        whose blocks are shared with the floor (their chroma would paint a coloured halo
        around every agent once decoded), and the neutral grey/white HUD text. Shapes use
        their known rows/columns (shifts only); only a status word needs a division.
        Computed once per frame, on demand.
        """
        if self._chroma is None:
            half_w = width_px // 2
            n = len(self.shape_rows)
            blocks = (self.shape_rows >> 1) * half_w + (self.shape_cols >> 1)
            inks = self.ink[:n]
            if self.n_status:
                rows, cols = np.divmod(self.dst[-self.n_status :], width_px)
                blocks = np.concatenate((blocks, (rows >> 1) * half_w + (cols >> 1)))
                inks = np.concatenate((inks, self.ink[-self.n_status :]))
            ok = _CHROMA_OK[inks]
            self._chroma = blocks[ok], inks[ok]
        return self._chroma


class SyntheticRenderer:
    """Vectorised numpy renderer; the default frame source (see the module docstring).

    Attributes:
        name: ``"synthetic"``.
        size: ``(width_px, height_px)``.
        encoder_pix_fmt: ``"yuv420p"``; ``render_for_encoder`` returns I420 planes.
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
        self._fast: FastI420 | None = None  # the I420 fast path of _layer, if it has one
        self._frame: _Frame | None = None
        self._maps: dict = {}  # map images by scenario geometry, reused across episodes
        self._fasts: dict = {}  # I420 fast-path tables by geometry (FastI420.key)
        self._t_cache: dict[int, np.ndarray] = {}

    # -- public API -------------------------------------------------------------------------

    def render(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return a new ``(H, W, 3) uint8`` C-contiguous RGB frame of ``snap``."""
        layer, frame = self._draw(static, snap)
        rgb = layer.rgb.copy()
        channels = rgb.reshape(-1, 3)
        for c, table in enumerate(_PALETTE_PLANES):
            channels[:, c][frame.dst] = table[frame.ink]
        return rgb

    def render_for_encoder(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return a new yuv420p (I420) buffer: Y ``H*W`` bytes, then U, then V (``H*W/4``).

        Y is exactly the BT.601 limited-range luma of ``render()``'s pixels. U and V are
        the 2x2 box average over the static scene; a block touched by a moving shape or a
        coloured HUD word takes the chroma of the ink drawn last in it, while dark agent
        outlines and grey HUD text keep the chroma underneath (see ``_Frame.chroma``).
        """
        layer = self._layer_for(static)
        fast = self._fast
        if fast is not None:
            if snap.outcome is None and snap.collision is None:  # no status: just the counter
                hud = (progress_text(static, snap)[: fast.max_chars], "", 0, Ink.HUD_TEXT)
            else:
                hud = self._hud_layout(layer, static, snap)
            out = fast.draw(layer.yuv, snap, hud, self.show_trail)
            if out is not None:
                return out
        layer, frame = self._draw(static, snap)
        width_px, height_px = self.size
        n_y = width_px * height_px
        n_c = n_y // 4
        out = layer.yuv.copy()
        out[frame.dst] = LUT_Y[frame.ink]
        blocks, inks = frame.chroma(width_px)
        out[n_y:][blocks] = LUT_U[inks]
        out[n_y + n_c :][blocks] = LUT_V[inks]
        return out

    def render_indices(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return a new ``(H, W) uint8`` palette-index image (``palette.Ink`` values).

        Shows what was drawn where independent of colours (tests use it).
        """
        layer, frame = self._draw(static, snap)
        idx = layer.idx.copy()
        idx.reshape(-1)[frame.dst] = frame.ink
        return idx

    def viewport(self, static: StaticScene) -> Viewport:
        """Return the metres -> pixels transform used for ``static`` at this size."""
        return self._layer_for(static).viewport

    def close(self) -> None:
        """Drop cached layers (there is nothing else to release)."""
        self._layer = None
        self._fast = None
        self._frame = None
        self._maps.clear()
        self._fasts.clear()

    # -- per-frame drawing ------------------------------------------------------------------

    def _layer_for(self, static: StaticScene) -> StaticLayer:
        """Return the cached static layer of ``static`` (by identity), building it once."""
        if self._layer is None or self._layer.static is not static:
            self._layer = build_static_layer(static, self.size, self._maps)
            self._fast = self._fast_tables(self._layer)
            self._frame = None
        return self._layer

    def _fast_tables(self, layer: StaticLayer) -> FastI420 | None:
        """Return the I420 fast path for ``layer``, reusing one of an equal geometry."""
        if not FastI420.applies(layer):
            return None
        key = FastI420.key(layer)
        fast = self._fasts.get(key)
        if fast is None:
            if len(self._fasts) >= _FAST_CACHE_SIZE:
                self._fasts.pop(next(iter(self._fasts)))
            fast = self._fasts[key] = FastI420(layer)
        return fast

    def _samples(self, n: int) -> np.ndarray:
        """Return cached ``linspace(0, 1, n + 1)`` (segment sample parameters)."""
        t = self._t_cache.get(n)
        if t is None:
            t = self._t_cache[n] = np.linspace(0.0, 1.0, n + 1)
        return t

    def _draw(self, static: StaticScene, snap: FrameSnapshot) -> tuple[StaticLayer, _Frame]:
        """Turn ``snap`` into frame pixel indices + inks (cached for the last snapshot).

        Snapshots are immutable and the cache holds references, so identity is a safe key:
        ``render()`` and ``render_for_encoder()`` of one snapshot draw it once.
        """
        layer = self._layer_for(static)
        frame = self._frame
        if frame is not None and frame.static is static and frame.snap is snap:
            return layer, frame
        shift = layer.geometry.shift
        idx_parts: list[np.ndarray] = []
        inks: list[int] = []

        def add(indices: np.ndarray, ink: Ink) -> None:
            if layer.pen is not None:
                indices = indices[..., None] + layer.pen
            idx_parts.append(indices.ravel())
            inks.append(ink)

        geo = layer.geometry
        pad_flat = (geo.pad_y << shift) + geo.pad_x

        def flat(points: np.ndarray) -> np.ndarray:
            ij = np.floor(points).astype(np.intp)  # frame pixel (col, row); may be < 0
            return (ij[..., 1] << shift) + ij[..., 0] + pad_flat

        # One transform for every point, clamped half a padding outside the frame (fmax and
        # fmin also turn NaN into a bound, so bad data cannot index outside the canvas).
        # reshape(-1, 2) also accepts an empty crowd or trail stored as shape (0,).
        # Frame (not canvas) pixel coordinates, floored, as the I420 fast path computes them.
        trail = snap.trail_m.reshape(-1, 2) if self.show_trail else np.empty((0, 2))
        peds = snap.ped_positions_m.reshape(-1, 2)
        n_trail, n_ped = len(trail), len(peds)
        world = np.concatenate((trail, peds, snap.robot_pose[None, :2]))
        pts = world * layer.to_px_mul
        pts += layer.to_px_add
        np.fmin(np.fmax(pts, layer.clamp_lo, out=pts), layer.clamp_hi, out=pts)
        centre = flat(pts[n_trail:])  # pedestrians, then the robot

        if n_trail >= 2:
            # n samples per segment over [0, 1): spacing < 1 px, and each segment's end is
            # the next one's start; the newest point lies under the robot's disc.
            tp = pts[:n_trail]
            step = tp[1:] - tp[:-1]
            n = min(int(np.abs(step).max()) + 1, MAX_TRAIL_SAMPLES)
            t = self._samples(n)[None, :-1, None]
            samples = flat(tp[:-1, None, :] + step[:, None, :] * t)
            half = (n_trail - 1) // 2
            add(samples[:half], Ink.TRAIL_OLD)
            add(samples[half:], Ink.TRAIL_NEW)

        ped_centre = centre[:n_ped, None]
        idx_parts += [(ped_centre + layer.ped_edge).ravel(), (ped_centre + layer.ped_fill).ravel()]
        inks += [Ink.PED_EDGE, Ink.PED]

        # Heading marks: one gather from per-direction line tables (no per-line sampling).
        tick = tick_directions(snap.ped_velocities_mps.reshape(-1, 2))
        ticks = ped_centre + layer.ped_ticks[tick - 1]  # tick 0 (none): masked below
        idx_parts.append(ticks[tick > 0].ravel())
        inks.append(Ink.PED_EDGE)

        robot = centre[n_ped:]
        theta = float(snap.robot_pose[2])
        nose = round(theta * NOSE_DIRECTIONS / (2.0 * math.pi)) % NOSE_DIRECTIONS
        idx_parts += [
            robot + layer.robot_edge,
            robot + layer.robot_fill,
            robot + layer.robot_noses[nose],
        ]
        inks += [Ink.ROBOT_EDGE, Ink.ROBOT, Ink.ROBOT_EDGE]
        if snap.collision is not None:
            idx_parts += [robot + layer.robot_ring, layer.collision_border]
            inks += [Ink.COLLISION, Ink.COLLISION]

        # Map canvas indices to frame pixels, dropping the padding and the HUD strip in one
        # pass (unsigned compares check both ends of a range at once).
        hud_h = layer.hud_h
        sizes = np.array([len(p) for p in idx_parts], dtype=np.intp)
        canvas_idx = np.concatenate(idx_parts)
        rows = (canvas_idx >> shift) - (geo.pad_y + hud_h)
        cols = (canvas_idx & (geo.canvas_w - 1)) - geo.pad_x
        keep = (rows.view(np.uintp) < self.size[1] - hud_h) & (cols.view(np.uintp) < self.size[0])
        ink = np.repeat(np.array(inks, dtype=np.intp), sizes)[keep]
        rows, cols = rows[keep] + hud_h, cols[keep]
        text_idx, text_ink, n_status = self._hud(layer, static, snap)
        frame = _Frame(
            static=static,
            snap=snap,
            dst=np.concatenate((rows * self.size[0] + cols, text_idx)),
            ink=np.concatenate((ink, text_ink)),
            shape_rows=rows,
            shape_cols=cols,
            n_status=n_status,
        )
        self._frame = frame
        return layer, frame

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

    def _hud(
        self, layer: StaticLayer, static: StaticScene, snap: FrameSnapshot
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """Return frame indices, inks and status length of the HUD text (progress, status)."""
        progress, status, status_x, status_ink = self._hud_layout(layer, static, snap)
        parts = [(progress, layer.progress_x_px, Ink.HUD_DIM), (status, status_x, status_ink)]
        offsets = [
            text_offsets(s, layer.scale, self.size[0]) + (layer.text_top + x) for s, x, _ in parts
        ]
        inks = np.repeat(
            np.array([ink for _, _, ink in parts], dtype=np.intp), [len(o) for o in offsets]
        )
        return np.concatenate(offsets), inks, len(offsets[1])
