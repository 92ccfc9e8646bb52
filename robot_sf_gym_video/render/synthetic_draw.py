"""The synthetic renderer's one draw list: what a frame shows, computed once, in order.

- ``DrawTables(layer)``: tables precomputed for a ``StaticLayer``'s geometry (shared by every
  layer with the same ``DrawTables.key``).
- ``DrawTables.draw(snap, hud, show_trail)``: the frame's ``DrawList``, a list of ``Op``
  in drawing order. Each op holds positions in a virtual I420 buffer (luma pixels, then U
  and V blocks, then a scratch tail for what falls outside the map), the I420 byte for
  each position and its palette ink.
- ``emit_i420`` / ``emit_rgb`` / ``emit_indices``: write a draw list over a static frame.

Why one list with both colours: every visual change used to be made twice (a general RGB
path and an I420 fast path that had to stay byte-identical). Here the geometry is computed
once; the I420 bytes and the inks come from the same precomputed tables, so the encoder's
emitter pays nothing for the RGB one and vice versa. On the target VM every numpy call
costs ~1-3 us whatever its size, so the list is built in ~25 calls when every agent is
well inside the map (the common case):

1. Every point (trail, pedestrians, robot) goes through one affine transform, a matrix
   product that also yields half-resolution coordinates (scaling by 0.5 is exact in
   floating point, so their floor is the 2x2 chroma block of the full-resolution pixel)
   and fit checks: whether the point lies in the frame shrunk by the largest stencil
   reach (one reduction). Positions are then plain frame pixels (``row * W + col``).
2. Pedestrians: one row gather from a table indexed by (tick direction, pixel parity)
   holds each pedestrian's outline, fill and tick and the U and V blocks of its fill; a
   standing pedestrian's "tick" lands in the scratch tail.
3. The robot is one table row; the trail's samples are kept across frames
   (``synthetic_trail``).
4. The HUD counter is stamped glyph by glyph from a prebuilt atlas (one gather).

Points that do not fit take the clipping route (``synthetic_clip``): positions are
clamped half a padding outside the frame (which also turns NaN into a bound), and each
entry that falls outside the map area or over the HUD goes to the scratch tail. Chroma
follows the drawing order: a block takes the chroma of the last chroma-writing ink drawn
in it; dark outlines and grey text write luma only (``LUMA_ONLY_INKS``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from robot_sf_gym_video.render.font5x7 import ADVANCE_PX, GLYPH_H_PX, glyph_atlas
from robot_sf_gym_video.render.palette import LUT_U, LUT_V, LUT_Y, PALETTE_RGB, Ink
from robot_sf_gym_video.render.synthetic_clip import ClipTable, clipped_trail
from robot_sf_gym_video.render.synthetic_layer import (
    LUMA_ONLY_INKS,
    NOSE_DIRECTIONS,
    TICK_DIRECTIONS,
    StaticLayer,
    text_offsets,
    tick_directions,
)
from robot_sf_gym_video.render.synthetic_trail import TrailSamples

if TYPE_CHECKING:
    from robot_sf_gym_video.sim.snapshot import FrameSnapshot

__all__ = ["DrawList", "DrawTables", "HudLayout", "Op", "emit_i420", "emit_indices", "emit_rgb"]

_MARGIN_PX = 1e-3  # the fit check is conservative by this much (float rounding)

HudLayout = tuple[str, str, int, Ink]  # progress text, status text, status x, status ink
#: positions, I420 bytes, inks (or a function computing them, for inks only RGB needs).
Op = tuple[np.ndarray, np.ndarray, "np.ndarray | Callable[[], np.ndarray]"]
DrawList = list[Op]
#: One 3-byte element per palette colour, so an RGB pixel is written in one assignment.
_PALETTE_V3 = np.ascontiguousarray(PALETTE_RGB).view("V3").ravel()


def _yuv(inks: np.ndarray, planes: np.ndarray) -> np.ndarray:
    """Return the I420 byte of each ``(ink, plane)`` pair (plane 0 Y, 1 U, 2 V)."""
    luts = np.stack((LUT_Y, LUT_U, LUT_V))
    return luts[planes, inks].astype(np.uint8)


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
        self._pen = None
        if layer.pen is not None:
            self._pen = self._frame_offsets(layer.pen)
        self._build_agent_tables(layer)
        self._build_transform(layer)
        self._build_hud(layer)
        self._trail = TrailSamples(width_px, height_px)
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

    def _blocks(self, dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
        """Return ``(4, n)`` chroma-block offsets of a stencil per centre parity.

        Row ``p = (col & 1) + 2 * (row & 1)`` lists the blocks (relative to the centre's
        block) that the stencil's pixels fall in, each once, padded by repeating one.
        """
        half_w = self.width_px // 2
        rows = []
        for p in range(4):
            pc, pr = p & 1, p >> 1
            rows.append(np.unique(((pr + dy) >> 1) * half_w + ((pc + dx) >> 1)))
        n = max(len(r) for r in rows)
        return np.stack([np.concatenate((r, np.full(n - len(r), r[0]))) for r in rows])

    def _chroma(self, canvas_offsets: np.ndarray) -> np.ndarray:
        """Return ``(4, 2n)`` buffer offsets of a stencil's U then V blocks per parity.

        Offsets are relative to the centre's block index within a chroma plane, so one
        add of that index gives positions in the whole I420 buffer.
        """
        blocks = self._blocks(*self._frame_offsets(canvas_offsets)) + self.n_y
        return np.concatenate((blocks, blocks + self.n_y // 4), axis=1)

    def _row_plan(
        self, luma_parts: list[tuple[Ink, int]], chroma: tuple[Ink, int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return bases, planes, I420 bytes and inks of one table row's columns.

        A row is luma parts (pixel offsets from the centre pixel), then the U and V
        blocks of one ink (offsets from the centre's chroma block).
        """
        ink, n_chroma = chroma
        inks = np.concatenate([np.full(n, k, dtype=np.uint8) for k, n in luma_parts] + [[]])
        n_luma = len(inks)
        inks = np.concatenate((inks, np.full(n_chroma, ink, dtype=np.uint8))).astype(np.uint8)
        planes = np.repeat([0, 1, 2], [n_luma, n_chroma // 2, n_chroma // 2])
        bases = np.repeat([0, 1], [n_luma, n_chroma])
        return bases, planes, _yuv(inks, planes), inks

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
        """Index rows (luma offsets, then U/V blocks) of pedestrians, the robot and its ring.

        A pedestrian's row depends on its heading tick and on its centre's pixel parity
        (which 2x2 blocks its fill covers), a robot's on its nose direction and parity.
        Also records the largest stencil reach, which bounds where no clipping is needed.
        """
        self.reach = [0, 0, 0, 0]  # -dy_min, dy_max, -dx_min, dx_max over every stencil
        edge, fill = self._luma(layer.ped_edge), self._luma(layer.ped_fill)
        ticks = self._luma(layer.ped_ticks)  # (TICK_DIRECTIONS, L)
        no_tick = np.full((1, ticks.shape[1]), self.n_frame, dtype=np.intp)
        ticks = np.concatenate((no_tick, ticks))  # row 0: standing (see tick_directions)
        fill_chroma = self._chroma(layer.ped_fill)
        # Row p * 33 + t: [outline | fill | tick t | fill's U and V blocks at parity p].
        self.ped_table = np.stack(
            [
                np.concatenate((edge, fill, ticks[t], fill_chroma[p]))
                for p in range(4)
                for t in range(TICK_DIRECTIONS + 1)
            ]
        )
        parts = [(Ink.PED_EDGE, len(edge)), (Ink.PED, len(fill)), (Ink.PED_EDGE, ticks.shape[1])]
        self.ped_bases, planes, self.ped_values, self.ped_inks = self._row_plan(
            parts, (Ink.PED, fill_chroma.shape[1])
        )
        self.ped_clip = ClipTable.of(self.ped_table, planes, self)
        self._crowd = (0, self.ped_values[:0], self.ped_inks[:0])  # see _peds_op

        r_edge, r_fill = self._luma(layer.robot_edge), self._luma(layer.robot_fill)
        noses = self._luma(layer.robot_noses)  # (NOSE_DIRECTIONS, L)
        r_chroma = self._chroma(layer.robot_fill)
        # Row nose * 4 + parity: [outline | fill | nose line | fill's U and V blocks].
        self.robot_table = np.stack(
            [
                np.concatenate((r_edge, r_fill, nose, r_chroma[p]))
                for nose in noses
                for p in range(4)
            ]
        )
        parts = [(Ink.ROBOT_EDGE, len(r_edge)), (Ink.ROBOT, len(r_fill))]
        parts.append((Ink.ROBOT_EDGE, noses.shape[1]))
        self.robot_bases, planes, self.robot_values, self.robot_inks = self._row_plan(
            parts, (Ink.ROBOT, r_chroma.shape[1])
        )
        self.robot_clip = ClipTable.of(self.robot_table, planes, self)

        ring, ring_chroma = self._luma(layer.robot_ring), self._chroma(layer.robot_ring)
        self.ring_table = np.stack([np.concatenate((ring, ring_chroma[p])) for p in range(4)])
        self.ring_bases, planes, self.ring_values, self.ring_inks = self._row_plan(
            [(Ink.COLLISION, len(ring))], (Ink.COLLISION, ring_chroma.shape[1])
        )
        self.ring_clip = ClipTable.of(self.ring_table, planes, self)
        self.border = self._border_op(layer)

        # [col, row, col/2, row/2] -> [pixel, chroma block, pedestrian table rows per
        # parity]: parity = (col & 1) + 2 * (row & 1) = col + 2 row - 2 col/2 - 4 row/2.
        w, n_rows = self.width_px, TICK_DIRECTIONS + 1
        self.agent_matrix = np.array(
            [[1, w, 0, 0], [0, 0, 1, w // 2], [n_rows, 2 * n_rows, -2 * n_rows, -4 * n_rows]],
            dtype=np.intp,
        )

    def _border_op(self, layer: StaticLayer) -> Op:
        """Return the collision flash op: the frame-border band as pixels and blocks."""
        geo, w = layer.geometry, self.width_px
        rows = (layer.collision_border >> geo.shift) - geo.pad_y
        cols = (layer.collision_border & (geo.canvas_w - 1)) - geo.pad_x
        blocks = np.unique((rows >> 1) * (w // 2) + (cols >> 1)) + self.n_y
        pos = np.concatenate((rows * w + cols, blocks, blocks + self.n_y // 4))
        planes = np.repeat([0, 1, 2], [len(rows), len(blocks), len(blocks)])
        inks = np.full(len(pos), Ink.COLLISION, dtype=np.uint8)
        return pos, _yuv(inks, planes), inks

    def _build_transform(self, layer: StaticLayer) -> None:
        """World metres -> 8 rows per point: x, y, x/2, y/2 in pixels, then 4 fit checks.

        One matrix product with one non-zero per row (exact: ``x * a + y * 0`` rounds
        like ``x * a``), then one add, so rows 0-1 equal ``xy * mul + add`` bit for bit.
        Rows 4-7 are ``u, v, 1 - u, 1 - v`` where ``(u, v)`` maps the box in which a
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
        scales = np.stack((mul, mul * 0.5, mul / span, -mul / span))  # (4, 2)
        self.to_rows = np.zeros((8, 2))
        self.to_rows[0::2, 0] = scales[:, 0]
        self.to_rows[1::2, 1] = scales[:, 1]
        fit = (add - lo) / span
        self.row_offsets = np.concatenate((add, add * 0.5, fit, 1.0 - fit))[:, None]

    def _build_hud(self, layer: StaticLayer) -> None:
        """Glyph bytes, inks and their frame indices for the per-frame progress text."""
        scale, w = layer.scale, self.width_px
        atlas, code_to_glyph = glyph_atlas(scale)
        ink = np.where(atlas, Ink.HUD_DIM, Ink.HUD_BG).astype(np.uint8)
        self.glyph_inks = ink.reshape(len(atlas), -1)[code_to_glyph]  # per ASCII byte
        self.glyph_luma = LUT_Y[self.glyph_inks]
        gh, gw = GLYPH_H_PX * scale, ADVANCE_PX * scale
        rows, cols = np.mgrid[0:gh, 0:gw]
        glyph = (rows * w + cols).ravel()
        # Characters that fit when there is no status (the caller cuts the text to this).
        self.max_chars = n_max = max((w - layer.progress_x_px) // gw, 0)
        starts = layer.text_top + layer.progress_x_px + gw * np.arange(n_max)
        self.hud_luma = starts[:, None] + glyph

    # -- per frame --------------------------------------------------------------------------

    def draw(self, snap: FrameSnapshot, hud: HudLayout, show_trail: bool) -> DrawList:
        """Return the draw list of ``snap``: trail, crowd, robot (+ collision), HUD text.

        ``hud`` is ``(progress, status, status_x, status_ink)`` as laid out by the caller.
        """
        trail, peds = snap.trail_m, snap.ped_positions_m
        if not show_trail:
            trail = trail[:0]
        if trail.ndim != 2:  # an empty trail or crowd may come as shape (0,)
            trail = trail.reshape(-1, 2)
        if peds.ndim != 2:
            peds = peds.reshape(-1, 2)
        n_trail, n_ped = len(trail), len(peds)
        world = np.concatenate((trail, peds, snap.robot_pose[None, :2]))
        # Points as columns (rows x, y, x/2, y/2, fit checks): every array below runs its
        # inner loop over points, not over a length-2 axis (~4x faster in numpy).
        q = np.dot(self.to_rows, world.T)
        q += self.row_offsets
        ops: DrawList = []
        if np.maximum.reduce(q[4:], axis=None) <= 1.0 and self._pen is None:  # NaN fails too
            agents = self.agent_matrix @ q[:4, n_trail:].astype(np.intp)  # floor: all >= 0
            if n_trail >= 2:
                ops.append(self._trail.update(trail, q[:4, :n_trail]))
            if n_ped:
                ops.append(self._peds_op(snap, agents[:, :n_ped], None))
            self._robot_ops(ops, snap, agents[:, n_ped], None)
        else:
            self._clipped_ops(ops, snap, trail, q)
        self._hud_ops(ops, hud)
        return ops

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
        inside = np.maximum.reduce(q[4:], axis=0) <= 1.0
        lo, hi = self.clamp
        cells = np.floor(np.fmin(np.fmax(q[:2, n_trail:], lo), hi)).astype(np.intp)
        q[:4, ~inside] = 0.0  # an in-range stand-in for what is clipped
        agents = self.agent_matrix @ q[:4, n_trail:].astype(np.intp)
        if n_trail >= 2:
            if self._pen is None and inside[:n_trail].all():
                ops.append(self._trail.update(trail, q[:4, :n_trail]))
            else:
                pts = trail.T * self.to_px[0]
                pts += self.to_px[1]
                ops.append(clipped_trail(np.fmin(np.fmax(pts, lo), hi), self._pen, self))
        n_ped = len(inside) - n_trail - 1
        if n_ped:
            outside = ~inside[n_trail:-1]
            far = (outside, cells[:, :-1][:, outside]) if outside.any() else None
            ops.append(self._peds_op(snap, agents[:, :n_ped], far))
        self._robot_ops(ops, snap, agents[:, n_ped], None if inside[-1] else cells[:, -1])

    def _peds_op(
        self,
        snap: FrameSnapshot,
        agents: np.ndarray,
        far: tuple[np.ndarray, np.ndarray] | None,
    ) -> Op:
        """Outlines, then fills, then heading ticks of the crowd, then its fill chroma.

        ``agents`` is ``(3, n_ped)``: centre pixel, centre block, table row of the parity.
        The gathered rows are transposed while adding the centres, so that the raveled
        positions run part by part in drawing order (and numpy need not walk strided
        index arrays, which costs ~2x). ``far`` is ``(mask, (2, k) cells)`` of pedestrians
        to clip.
        """
        vel = snap.ped_velocities_mps
        kind = tick_directions(vel if vel.ndim == 2 else vel.reshape(-1, 2))
        kind += agents[2]
        idx = agents.take(self.ped_bases, axis=0)  # (L, n_ped): each row's centre index
        idx += self.ped_table.take(kind, axis=0).T
        if far is not None:  # some pedestrians leave the map area: clip their columns
            outside, (col, row) = far
            tick = kind[outside] % (TICK_DIRECTIONS + 1)
            kind = tick + ((col & 1) + 2 * (row & 1)) * (TICK_DIRECTIONS + 1)
            idx[:, outside] = self.ped_clip.positions(col, row, kind)
        n_ped, values, inks = self._crowd
        if n_ped != idx.shape[1]:  # crowds rarely change size: cache the repeat
            n_ped = idx.shape[1]
            values, inks = np.repeat(self.ped_values, n_ped), np.repeat(self.ped_inks, n_ped)
            self._crowd = (n_ped, values, inks)
        return idx.ravel(), values, inks

    def _robot_ops(
        self, ops: DrawList, snap: FrameSnapshot, centre: np.ndarray, cell: np.ndarray | None
    ) -> None:
        """Robot outline, fill, nose and fill chroma (+ collision ring and frame flash).

        ``centre`` is ``(3,)``: the robot's pixel, chroma block and parity row; ``cell``
        its ``(col, row)`` when it must be clipped.
        """
        theta = float(snap.robot_pose[2])
        nose = round(theta * NOSE_DIRECTIONS / (2.0 * math.pi)) % NOSE_DIRECTIONS
        if cell is None:
            parity = int(centre[2]) // (TICK_DIRECTIONS + 1)
            idx = centre.take(self.robot_bases)  # each column's centre index: pixel or block
            idx += self.robot_table[nose * 4 + parity]
        else:
            col, row = cell[:1], cell[1:]
            parity = int((col[0] & 1) + 2 * (row[0] & 1))
            idx = self.robot_clip.positions(col, row, np.array([nose * 4 + parity])).ravel()
        ops.append((idx, self.robot_values, self.robot_inks))
        if snap.collision is not None:
            if cell is None:
                ring = centre.take(self.ring_bases) + self.ring_table[parity]
            else:
                ring = self.ring_clip.positions(col, row, np.array([parity])).ravel()
            ops.append((ring, self.ring_values, self.ring_inks))
            ops.append(self.border)

    def _hud_ops(self, ops: DrawList, hud: HudLayout) -> None:
        """Stamp the progress text glyph by glyph, then the (rare) status word."""
        progress, status, status_x, ink = hud
        if progress:
            codes = np.frombuffer(progress.encode("ascii", "replace"), dtype=np.uint8)
            ops.append(
                (
                    self.hud_luma[: len(codes)],
                    self.glyph_luma.take(codes, axis=0),
                    lambda: self.glyph_inks.take(codes, axis=0),
                )
            )
        if status:
            ops.append(self._status_op(status, status_x, ink))

    def _status_op(self, status: str, x_px: int, ink: Ink) -> Op:
        """Return the status word's pixels, then its U/V blocks (cached).

        Grey/white status text writes luma only (no blocks).
        """
        key = (status, x_px, ink)
        hit = self._status.get(key)
        if hit is None:
            w = self.width_px
            luma = text_offsets(status, self.scale, w) + (self.text_top + x_px)
            blocks = np.unique((luma // w >> 1) * (w // 2) + (luma % w >> 1)) + self.n_y
            if ink in LUMA_ONLY_INKS:
                blocks = blocks[:0]
            pos = np.concatenate((luma, blocks, blocks + self.n_y // 4))
            planes = np.repeat([0, 1, 2], [len(luma), len(blocks), len(blocks)])
            inks = np.full(len(pos), ink, dtype=np.uint8)
            hit = self._status[key] = (pos, _yuv(inks, planes), inks)
        return hit


# -- emitters ---------------------------------------------------------------------------------


def emit_i420(ops: DrawList, static_i420: np.ndarray, n_buffer: int) -> np.ndarray:
    """Return a new I420 frame: ``static_i420`` with every op written in order.

    The result views the first ``len(static_i420)`` bytes of a fresh buffer whose tail
    takes what was clipped away.
    """
    buf = np.empty(n_buffer, dtype=np.uint8)
    out = buf[: len(static_i420)]
    out[:] = static_i420
    for pos, values, _ in ops:
        buf[pos] = values
    return out


def _ink_array(inks: np.ndarray | Callable[[], np.ndarray]) -> np.ndarray:
    """Return an op's inks (some ops compute them only when asked)."""
    return inks() if callable(inks) else inks


def emit_rgb(ops: DrawList, static_rgb: np.ndarray, n_buffer: int) -> np.ndarray:
    """Return a new ``(H, W, 3)`` RGB frame: ``static_rgb`` with every op's pixels.

    The frame is the head of a fresh buffer of ``n_buffer`` pixels, so chroma and scratch
    positions land in its tail and no op needs masking; each pixel is one 3-byte element.
    """
    n_px = static_rgb.shape[0] * static_rgb.shape[1]
    buf = np.empty((n_buffer, 3), dtype=np.uint8)
    buf[:n_px] = static_rgb.reshape(n_px, 3)
    pixels = buf.view("V3").reshape(n_buffer)
    for pos, _, inks in ops:
        pixels[pos] = _PALETTE_V3.take(_ink_array(inks))
    return buf[:n_px].reshape(static_rgb.shape)


def emit_indices(ops: DrawList, static_idx: np.ndarray, n_buffer: int) -> np.ndarray:
    """Return a new ``(H, W)`` palette-index frame: ``static_idx`` with every op's inks."""
    buf = np.empty(n_buffer, dtype=np.uint8)
    buf[: static_idx.size] = static_idx.reshape(-1)
    for pos, _, inks in ops:
        buf[pos] = _ink_array(inks)
    return buf[: static_idx.size].reshape(static_idx.shape)
