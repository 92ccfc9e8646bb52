"""The synthetic renderer's one draw list: what a frame shows, computed once, in order.

- ``DrawTables(layer)``: tables precomputed for a ``StaticLayer``'s geometry (shared by every
  layer with the same ``DrawTables.key``).
- ``DrawTables.draw(snap, hud, show_trail)``: the frame's ``DrawList``, a list of
  ``(pixels, inks)`` ops in drawing order. Pixels index the frame flattened row-major;
  entries past the frame (what is clipped away) land in a scratch tail.
- ``synthetic_emit``: the emitters that write a draw list over a static frame.

Why one list: every visual change used to be made twice (a general RGB path and an I420
fast path that had to stay byte-identical). Here the geometry is computed once and each
emitter only turns inks into its pixels. A numpy call has a fixed overhead that dwarfs
the work on a few hundred pixels, so the list is built in a small, fixed number of calls
when every agent is well inside the map (the common case):

1. Every point (trail, pedestrians, robot) goes through one affine transform, a matrix
   product that also yields fit checks: whether the point lies in the frame shrunk by
   the largest stencil reach (one reduction). Positions are then plain frame pixels.
2. Pedestrians: one row gather from a table indexed by tick direction holds each
   pedestrian's outline, fill and tick; a standing pedestrian's "tick" lands in the
   scratch tail.
3. The robot is one table row; the trail's samples are kept across frames
   (``synthetic_trail``).
4. The HUD counter is stamped glyph by glyph from a prebuilt atlas (one gather).

Points that do not fit take the clipping route (``synthetic_clip``): positions are
clamped half a padding outside the frame (which also turns NaN into a bound), and each
entry that falls outside the map area or over the HUD goes to the scratch tail. The I420
emitter (``synthetic_emit``) derives chroma from the final palette image the way swscale
subsamples RGB (``chroma``), only for the blocks the list touched.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from robot_sf_gym_video.render import raster
from robot_sf_gym_video.render.chroma import ChromaBlocks
from robot_sf_gym_video.render.font5x7 import ADVANCE_PX, GLYPH_H_PX, glyph_atlas
from robot_sf_gym_video.render.palette import Ink
from robot_sf_gym_video.render.synthetic_clip import ClipTable, clipped_trail
from robot_sf_gym_video.render.synthetic_layer import (
    NOSE_DIRECTIONS,
    StaticLayer,
    text_offsets,
    tick_directions,
)
from robot_sf_gym_video.render.synthetic_trail import TrailSamples

if TYPE_CHECKING:
    from robot_sf_gym_video.sim.snapshot import FrameSnapshot

__all__ = [
    "DrawList",
    "DrawTables",
    "HudLayout",
    "Op",
    "Ring",
]

_MARGIN_PX = 1e-3  # the fit check is conservative by this much (float rounding)

HudLayout = tuple[str, str, int, Ink]  # progress text, status text, status x, status ink
Ring = tuple[float, float, float, float, Ink]  # centre x, y (px), inner and outer radius, ink
Op = tuple[np.ndarray, np.ndarray]  # 1-D frame pixels (scratch tail past the frame), inks
DrawList = list[Op]


@lru_cache(maxsize=64)
def _ring_stencil(inner_px: float, outer_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Return a ring's ``(dy, dx)`` stencil (cached: radii repeat frame after frame)."""
    return raster.ring_offsets(inner_px, outer_px)


def _inks(parts: list[tuple[Ink, int]]) -> np.ndarray:
    """Return the inks of a table row made of ``(ink, length)`` parts."""
    return np.concatenate([np.full(n, k, dtype=np.uint8) for k, n in parts])


