"""Vectorised numpy rasterizing primitives that return flat pixel indices.

- ``disc_offsets`` / ``ring_offsets``: integer ``(dy, dx)`` stencils of a disc or annulus.
- ``stamp``: place a stencil at many centres at once (one broadcast, no per-disc loop),
  clipping at the frame border (used for the static layer).
- ``flat_offsets``: a stencil as offsets into a flattened (padded) frame, for the per-frame
  fast path, which stamps with a single add into a canvas padded so nothing can wrap.
- ``segment_points``: ~1 px spaced sample points along many line segments at once.
- ``polygon_indices``: pixels whose centre lies inside a polygon (even-odd rule).
- ``rect_outline_indices``: pixels of a rectangle's outline of a given thickness.

Everything works on a frame of ``width_px`` columns and returns indices into the frame
flattened row-major (``row * width_px + col``), clipped to a band of rows
``[row_min, row_max)`` so shapes never draw over the HUD strip. Coordinates are the
viewport's continuous pixel coordinates (pixel ``(r, c)`` covers ``[c, c+1) x [r, r+1)``).
Per PERF.md a per-disc Python loop costs twice as much as one scatter into a flat view.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "disc_offsets",
    "flat_offsets",
    "polygon_indices",
    "rect_outline_indices",
    "ring_offsets",
    "segment_points",
    "stamp",
]

Stencil = tuple[np.ndarray, np.ndarray]


def ring_offsets(inner_px: float, outer_px: float) -> Stencil:
    """Return ``(dy, dx)`` of pixels whose centre distance ``d`` satisfies inner < d <= outer.

    Distances are between pixel centres, so a stencil stamped at ``floor(x), floor(y)``
    is centred on the pixel containing the point.
    """
    outer_px = max(float(outer_px), 0.5)
    n = int(np.ceil(outer_px))
    dy, dx = np.mgrid[-n : n + 1, -n : n + 1]
    d2 = dy * dy + dx * dx
    keep = (d2 <= outer_px * outer_px) & (d2 > inner_px * inner_px if inner_px >= 0 else True)
    return dy[keep].astype(np.intp), dx[keep].astype(np.intp)


def disc_offsets(radius_px: float) -> Stencil:
    """Return ``(dy, dx)`` of a filled disc of ``radius_px`` (at least the centre pixel)."""
    return ring_offsets(-1.0, radius_px)


def flat_offsets(stencil: Stencil, width_px: int) -> np.ndarray:
    """Return the stencil as offsets into a row-major frame ``width_px`` columns wide."""
    return (stencil[0] * width_px + stencil[1]).astype(np.intp)


def stamp(
    points_px: np.ndarray,
    stencil: Stencil,
    width_px: int,
    row_min: int,
    row_max: int,
) -> np.ndarray:
    """Return flat indices of ``stencil`` placed at every point of ``points_px`` ``(N, 2)``.

    Pixels outside the frame's columns or the ``[row_min, row_max)`` band are dropped, so
    agents at the border are clipped instead of wrapping around to the other side.
    """
    pts = np.asarray(points_px, dtype=np.float64).reshape(-1, 2)
    if pts.size == 0:
        return np.empty(0, dtype=np.intp)
    # Clamp far-away points first so int conversion cannot overflow (they get clipped).
    pts = np.clip(pts, -1e6, 1e6)
    cols = np.floor(pts[:, 0]).astype(np.intp)[:, None] + stencil[1][None, :]
    rows = np.floor(pts[:, 1]).astype(np.intp)[:, None] + stencil[0][None, :]
    ok = (cols >= 0) & (cols < width_px) & (rows >= row_min) & (rows < row_max)
    return (rows * width_px + cols)[ok]


def segment_points(start_px: np.ndarray, end_px: np.ndarray, max_len_px: int) -> np.ndarray:
    """Return ``(M, 2)`` points spaced <= 1 px along each segment ``start -> end``.

    Segments are sampled all at once with ``np.repeat`` (variable sample counts), ends
    included. Each segment is capped at ``max_len_px`` samples so a wild value cannot
    allocate gigabytes; it is clipped by ``stamp`` anyway.
    """
    p0 = np.asarray(start_px, dtype=np.float64).reshape(-1, 2)
    p1 = np.asarray(end_px, dtype=np.float64).reshape(-1, 2)
    if p0.size == 0:
        return np.empty((0, 2), dtype=np.float64)
    delta = p1 - p0
    length = np.hypot(delta[:, 0], delta[:, 1])
    # fmin maps NaN lengths to the cap; such samples are clipped away later.
    counts = np.fmin(np.ceil(length), max_len_px).astype(np.intp) + 1
    seg = np.repeat(np.arange(len(p0)), counts)
    starts = np.cumsum(counts) - counts
    k = np.arange(int(counts.sum())) - starts[seg]
    t = k / np.maximum(counts[seg] - 1, 1)
    return p0[seg] + delta[seg] * t[:, None]


def polygon_indices(
    vertices_px: np.ndarray, width_px: int, row_min: int, row_max: int
) -> np.ndarray:
    """Return flat indices of pixels whose centre is inside the polygon (even-odd rule).

    Tests only the polygon's bounding box against all edges at once; used for the static
    layer, which is drawn once per episode.
    """
    v = np.asarray(vertices_px, dtype=np.float64).reshape(-1, 2)
    x0 = max(int(np.floor(v[:, 0].min())), 0)
    x1 = min(int(np.ceil(v[:, 0].max())), width_px)
    y0 = max(int(np.floor(v[:, 1].min())), row_min)
    y1 = min(int(np.ceil(v[:, 1].max())), row_max)
    if x1 <= x0 or y1 <= y0:
        return np.empty(0, dtype=np.intp)
    ys, xs = np.mgrid[y0:y1, x0:x1]
    px = xs.ravel() + 0.5
    py = ys.ravel() + 0.5
    a = v[:, None, :]
    b = np.roll(v, -1, axis=0)[:, None, :]
    ay, by = a[..., 1], b[..., 1]
    straddles = (ay > py) != (by > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = a[..., 0] + (py - ay) * (b[..., 0] - a[..., 0]) / (by - ay)
    inside = np.count_nonzero(straddles & (px < x_cross), axis=0) % 2 == 1
    return (ys.ravel() * width_px + xs.ravel())[inside].astype(np.intp)


def rect_outline_indices(
    x0: int, y0: int, x1: int, y1: int, thickness: int, width_px: int, row_min: int, row_max: int
) -> np.ndarray:
    """Return flat indices of the ``thickness``-px outline inside pixel rect [x0,x1)x[y0,y1)."""
    cx0, cx1 = max(x0, 0), min(x1, width_px)
    cy0, cy1 = max(y0, row_min), min(y1, row_max)
    if cx1 <= cx0 or cy1 <= cy0:
        return np.empty(0, dtype=np.intp)
    mask = np.zeros((y1 - y0, x1 - x0), dtype=bool)
    mask[:thickness] = mask[-thickness:] = True
    mask[:, :thickness] = mask[:, -thickness:] = True
    mask = mask[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]  # clip to the frame
    rows, cols = np.nonzero(mask)
    return ((rows + cy0) * width_px + cols + cx0).astype(np.intp)
