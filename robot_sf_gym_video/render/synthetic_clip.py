"""The draw list's clipping route: shapes that cross the frame edge or the HUD strip.

- ``ClipTable.of(table, planes, dims)``: a stencil table (rows of I420 offsets from a
  centre) as per-entry ``(dy, dx)`` plus each column's bounds, so any centre can be placed
  with everything outside the map area sent to the scratch tail.
- ``clipped_trail(pts, pen, dims)``: the robot trail sampled afresh with clipping (and the
  square pen of large frames).

Why a separate route: the common frame has every shape well inside the map and needs no
per-entry bounds at all (``synthetic_draw``); this route runs only for the few frames, or
pedestrians, that need it. It draws exactly the pixels a padded-canvas clipper would: the
caller clamps centres half a padding outside the frame, where every stencil lies wholly
outside, and each entry is kept iff it falls in the map area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from robot_sf_gym_video.render.palette import LUT_U, LUT_V, LUT_Y, Ink
from robot_sf_gym_video.render.synthetic_trail import MAX_TRAIL_SAMPLES

__all__ = ["ClipTable", "FrameDims", "clipped_trail"]

_NEVER = 1 << 30  # a row offset that no centre brings back into the frame


class FrameDims(Protocol):
    """The frame sizes the clipping route needs (``synthetic_draw.DrawTables`` has them)."""

    width_px: int
    hud_h: int
    n_y: int
    n_frame: int


@dataclass(frozen=True)
class ClipTable:
    """Per-entry offsets of a stencil table and per-column bounds (see the module docstring).

    Attributes:
        dy: ``(K, L)`` row offsets per table row (in pixels, or blocks for chroma).
        dx: ``(K, L)`` column offsets.
        is_chroma: ``(L, 1)`` whether the column is a U or V block.
        row_lo: ``(L, 1)`` first row of the map area in the column's plane.
        row_hi: ``(L, 1)`` rows of that plane.
        stride: ``(L, 1)`` the plane's width (also the column bound).
        offset: ``(L, 1)`` where the plane starts in the I420 buffer.
        n_frame: Size of the I420 frame; clipped entries go there (the scratch tail).
    """

    dy: np.ndarray
    dx: np.ndarray
    is_chroma: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    stride: np.ndarray
    offset: np.ndarray
    n_frame: int

    @classmethod
    def of(cls, table: np.ndarray, planes: np.ndarray, dims: FrameDims) -> ClipTable:
        """Split ``table`` (``(K, L)`` offsets; column ``j`` in plane ``planes[j]``).

        Entries at or past ``n_frame`` (a standing pedestrian's tick) are never drawn.
        """
        w, n_y = dims.width_px, dims.n_y
        height_px = n_y // w
        n_c = n_y // 4
        stride = np.where(planes > 0, w // 2, w)[:, None]
        offset = np.choose(planes, [0, n_y, n_y + n_c])[:, None]
        rel = table - offset.T
        dy = (rel + stride.T // 2) // stride.T
        dx = rel - dy * stride.T
        dy = np.where(table >= dims.n_frame, _NEVER, dy)
        chroma = (planes > 0)[:, None]
        return cls(
            dy=dy,
            dx=dx,
            is_chroma=chroma,
            row_lo=np.where(chroma, dims.hud_h // 2, dims.hud_h),
            row_hi=np.where(chroma, height_px // 2, height_px),
            stride=stride,
            offset=offset,
            n_frame=dims.n_frame,
        )

    def positions(self, col: np.ndarray, row: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """Return ``(L, k)`` buffer positions of rows ``kind`` placed at pixels ``(col, row)``.

        Chroma columns use the centre's block (``>> 1`` floors negative values too).
        """
        chroma = self.is_chroma
        rows = np.where(chroma, row >> 1, row) + self.dy.take(kind, axis=0).T
        cols = np.where(chroma, col >> 1, col) + self.dx.take(kind, axis=0).T
        stride = self.stride
        valid = (rows >= self.row_lo) & (rows < self.row_hi)
        valid &= (cols >= 0) & (cols < stride)
        return np.where(valid, rows * stride + cols + self.offset, self.n_frame)


def clipped_trail(
    pts: np.ndarray, pen: tuple[np.ndarray, np.ndarray] | None, dims: FrameDims
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the trail's ``(positions, I420 bytes, inks)``, sampled afresh and clipped.

    ``pts`` is ``(2, k)``, the clamped pixel coordinates of the ``k >= 2`` trail points.
    Each segment gets ``n`` samples at ``t = j / n`` (``n`` set by the longest segment,
    as in ``TrailSamples``), each widened by ``pen``; the older half of the segments
    (rounded down) is drawn in the old shade. Positions are all luma entries, then their
    U blocks, then their V blocks, each in segment order.
    """
    step = pts[:, 1:] - pts[:, :-1]
    n = min(int(np.abs(step).max()) + 1, MAX_TRAIL_SAMPLES)
    t = np.linspace(0.0, 1.0, n + 1)[None, :-1, None]
    cells = np.floor(pts[:, None, :-1] + step[:, None, :] * t).astype(np.intp)
    col, row = cells.transpose(0, 2, 1)[..., None]  # (segments, n, 1)
    if pen is not None:
        row, col = row + pen[0], col + pen[1]
    w, n_y = dims.width_px, dims.n_y
    valid = (row >= dims.hud_h) & (row < n_y // w) & (col >= 0) & (col < w)
    luma = np.where(valid, row * w + col, dims.n_frame).ravel()
    u = np.where(valid, (row >> 1) * (w // 2) + (col >> 1) + n_y, dims.n_frame).ravel()
    v = np.where(valid.ravel(), u + n_y // 4, dims.n_frame)
    half = step.shape[1] // 2
    old = np.arange(step.shape[1])[:, None, None] < half
    inks = np.broadcast_to(np.where(old, Ink.TRAIL_OLD, Ink.TRAIL_NEW), valid.shape).ravel()
    inks = np.tile(inks.astype(np.uint8), 3)
    n_entries = len(luma)
    values = np.concatenate([lut[inks[:n_entries]] for lut in (LUT_Y, LUT_U, LUT_V)])
    return np.concatenate((luma, u, v)), values, inks