class DrawTables:
    """Per-layer tables of the draw list (see the module docstring); ``draw`` per frame."""

    def __init__(self, layer: StaticLayer) -> None:
        """Precompute everything of ``layer`` that ``draw`` looks up (a few ms, once)."""
        geo = layer.geometry
        width_px, height_px = geo.width_px, geo.height_px
        self.geometry = geo
        self.scale, self.text_top = layer.scale, layer.text_top
        self.width_px, self.hud_h = width_px, layer.hud_h
        self.n_y = width_px * height_px
        self.n_frame = self.n_y * 3 // 2
        # Standing pedestrians' ticks are sent n_frame past their centre: a scratch tail.
        self.n_buffer = self.n_frame + self.n_y
        self.clamp = np.stack((layer.clamp_lo, layer.clamp_hi))[:, :, None]  # (2, 2, 1)
        self.to_px = np.stack((layer.to_px_mul, layer.to_px_add))[:, :, None]  # (2, 2, 1)
        self._pen = None if layer.pen is None else self._frame_offsets(layer.pen)
        self._build_agent_tables(layer)
        self._build_transform(layer)
        self._build_hud(layer)
        self.chroma = ChromaBlocks(width_px, height_px, self.n_buffer)
        # The I420 emitter's palette-index buffer, reused frame after frame.
        self.index_scratch = np.empty(self.n_buffer, dtype=np.uint8)
        self._trail = TrailSamples(width_px)
        self._status: dict[tuple[str, int, Ink], Op] = {}

    @staticmethod
    def key(layer: StaticLayer) -> tuple:
        """Return everything the tables depend on: equal keys give identical tables.

        Episodes of one scenario share it (start and goal only change the static frame),
        so the renderer builds the tables (~2.5 ms) once per geometry, not per episode.
        """
        stencils = (
            layer.ped_edge,
            layer.ped_fill,
            layer.ped_ticks,
            layer.robot_edge,
            layer.robot_fill,
            layer.robot_noses,
            layer.robot_ring,
            layer.collision_border,
            layer.to_px_mul,
            layer.to_px_add,
            layer.clamp_lo,
            layer.clamp_hi,
        )
        pen = None if layer.pen is None else layer.pen.tobytes()
        placement = (layer.hud_h, layer.text_top, layer.progress_x_px, layer.scale, pen)
        return (layer.geometry, placement, *((a.shape, a.tobytes()) for a in stencils))

    # -- precomputation ---------------------------------------------------------------------

    def _frame_offsets(self, canvas_offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Split flat canvas offsets into ``(dy, dx)`` (|dx| is far below half a canvas row)."""
        geo = self.geometry
        off = np.asarray(canvas_offsets, dtype=np.intp)
        dy = (off + geo.canvas_w // 2) >> geo.shift
        return dy, off - (dy << geo.shift)

    def _luma(self, canvas_offsets: np.ndarray) -> np.ndarray:
        """Frame pixel offsets of a stencil; records its reach (see ``_build_transform``)."""
        dy, dx = self._frame_offsets(canvas_offsets)
        if dy.size:
            r = self.reach
            r[:] = [
                max(r[0], -int(dy.min())),
                max(r[1], int(dy.max())),
                max(r[2], -int(dx.min())),
                max(r[3], int(dx.max())),
            ]
        return dy * self.width_px + dx

    def _build_agent_tables(self, layer: StaticLayer) -> None:
        """Pixel offset rows of pedestrians (per tick), the robot (per nose) and its ring.

        Also records the largest stencil reach, which bounds where no clipping is needed.
        """
        self.reach = [0, 0, 0, 0]  # -dy_min, dy_max, -dx_min, dx_max over every stencil
        edge, fill = self._luma(layer.ped_edge), self._luma(layer.ped_fill)
        ticks = self._luma(layer.ped_ticks)  # (TICK_DIRECTIONS, L)
        no_tick = np.full((1, ticks.shape[1]), self.n_frame, dtype=np.intp)
        ticks = np.concatenate((no_tick, ticks))  # row 0: standing (see tick_directions)
        # Row t: [outline | fill | tick t].
        self.ped_table = np.stack([np.concatenate((edge, fill, tick)) for tick in ticks])
        self.ped_inks = _inks(
            [(Ink.PED_EDGE, len(edge)), (Ink.PED, len(fill)), (Ink.PED_EDGE, ticks.shape[1])]
        )
        self.ped_clip = ClipTable.of(self.ped_table, self)
        self._crowd = (0, self.ped_inks[:0])  # see _peds_op

        r_edge, r_fill = self._luma(layer.robot_edge), self._luma(layer.robot_fill)
        noses = self._luma(layer.robot_noses)  # (NOSE_DIRECTIONS, L)
        # Row n: [outline | fill | nose line n].
        self.robot_table = np.stack([np.concatenate((r_edge, r_fill, nose)) for nose in noses])
        self.robot_inks = _inks(
            [
                (Ink.ROBOT_EDGE, len(r_edge)),
                (Ink.ROBOT, len(r_fill)),
                (Ink.ROBOT_EDGE, noses.shape[1]),
            ]
        )
        self.robot_clip = ClipTable.of(self.robot_table, self)
        self.ring = self._luma(layer.robot_ring)[None, :]
        self.ring_inks = _inks([(Ink.COLLISION, self.ring.shape[1])])
        self.ring_clip = ClipTable.of(self.ring, self)

        geo = layer.geometry  # the collision flash: canvas indices of the frame border
        rows = (layer.collision_border >> geo.shift) - geo.pad_y
        cols = (layer.collision_border & (geo.canvas_w - 1)) - geo.pad_x
        self.border = (rows * self.width_px + cols, _inks([(Ink.COLLISION, len(rows))]))

    def _build_transform(self, layer: StaticLayer) -> None:
        """World metres -> 6 rows per point: x, y in pixels, then 4 fit checks.

        One matrix product with one non-zero per row (exact: ``x * a + y * 0`` rounds
        like ``x * a``), then one add, so rows 0-1 equal ``xy * mul + add`` bit for bit.
        Rows 2-5 are ``u, v, 1 - u, 1 - v`` where ``(u, v)`` maps the box in which a
        centre's pixel keeps every stencil inside the map area (not the HUD) onto [0, 1]:
        the frame needs no clipping iff their maximum is <= 1. The box is shrunk by
        ``_MARGIN_PX`` so that rounding can only reject, never admit.
        """
        geo = layer.geometry
        up, down, left, right = self.reach
        lo = np.array([left + _MARGIN_PX, layer.hud_h + up + _MARGIN_PX])
        hi = np.array([geo.width_px - right - _MARGIN_PX, geo.height_px - down - _MARGIN_PX])
        span = np.maximum(hi - lo, 1e-9)  # a degenerate box clips every frame
        mul, add = layer.to_px_mul, layer.to_px_add
        scales = np.stack((mul, mul / span, -mul / span))  # (3, 2)
        self.to_rows = np.zeros((6, 2))
        self.to_rows[0::2, 0] = scales[:, 0]
        self.to_rows[1::2, 1] = scales[:, 1]
        fit = (add - lo) / span
        self.row_offsets = np.concatenate((add, fit, 1.0 - fit))[:, None]
        self.pixel_row = np.array([1, self.width_px], dtype=np.intp)

    def _build_hud(self, layer: StaticLayer) -> None:
        """Glyph inks and their frame indices for the per-frame progress text."""
        scale, w = layer.scale, self.width_px
        atlas, code_to_glyph = glyph_atlas(scale)
        ink = np.where(atlas, Ink.HUD_DIM, Ink.HUD_BG).astype(np.uint8)
        self.glyph_inks = ink.reshape(len(atlas), -1)[code_to_glyph]  # per ASCII byte
        gh, gw = GLYPH_H_PX * scale, ADVANCE_PX * scale
        rows, cols = np.mgrid[0:gh, 0:gw]
        glyph = (rows * w + cols).ravel()
        # Characters that fit when there is no status (the caller cuts the text to this).
        self.max_chars = n_max = max((w - layer.progress_x_px) // gw, 0)
        starts = layer.text_top + layer.progress_x_px + gw * np.arange(n_max)
        self.hud_luma = starts[:, None] + glyph

    # -- per frame --------------------------------------------------------------------------

    def draw(
        self,
        snap: FrameSnapshot,
        hud: HudLayout,
        show_trail: bool,
        rings: tuple[Ring, ...] = (),
    ) -> DrawList:
        """Return the draw list of ``snap``: trail, crowd, robot (+ collision), rings, HUD.

        ``hud`` is ``(progress, status, status_x, status_ink)`` as laid out by the caller;
        ``rings`` mark episode events (``Ring``: centre in pixels, radii, ink).
        """
        trail, peds = snap.trail_m, snap.ped_positions_m
        if not show_trail:
            trail = trail[:0]
        if trail.ndim != 2:  # an empty trail or crowd may come as shape (0,)
            trail = trail.reshape(-1, 2)
        if peds.ndim != 2:
            peds = peds.reshape(-1, 2)
        n_trail = len(trail)
        world = np.concatenate((trail, peds, snap.robot_pose[None, :2]))
        # Points as columns (rows x, y, fit checks): every array below runs its inner
        # loop over points, not over a length-2 axis (~4x faster in numpy).
        q = np.dot(self.to_rows, world.T)
        q += self.row_offsets
        ops: DrawList = []
        if np.maximum.reduce(q[2:], axis=None) <= 1.0 and self._pen is None:  # NaN fails too
            pixels = self.pixel_row @ q[:2, n_trail:].astype(np.intp)  # floor: all >= 0
            if n_trail >= 2:
                ops.append(self._trail.update(trail, q[:2, :n_trail]))
            if len(peds):
                ops.append(self._peds_op(snap, pixels[:-1], None))
            self._robot_ops(ops, snap, int(pixels[-1]), None)
        else:
            self._clipped_ops(ops, snap, trail, q)
        for ring in rings:
            ops.append(self._ring_op(*ring))
        self._hud_ops(ops, hud)
        return ops

    def _ring_op(self, x_px: float, y_px: float, inner_px: float, outer_px: float, ink: Ink) -> Op:
        """Return an event ring around ``(x_px, y_px)``, clipped to the map area."""
        dy, dx = _ring_stencil(round(inner_px, 2), round(outer_px, 2))
        col = int(np.floor(min(max(x_px, -1e6), 1e6))) + dx
        row = int(np.floor(min(max(y_px, -1e6), 1e6))) + dy
        w = self.width_px
        valid = (row >= self.hud_h) & (row < self.n_y // w) & (col >= 0) & (col < w)
        pixels = np.where(valid, row * w + col, self.n_frame)
        return pixels, np.full(len(pixels), ink, dtype=np.uint8)

    def _clipped_ops(
        self, ops: DrawList, snap: FrameSnapshot, trail: np.ndarray, q: np.ndarray
    ) -> None:
        """Draw list entries of a frame in which some point needs clipping (or a pen).

        Only the parts that do not fit are clipped: pedestrians one by one, the trail and
        the robot as a whole. Points are clamped half a padding outside the frame first
        (NaN becomes a bound), so their stencils then fall wholly outside. In ``q`` a NaN
        or infinite x also spoils y (``NaN * 0``): harmless for a disc, which is then
        wholly outside either way, but a trail's line must keep its other coordinate, so
        a clipped trail's pixels are computed per axis from the world points.
        """
        n_trail = len(trail)
        inside = np.maximum.reduce(q[2:], axis=0) <= 1.0
        lo, hi = self.clamp
        cells = np.floor(np.fmin(np.fmax(q[:2, n_trail:], lo), hi)).astype(np.intp)
        q[:2, ~inside] = 0.0  # an in-range stand-in for what is clipped
        pixels = self.pixel_row @ q[:2, n_trail:].astype(np.intp)
        if n_trail >= 2:
            if self._pen is None and inside[:n_trail].all():
                ops.append(self._trail.update(trail, q[:2, :n_trail]))
            else:
                pts = trail.T * self.to_px[0]
                pts += self.to_px[1]
                ops.append(clipped_trail(np.fmin(np.fmax(pts, lo), hi), self._pen, self))
        if len(pixels) > 1:
            outside = ~inside[n_trail:-1]
            far = (outside, cells[:, :-1][:, outside]) if outside.any() else None
            ops.append(self._peds_op(snap, pixels[:-1], far))
        self._robot_ops(ops, snap, int(pixels[-1]), None if inside[-1] else cells[:, -1:])

    def _peds_op(
        self, snap: FrameSnapshot, pixels: np.ndarray, far: tuple[np.ndarray, np.ndarray] | None
    ) -> Op:
        """Outlines, then fills, then heading ticks of the crowd.

        ``pixels`` holds the centre pixels. The gathered rows are transposed while adding
        the centres, so that the raveled positions run part by part in drawing order
        (and numpy need not walk strided index arrays, which costs ~2x). ``far`` is
        ``(mask, (2, k) cells)`` of pedestrians to clip.
        """
        vel = snap.ped_velocities_mps
        tick = tick_directions(vel if vel.ndim == 2 else vel.reshape(-1, 2))
        idx = self.ped_table.take(tick, axis=0).T  # (L, n_ped)
        idx += pixels
        if far is not None:  # some pedestrians leave the map area: clip their columns
            outside, (col, row) = far
            idx[:, outside] = self.ped_clip.positions(col, row, tick[outside])
        n_ped, inks = self._crowd
        if n_ped != idx.shape[1]:  # crowds rarely change size: cache the repeat
            n_ped = idx.shape[1]
            inks = np.repeat(self.ped_inks, n_ped)
            self._crowd = (n_ped, inks)
        return idx.ravel(), inks

    def _robot_ops(
        self, ops: DrawList, snap: FrameSnapshot, pixel: int, cell: np.ndarray | None
    ) -> None:
        """Robot outline, fill and nose (+ collision ring and frame flash).

        ``pixel`` is the robot's centre pixel; ``cell`` its ``(2, 1)`` (col, row) when it
        must be clipped.
        """
        theta = float(snap.robot_pose[2])
        nose = round(theta * NOSE_DIRECTIONS / (2.0 * math.pi)) % NOSE_DIRECTIONS
        if cell is None:
            ops.append((self.robot_table[nose] + pixel, self.robot_inks))
        else:
            idx = self.robot_clip.positions(cell[0], cell[1], np.array([nose]))
            ops.append((idx.ravel(), self.robot_inks))
        if snap.collision is not None:
            if cell is None:
                ring = self.ring[0] + pixel
            else:
                ring = self.ring_clip.positions(cell[0], cell[1], np.zeros(1, np.intp)).ravel()
            ops.append((ring, self.ring_inks))
            ops.append(self.border)

    def _hud_ops(self, ops: DrawList, hud: HudLayout) -> None:
        """Stamp the progress text glyph by glyph, then the (rare) status word."""
        progress, status, status_x, ink = hud
        if progress:
            codes = np.frombuffer(progress.encode("ascii", "replace"), dtype=np.uint8)
            inks = self.glyph_inks.take(codes, axis=0).ravel()
            ops.append((self.hud_luma[: len(codes)].ravel(), inks))
        if status:
            ops.append(self._status_op(status, status_x, ink))

    def _status_op(self, status: str, x_px: int, ink: Ink) -> Op:
        """Return the status word's pixels and inks (cached)."""
        key = (status, x_px, ink)
        hit = self._status.get(key)
        if hit is None:
            pixels = text_offsets(status, self.scale, self.width_px) + (self.text_top + x_px)
            hit = self._status[key] = (pixels, np.full(len(pixels), ink, dtype=np.uint8))
        return hit
