"""The draw list's clipping route: shapes that cross the frame edge or the HUD strip.

- ``ClipTable.of(table, dims)``: a stencil table (rows of pixel offsets from a centre) as
  per-entry ``(dy, dx)``, so any centre can be placed with everything outside the map area
  sent to the scratch tail.
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

from robot_sf_gym_video.render.palette import Ink
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
    """Per-entry pixel offsets of a stencil table (see the module docstring).

    Attributes:
        dy: ``(K, L)`` row offsets per table row.
        dx: ``(K, L)`` column offsets.
        width_px: Frame width.
        row_lo: First row of the map area (below the HUD).
        row_hi: Frame height.
        n_frame: Where clipped entries go (the scratch tail).
    """

    dy: np.ndarray
    dx: np.ndarray
    width_px: int
    row_lo: int
    row_hi: int
    n_frame: int

    @classmethod
    def of(cls, table: np.ndarray, dims: FrameDims) -> ClipTable:
        """Split ``table`` (``(K, L)`` pixel offsets from a centre pixel) into rows/columns.

        Entries at or past ``n_frame`` (a standing pedestrian's tick) are never drawn.
        """
        w = dims.width_px
        dy = (table + w // 2) // w
        dx = table - dy * w
        dy = np.where(table >= dims.n_frame, _NEVER, dy)
        return cls(dy, dx, w, dims.hud_h, dims.n_y // w, dims.n_frame)

    def positions(self, col: np.ndarray, row: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """Return ``(L, k)`` pixels of rows ``kind`` placed at pixels ``(col, row)``."""
        rows = row + self.dy.take(kind, axis=0).T
        cols = col + self.dx.take(kind, axis=0).T
        valid = (rows >= self.row_lo) & (rows < self.row_hi)
        valid &= (cols >= 0) & (cols < self.width_px)
        return np.where(valid, rows * self.width_px + cols, self.n_frame)


def clipped_trail(
    pts: np.ndarray, pen: tuple[np.ndarray, np.ndarray] | None, dims: FrameDims
) -> tuple[np.ndarray, np.ndarray]:
    """Return the trail's ``(pixels, inks)``, sampled afresh and clipped.

    ``pts`` is ``(2, k)``, the clamped pixel coordinates of the ``k >= 2`` trail points.
    Each segment gets ``n`` samples at ``t = j / n`` (``n`` set by the longest segment,
    as in ``TrailSamples``), each widened by ``pen``; the older half of the segments
    (rounded down) is drawn in the old shade.
    """
    step = pts[:, 1:] - pts[:, :-1]
    n = min(int(np.abs(step).max()) + 1, MAX_TRAIL_SAMPLES)
    t = np.linspace(0.0, 1.0, n + 1)[None, :-1, None]
    cells = np.floor(pts[:, None, :-1] + step[:, None, :] * t).astype(np.intp)
    col, row = cells.transpose(0, 2, 1)[..., None]  # (segments, n, 1)
    if pen is not None:
        row, col = row + pen[0], col + pen[1]
    w = dims.width_px
    valid = (row >= dims.hud_h) & (row < dims.n_y // w) & (col >= 0) & (col < w)
    pixels = np.where(valid, row * w + col, dims.n_frame).ravel()
    old = np.arange(step.shape[1])[:, None, None] < step.shape[1] // 2
    inks = np.where(old, Ink.TRAIL_OLD, Ink.TRAIL_NEW).astype(np.uint8)
    return pixels, np.broadcast_to(inks, valid.shape).ravel()
