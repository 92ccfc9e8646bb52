"""The synthetic renderer's yuv420p fast path: the recorder's per-step frame in ~25 numpy calls.

- ``FastI420(layer)``: tables precomputed for a ``StaticLayer``'s geometry (shared by every
  layer with the same ``FastI420.key``); ``FastI420.applies(layer)`` is False at sizes
  with ``ui_scale > 1`` (2-px lines), which keep the general path.
- ``FastI420.draw(static_i420, snap, hud, show_trail)``: a new I420 frame, or ``None``
  when the trail or the robot might cross the frame edge or the HUD strip (or a position
  is not finite); the general path in ``synthetic`` then clips per pixel.

Why a second path: ``render_for_encoder`` runs once per env step next to libx264 in the
recorder process, and on the target VM every numpy call costs ~1-3 us whatever its size
(twice that right after the encoder ran; arrays here hold ~1-3 thousand indices). The
general path spends most of its calls on clipping (rows, columns, masks) and on
concatenating all parts into one index list plus an ink list. In practice every frame of
the built-in scenarios has all agents well inside the map, and then none of that is needed:

1. Every point (trail, pedestrians, robot) goes through one affine transform, a matrix
   product that also yields half-resolution coordinates (scaling by 0.5 is exact in
   floating point, so their floor is the 2x2 chroma block of the full-resolution pixel)
   and fit checks: whether the point lies in the frame shrunk by the largest stencil
   reach (one reduction). Indices are then plain frame pixels (``row * W + col``): no
   padded canvas, no clipping. Pedestrians outside that box get their rows clipped.
2. Pedestrians: one row gather from a table indexed by (tick direction, pixel parity)
   holds each pedestrian's outline, fill and tick (luma offsets) and the U and V blocks
   of its fill; a standing pedestrian's "tick" lands in a scratch tail behind the frame.
   The crowd is written with one assignment whose order is the drawing order.
3. The robot is one table row and one write; the trail's samples are kept across frames
   (``synthetic_trail``) and written once with a slice of a prebuilt old/new value strip.
4. The HUD counter is stamped glyph by glyph from a prebuilt luma atlas (one gather).

The output is byte-identical to the general path's (``tests/render/test_synthetic_fast.py``
checks busy, edge and real frames).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from robot_sf_gym_video.render.font5x7 import ADVANCE_PX, GLYPH_H_PX, glyph_atlas
from robot_sf_gym_video.render.palette import LUT_U, LUT_V, LUT_Y, Ink
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

__all__ = ["FastI420", "HudLayout"]

_MARGIN_PX = 1e-3  # the fit check is conservative by this much (float rounding)

HudLayout = tuple[str, str, int, Ink]  # progress text, status text, status x, status ink


class FastI420:
    """Per-layer tables of the fast path (see the module docstring); ``draw`` per frame."""

    def __init__(self, layer: StaticLayer) -> None:
        """Precompute everything of ``layer`` that ``draw`` looks up (a few ms, once)."""
        width_px, height_px = layer.geometry.width_px, layer.geometry.height_px
        self.geometry = layer.geometry
        self.scale, self.text_top = layer.scale, layer.text_top
        self.width_px = width_px
        self.n_y = width_px * height_px
        self.n_frame = self.n_y * 3 // 2
        # Standing pedestrians' ticks are sent n_frame past their centre: a scratch tail.
        self.n_buffer = self.n_frame + self.n_y
        self._build_agent_tables(layer)
        self._build_ped_clipping(layer)
        self._build_transform(layer)
        self._build_hud(layer)
        self._trail = TrailSamples(width_px, height_px)
        self._status: dict[tuple[str, int, Ink], tuple[np.ndarray, ...]] = {}

    @staticmethod
    def applies(layer: StaticLayer) -> bool:
        """Return whether the fast path can draw ``layer``'s frames (1-px lines only)."""
        return layer.pen is None

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
        )
        placement = (layer.hud_h, layer.text_top, layer.progress_x_px, layer.scale)
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

    @staticmethod
    def _values(luma_parts: list[tuple[Ink, int]], chroma: tuple[Ink, int]) -> np.ndarray:
        """Return the values for one index row: luma parts, then U and V of one ink."""
        parts = [np.full(n, LUT_Y[ink], dtype=np.uint8) for ink, n in luma_parts]
        ink, n_chroma = chroma
        parts += [np.full(n_chroma // 2, lut[ink], dtype=np.uint8) for lut in (LUT_U, LUT_V)]
        return np.concatenate(parts)

    def _build_agent_tables(self, layer: StaticLayer) -> None:
        """Index rows (luma offsets, then U/V blocks) of pedestrians and the robot.

        A pedestrian's row depends on its heading tick and on its centre's pixel parity
        (which 2x2 blocks its fill covers), a robot's on its nose direction and parity.
        Also records the largest stencil reach, which bounds where the fast path applies.
        """
        w = self.width_px
        reach = [0, 0, 0, 0]  # -dy_min, dy_max, -dx_min, dx_max over every stencil

        def luma(canvas_offsets: np.ndarray) -> np.ndarray:
            dy, dx = self._frame_offsets(canvas_offsets)
            if dy.size:
                reach[:] = [
                    max(reach[0], -int(dy.min())),
                    max(reach[1], int(dy.max())),
                    max(reach[2], -int(dx.min())),
                    max(reach[3], int(dx.max())),
                ]
            return dy * w + dx

        edge, fill = luma(layer.ped_edge), luma(layer.ped_fill)
        ticks = luma(layer.ped_ticks)  # (TICK_DIRECTIONS, L)
        no_tick = np.full((1, ticks.shape[1]), self.n_frame, dtype=np.intp)
        ticks = np.concatenate((no_tick, ticks))  # row 0: standing (see tick_directions)
        fill_chroma = self._ped_chroma = self._chroma(layer.ped_fill)
        # Row p * 33 + t: [outline | fill | tick t | fill's U and V blocks at parity p].
        self.ped_table = np.stack(
            [
                np.concatenate((edge, fill, ticks[t], fill_chroma[p]))
                for p in range(4)
                for t in range(TICK_DIRECTIONS + 1)
            ]
        )
        n_luma = len(edge) + len(fill) + ticks.shape[1]
        # Which centre index (0: pixel, 1: chroma block) each table column adds to.
        self.ped_bases = np.repeat([0, 1], [n_luma, fill_chroma.shape[1]])
        self.ped_values = self._values(
            [(Ink.PED_EDGE, len(edge)), (Ink.PED, len(fill)), (Ink.PED_EDGE, ticks.shape[1])],
            (Ink.PED, fill_chroma.shape[1]),
        )
        self._crowd_values = (0, self.ped_values[:0])  # (crowd size, values), see _draw_peds

        r_edge, r_fill = luma(layer.robot_edge), luma(layer.robot_fill)
        noses = luma(layer.robot_noses)  # (NOSE_DIRECTIONS, L)
        r_chroma = self._chroma(layer.robot_fill)
        # [nose, parity]: [outline | fill | nose line | fill's U and V blocks at parity].
        self.robot_table = np.stack(
            [
                [np.concatenate((r_edge, r_fill, nose, r_chroma[p])) for p in range(4)]
                for nose in noses
            ]
        )
        n_luma = len(r_edge) + len(r_fill) + noses.shape[1]
        self.robot_bases = np.repeat([0, 1], [n_luma, r_chroma.shape[1]])
        self.robot_values = self._values(
            [
                (Ink.ROBOT_EDGE, len(r_edge)),
                (Ink.ROBOT, len(r_fill)),
                (Ink.ROBOT_EDGE, noses.shape[1]),
            ],
            (Ink.ROBOT, r_chroma.shape[1]),
        )
        self.ring_luma = luma(layer.robot_ring)
        self.ring_chroma = self._chroma(layer.robot_ring)
        self.ring_values = self._values([], (Ink.COLLISION, self.ring_chroma.shape[1]))
        self.reach = reach

        # The collision flash: canvas indices of the frame border -> frame pixels/blocks.
        geo = layer.geometry
        rows = (layer.collision_border >> geo.shift) - geo.pad_y
        cols = (layer.collision_border & (geo.canvas_w - 1)) - geo.pad_x
        self.border_luma = rows * w + cols
        blocks = np.unique((rows >> 1) * (w // 2) + (cols >> 1)) + self.n_y
        self.border_chroma = np.concatenate((blocks, blocks + self.n_y // 4))
        self.border_values = self._values([], (Ink.COLLISION, len(self.border_chroma)))

        # [col, row, col/2, row/2] -> [pixel, chroma block, pedestrian table rows per
        # parity]: parity = (col & 1) + 2 * (row & 1) = col + 2 row - 2 col/2 - 4 row/2.
        n_rows = TICK_DIRECTIONS + 1
        self.agent_matrix = np.array(
            [[1, w, 0, 0], [0, 0, 1, w // 2], [n_rows, 2 * n_rows, -2 * n_rows, -4 * n_rows]],
            dtype=np.intp,
        )

    def _build_ped_clipping(self, layer: StaticLayer) -> None:
        """Each pedestrian-table entry as ``(dy, dx)`` plus its column's bounds and strides.

        Used only for pedestrians whose stencils leave the map area (see ``_clip_peds``):
        luma columns are pixel offsets, chroma columns block offsets; a standing
        pedestrian's tick gets a row offset far outside the frame.
        """
        geo, n_y, hw = self.geometry, self.n_y, self.width_px // 2
        e_dy, e_dx = self._frame_offsets(layer.ped_edge)
        f_dy, f_dx = self._frame_offsets(layer.ped_fill)
        t_dy, t_dx = self._frame_offsets(layer.ped_ticks)
        t_dy = np.concatenate((np.full((1, t_dy.shape[1]), 1 << 30), t_dy))  # row 0: none
        t_dx = np.concatenate((np.zeros((1, t_dx.shape[1]), dtype=np.intp), t_dx))
        n_luma = self.ped_table.shape[1] - len(self._ped_chroma[0])
        blocks = self._ped_chroma[:, : (self.ped_table.shape[1] - n_luma) // 2] - n_y
        b_dy = (blocks + hw // 2) // hw
        b_dx = blocks - b_dy * hw
        dys, dxs = [], []
        for p in range(4):
            for t in range(TICK_DIRECTIONS + 1):
                dys.append(np.concatenate((e_dy, f_dy, t_dy[t], b_dy[p], b_dy[p])))
                dxs.append(np.concatenate((e_dx, f_dx, t_dx[t], b_dx[p], b_dx[p])))
        self.ped_dy, self.ped_dx = np.stack(dys), np.stack(dxs)
        chroma = (self.ped_bases == 1)[:, None]
        self.clip_is_chroma = chroma
        self.clip_row_lo = np.where(chroma, layer.hud_h // 2, layer.hud_h)
        self.clip_row_hi = np.where(chroma, geo.height_px // 2, geo.height_px)
        self.clip_stride = np.where(chroma, hw, self.width_px)  # also the column bound
        n_u = len(blocks[0])
        self.clip_offset = np.repeat([0, n_y, n_y + n_y // 4], [n_luma, n_u, n_u])[:, None]

    def _build_transform(self, layer: StaticLayer) -> None:
        """World metres -> 8 rows per point: x, y, x/2, y/2 in pixels, then 4 fit checks.

        One matrix product with one non-zero per row (exact: ``x * a + y * 0`` rounds
        like ``x * a``), then one add, so rows 0-1 equal the general path's
        ``xy * mul + add`` bit for bit. Rows 4-7 are ``u, v, 1 - u, 1 - v`` where
        ``(u, v)`` maps the box in which a centre's pixel keeps every stencil inside the
        map area (not the HUD) onto [0, 1]: the frame fits iff their maximum is <= 1.
        The box is shrunk by ``_MARGIN_PX`` so that rounding can only reject, never admit.
        """
        geo = layer.geometry
        up, down, left, right = self.reach
        lo = np.array([left + _MARGIN_PX, layer.hud_h + up + _MARGIN_PX])
        hi = np.array([geo.width_px - right - _MARGIN_PX, geo.height_px - down - _MARGIN_PX])
        span = np.maximum(hi - lo, 1e-9)  # a degenerate box rejects every frame
        mul, add = layer.to_px_mul, layer.to_px_add
        scales = np.stack((mul, mul * 0.5, mul / span, -mul / span))  # (4, 2)
        self.to_rows = np.zeros((8, 2))
        self.to_rows[0::2, 0] = scales[:, 0]
        self.to_rows[1::2, 1] = scales[:, 1]
        fit = (add - lo) / span
        self.row_offsets = np.concatenate((add, add * 0.5, fit, 1.0 - fit))[:, None]

    def _build_hud(self, layer: StaticLayer) -> None:
        """Glyph luma blocks and their frame indices for the per-frame progress text."""
        scale, w = layer.scale, self.width_px
        atlas, code_to_glyph = glyph_atlas(scale)
        ink = np.where(atlas, LUT_Y[Ink.HUD_DIM], LUT_Y[Ink.HUD_BG]).astype(np.uint8)
        self.glyph_luma = ink.reshape(len(atlas), -1)[code_to_glyph]  # per ASCII byte
        gh, gw = GLYPH_H_PX * scale, ADVANCE_PX * scale
        rows, cols = np.mgrid[0:gh, 0:gw]
        glyph = (rows * w + cols).ravel()
        # Characters that fit when there is no status (the caller cuts the text to this).
        self.max_chars = n_max = max((w - layer.progress_x_px) // gw, 0)
        starts = layer.text_top + layer.progress_x_px + gw * np.arange(n_max)
        self.hud_luma = starts[:, None] + glyph

    # -- per frame --------------------------------------------------------------------------

    def draw(
        self, static_i420: np.ndarray, snap: FrameSnapshot, hud: HudLayout, show_trail: bool
    ) -> np.ndarray | None:
        """Return a new I420 frame of ``snap``, or ``None`` if a shape might not fit.

        ``static_i420`` is the layer's static frame (``StaticLayer.yuv``); ``hud`` is
        ``(progress, status, status_x, status_ink)`` as laid out by the caller. The
        returned array views the first ``H*W*3/2`` bytes of a fresh buffer.
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
        far = None
        if not np.maximum.reduce(q[4:], axis=None) <= 1.0:  # NaN fails too
            far = self._peds_outside(q, n_trail)
            if far is None:
                return None
        agents = self.agent_matrix @ q[:4, n_trail:].astype(np.intp)  # floor: all >= 0

        buf = np.empty(self.n_buffer, dtype=np.uint8)
        out = buf[: self.n_frame]
        out[:] = static_i420
        if n_trail >= 2:
            self._draw_trail(buf, trail, q[:4, :n_trail])
        if n_ped:
            self._draw_peds(buf, snap, agents[:, :n_ped], far)
        self._draw_robot(buf, snap, agents[:, n_ped])
        self._draw_hud(buf, hud)
        return out

    @staticmethod
    def _peds_outside(q: np.ndarray, n_trail: int) -> tuple[np.ndarray, np.ndarray] | None:
        """Return ``(outside, centres)`` of pedestrians not in the fit box, or ``None``.

        ``None`` (general path) when the trail or the robot is not in the box, or a
        pedestrian's position is not finite. Otherwise ``outside`` masks the crowd and
        ``centres`` is their ``(2, k)`` floored pixel (col, row); their columns of ``q``
        are replaced by the robot's so the shared arithmetic stays in range (their index
        rows are then recomputed with clipping).
        """
        inside = np.maximum.reduce(q[4:], axis=0) <= 1.0
        peds = q[:4, n_trail:-1]
        if not (inside[:n_trail].all() and inside[-1] and (np.abs(peds[:2]) < 2.0**40).all()):
            return None
        outside = ~inside[n_trail:-1]
        centres = np.floor(peds[:2, outside]).astype(np.intp)
        peds[:, outside] = q[:4, -1:]
        return outside, centres

    def _clip_peds(self, centres: np.ndarray, tick: np.ndarray) -> np.ndarray:
        """Return ``(L, k)`` index columns of pedestrians partly or wholly off the map.

        Like the general path: pixels outside the frame or over the HUD, and chroma
        blocks there, are dropped, here by sending them to the scratch tail.
        """
        col, row = centres
        parity = (col & 1) + 2 * (row & 1)
        kind = tick + parity * (TICK_DIRECTIONS + 1)
        chroma = self.clip_is_chroma
        rows = np.where(chroma, row >> 1, row) + self.ped_dy.take(kind, axis=0).T
        cols = np.where(chroma, col >> 1, col) + self.ped_dx.take(kind, axis=0).T
        stride = self.clip_stride
        valid = (rows >= self.clip_row_lo) & (rows < self.clip_row_hi)
        valid &= (cols >= 0) & (cols < stride)
        return np.where(valid, rows * stride + cols + self.clip_offset, self.n_frame)

    def _draw_trail(self, buf: np.ndarray, trail_m: np.ndarray, pts: np.ndarray) -> None:
        """Write the trail (samples kept across frames by ``TrailSamples``): one write.

        ``pts`` is ``(4, n)``: x, y, x/2, y/2 pixel coordinates of the ``n`` points.
        """
        positions, values = self._trail.update(trail_m, pts)
        buf[positions] = values

    def _draw_peds(
        self,
        buf: np.ndarray,
        snap: FrameSnapshot,
        agents: np.ndarray,
        far: tuple[np.ndarray, np.ndarray] | None,
    ) -> None:
        """Outlines, then fills, then heading ticks of the crowd, then its fill chroma.

        ``agents`` is ``(3, n_ped)``: centre pixel, centre block, table row of the parity.
        The gathered rows are transposed while adding the centres, so that the raveled
        indices run part by part in drawing order (and numpy need not walk strided
        index arrays, which costs ~2x): one write for everything.
        """
        vel = snap.ped_velocities_mps
        kind = tick_directions(vel if vel.ndim == 2 else vel.reshape(-1, 2))
        kind += agents[2]
        idx = agents.take(self.ped_bases, axis=0)  # (L, n_ped): each row's centre index
        idx += self.ped_table.take(kind, axis=0).T
        if far is not None:  # some pedestrians leave the map area: clip their columns
            outside, centres = far
            idx[:, outside] = self._clip_peds(centres, kind[outside] % (TICK_DIRECTIONS + 1))
        n_ped, values = self._crowd_values
        if n_ped != idx.shape[1]:  # crowds rarely change size: cache the repeat
            values = np.repeat(self.ped_values, idx.shape[1])
            self._crowd_values = (idx.shape[1], values)
        buf[idx.ravel()] = values

    def _draw_robot(self, buf: np.ndarray, snap: FrameSnapshot, centre: np.ndarray) -> None:
        """Robot outline, fill, nose and fill chroma (+ collision ring and frame flash).

        ``centre`` is ``(3,)``: the robot's pixel, chroma block and parity row.
        """
        pixel, block, parity = centre.tolist()
        parity //= TICK_DIRECTIONS + 1
        theta = float(snap.robot_pose[2])
        nose = round(theta * NOSE_DIRECTIONS / (2.0 * math.pi)) % NOSE_DIRECTIONS
        idx = centre.take(self.robot_bases)  # each column's centre index: pixel or block
        idx += self.robot_table[nose, parity]
        buf[idx] = self.robot_values
        if snap.collision is not None:
            buf[self.ring_luma + pixel] = LUT_Y[Ink.COLLISION]
            buf[self.border_luma] = LUT_Y[Ink.COLLISION]
            buf[self.ring_chroma[parity] + block] = self.ring_values
            buf[self.border_chroma] = self.border_values

    def _draw_hud(self, buf: np.ndarray, hud: HudLayout) -> None:
        """Stamp the progress text glyph by glyph, then the (rare) status word."""
        progress, status, status_x, ink = hud
        if progress:
            codes = np.frombuffer(progress.encode("ascii", "replace"), dtype=np.uint8)
            buf[self.hud_luma[: len(codes)]] = self.glyph_luma.take(codes, axis=0)
        if status:
            luma, chroma = self._status_pixels(status, status_x, ink)
            buf[luma] = LUT_Y[ink]
            buf[chroma] = self._values([], (ink, len(chroma)))

    def _status_pixels(self, status: str, x_px: int, ink: Ink) -> tuple[np.ndarray, ...]:
        """Return the status word's pixels and its U/V block positions (cached).

        Grey/white status text writes luma only (no blocks), like in the general path.
        """
        key = (status, x_px, ink)
        hit = self._status.get(key)
        if hit is None:
            w = self.width_px
            luma = text_offsets(status, self.scale, w) + (self.text_top + x_px)
            blocks = np.unique((luma // w >> 1) * (w // 2) + (luma % w >> 1)) + self.n_y
            if ink in LUMA_ONLY_INKS:
                blocks = blocks[:0]
            hit = self._status[key] = (luma, np.concatenate((blocks, blocks + self.n_y // 4)))
        return hit
