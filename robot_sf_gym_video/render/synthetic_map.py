"""The synthetic renderer's static map image, drawn once per scenario geometry.

- ``episode_images(static, size, vp, hud_h, scale, map_cache)``: the ``(idx, rgb, yuv)``
  images of one episode's static layer: the map (floor, 1 m grid, obstacles, bounds, HUD
  background and scenario name), from ``map_cache`` when the geometry repeats, plus this
  episode's goal and start marker.
- ``draw_map`` / ``draw_goal_and_start``: the two rasterizing passes (palette indices).
- ``i420_of(idx)``: a palette-index image as I420, chroma as swscale makes it.
- ``square_pen(scale)`` / ``ring_stencil(inner, outer)``: cached pens.

Kept apart from ``synthetic_layer`` (index geometry and agent stencils) because it is the
only part that draws whole images.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from robot_sf_gym_video.render import raster
from robot_sf_gym_video.render.chroma import chroma_planes
from robot_sf_gym_video.render.font5x7 import GLYPH_H_PX, text_mask
from robot_sf_gym_video.render.hud import scale_bar, scenario_label
from robot_sf_gym_video.render.palette import LUT_Y, PALETTE_RGB, Ink

if TYPE_CHECKING:
    from robot_sf_gym_video.render.viewport import Viewport
    from robot_sf_gym_video.sim.snapshot import StaticScene

__all__ = [
    "MapCache",
    "draw_goal_and_start",
    "draw_map",
    "episode_images",
    "i420_of",
    "ring_stencil",
    "square_pen",
]

MapCache = dict  # map key -> (idx, rgb, yuv) images of the map (see episode_images)
_MAP_CACHE_SIZE = 16


def episode_images(
    static: StaticScene,
    size: tuple[int, int],
    vp: Viewport,
    hud_h: int,
    scale: int,
    map_cache: MapCache | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return new ``(idx, rgb, yuv)`` images of the static layer of one episode.

    The map depends only on the scenario's geometry, which repeats across a batch while
    start and goal change: with a ``map_cache`` (at most ``_MAP_CACHE_SIZE`` entries) it is
    rasterized once per geometry and each episode only adds goal and start.
    """
    key = map_key(static, size)
    base = None if map_cache is None else map_cache.get(key)
    if base is None:
        map_idx = draw_map(static, size, vp, hud_h, scale)
        base = (map_idx, np.take(PALETTE_RGB, map_idx, axis=0), i420_of(map_idx))
        if map_cache is not None:
            if len(map_cache) >= _MAP_CACHE_SIZE:
                map_cache.pop(next(iter(map_cache)))
            map_cache[key] = base
    idx, rgb, yuv = (a.copy() for a in base)
    touched = draw_goal_and_start(idx, static, vp, hud_h, scale)
    update_colours(idx, rgb, yuv, touched)
    return idx, rgb, yuv


def map_key(static: StaticScene, size: tuple[int, int]) -> tuple:
    """Everything the map image depends on (not start, goal or radii)."""
    obstacles = tuple((o.shape, o.tobytes()) for o in static.obstacles_m)
    return (size, scenario_label(static), tuple(static.bounds_m), obstacles)


def draw_map(
    static: StaticScene, size: tuple[int, int], vp: Viewport, hud_h: int, scale: int
) -> np.ndarray:
    """Return the ``(H, W)`` palette-index image of the map: everything but goal and start."""
    width_px, height_px = size
    idx = np.full((height_px, width_px), Ink.LETTERBOX, dtype=np.uint8)
    flat = idx.reshape(-1)
    rmin, rmax = hud_h, height_px
    idx[:rmin] = Ink.HUD_BG

    x0, y0, x1, y1 = vp.world_rect_px(static.bounds_m)
    fx0, fy0 = max(round(float(x0)), 0), max(round(float(y0)), rmin)
    fx1, fy1 = min(round(float(x1)), width_px), min(round(float(y1)), rmax)
    idx[fy0:fy1, fx0:fx1] = Ink.FLOOR
    _draw_grid(idx, vp, static.bounds_m, (fx0, fy0, fx1, fy1))
    outline = (fx0 - scale, fy0 - scale, fx1 + scale, fy1 + scale)
    flat[raster.rect_outline_indices(*outline, scale, width_px, rmin, rmax)] = Ink.BOUNDS

    pen = raster.disc_offsets(0.0) if scale == 1 else square_pen(scale)
    far = width_px + height_px

    def stroke(p0: np.ndarray, p1: np.ndarray, stencil: raster.Stencil, ink: Ink) -> None:
        samples = raster.segment_points(p0, p1, far)
        flat[raster.stamp(samples, stencil, width_px, rmin, rmax)] = ink

    wall_pen = raster.disc_offsets(max(0.5 * scale, vp.length_px(0.06)))
    for poly in static.obstacles_m:
        pts = vp.to_px(poly)
        if len(pts) >= 3:
            flat[raster.polygon_indices(pts, width_px, rmin, rmax)] = Ink.OBSTACLE
            stroke(pts, np.roll(pts, -1, axis=0), pen, Ink.OBSTACLE_EDGE)
        elif len(pts) == 2:
            stroke(pts[:1], pts[1:], wall_pen, Ink.OBSTACLE_EDGE)

    _draw_scale_bar(idx, vp, (fx0, fy0, fx1, fy1), scale)
    top = (hud_h - GLYPH_H_PX * scale) // 2
    mask_rows, mask_cols = np.nonzero(text_mask(scenario_label(static), scale))
    keep = mask_cols + 2 * scale < width_px
    idx[mask_rows[keep] + top, mask_cols[keep] + 2 * scale] = Ink.HUD_TEXT
    return idx


def draw_goal_and_start(
    idx: np.ndarray, static: StaticScene, vp: Viewport, hud_h: int, scale: int
) -> np.ndarray:
    """Draw this episode's goal (disc, ring, cross) and start marker into ``idx``.

    Returns the flat indices of the pixels written.
    """
    height_px, width_px = idx.shape
    flat = idx.reshape(-1)
    rmin, rmax = hud_h, height_px
    pen = ring_stencil(-1.0, 0.0) if scale == 1 else square_pen(scale)
    touched = []

    def put(indices: np.ndarray, ink: Ink) -> None:
        flat[indices] = ink
        touched.append(indices)

    def stroke(p0: np.ndarray, p1: np.ndarray, ink: Ink) -> None:
        samples = raster.segment_points(p0, p1, width_px + height_px)
        put(raster.stamp(samples, pen, width_px, rmin, rmax), ink)

    goal = vp.to_px(np.array([static.goal_xy_m], dtype=np.float64))
    goal_r = max(vp.length_px(static.goal_radius_m), 2.0 * scale)
    put(raster.stamp(goal, ring_stencil(-1.0, goal_r), width_px, rmin, rmax), Ink.GOAL)
    ring = ring_stencil(goal_r - scale, goal_r)
    put(raster.stamp(goal, ring, width_px, rmin, rmax), Ink.GOAL_EDGE)
    arm = min(goal_r * 0.5, 3.0 * scale)
    cross = goal + np.array([[-arm, 0.0], [arm, 0.0], [0.0, -arm], [0.0, arm]])
    stroke(cross[[0, 2]], cross[[1, 3]], Ink.GOAL_EDGE)

    start = vp.to_px(np.array([static.start_xy_m], dtype=np.float64))
    arm = 2.0 * scale
    ends = start + np.array([[-arm, -arm], [arm, arm], [-arm, arm], [arm, -arm]])
    stroke(ends[[0, 2]], ends[[1, 3]], Ink.START)
    return np.concatenate(touched)


def update_colours(idx: np.ndarray, rgb: np.ndarray, yuv: np.ndarray, touched: np.ndarray) -> None:
    """Bring ``rgb`` and ``yuv`` up to date with ``idx`` at the ``touched`` pixels.

    RGB and Y per pixel; chroma is recomputed for the whole frame (swscale's filter
    spans neighbouring blocks, and once per episode this costs well under a millisecond).
    """
    flat = idx.reshape(-1)
    ink = flat[touched]
    rgb.reshape(-1, 3)[touched] = PALETTE_RGB[ink]
    yuv[touched] = LUT_Y[ink]
    n_y = idx.size
    u, v = chroma_planes(idx)
    yuv[n_y : n_y + n_y // 4] = u.reshape(-1)
    yuv[n_y + n_y // 4 :] = v.reshape(-1)


def _draw_scale_bar(
    idx: np.ndarray, vp: Viewport, floor_px: tuple[int, int, int, int], scale: int
) -> None:
    """Draw the scale bar (``hud.scale_bar``): a line with end ticks, its label above."""
    x0, x1, y, label = scale_bar(vp, floor_px, scale)
    height_px, width_px = idx.shape
    if not (0 <= x0 < x1 < width_px and y - 3 * scale >= 0 and y + scale <= height_px):
        return
    idx[y : y + scale, x0 : x1 + 1] = Ink.SCALE_BAR
    for x in (x0, x1 + 1 - scale):
        idx[y - 2 * scale : y + scale, x : x + scale] = Ink.SCALE_BAR
    rows, cols = np.nonzero(text_mask(label, scale))
    top = y - 3 * scale - GLYPH_H_PX * scale
    keep = (rows + top >= 0) & (cols + x0 < width_px)
    idx[rows[keep] + top, cols[keep] + x0] = Ink.SCALE_BAR


def _draw_grid(
    idx: np.ndarray,
    vp: Viewport,
    bounds_m: tuple[float, float, float, float],
    floor_rect: tuple[int, int, int, int],
) -> None:
    """Draw grid lines every 1 m (coarser when 1 m would be < 5 px), bolder every 5th."""
    step_m = next(s for s in (1, 2, 5, 10, 20, 50, 100, 1e9) if vp.length_px(s) >= 5)
    fx0, fy0, fx1, fy1 = floor_rect
    x_min, y_min, x_max, y_max = bounds_m
    for k in range(math.ceil(x_min / step_m), math.floor(x_max / step_m) + 1):
        col = int(np.floor(vp.to_px(np.array([k * step_m, y_min]))[0]))
        if fx0 <= col < fx1:
            idx[fy0:fy1, col] = Ink.GRID_MAJOR if k % 5 == 0 else Ink.GRID
    for k in range(math.ceil(y_min / step_m), math.floor(y_max / step_m) + 1):
        row = int(np.floor(vp.to_px(np.array([x_min, k * step_m]))[1]))
        if fy0 <= row < fy1:
            idx[row, fx0:fx1] = Ink.GRID_MAJOR if k % 5 == 0 else Ink.GRID


@lru_cache(maxsize=64)
def ring_stencil(inner_px: float, outer_px: float) -> raster.Stencil:
    """Return a read-only ``raster.ring_offsets`` stencil; radii repeat across episodes."""
    dy, dx = raster.ring_offsets(inner_px, outer_px)
    dy.setflags(write=False)
    dx.setflags(write=False)
    return dy, dx


@lru_cache(maxsize=8)
def square_pen(scale: int) -> raster.Stencil:
    """Return a ``scale`` x ``scale`` square pen for lines at large frame sizes (cached)."""
    dy, dx = np.mgrid[0:scale, 0:scale]
    dy, dx = dy.ravel().astype(np.intp), dx.ravel().astype(np.intp)
    dy.setflags(write=False)
    dx.setflags(write=False)
    return dy, dx


def i420_of(idx: np.ndarray) -> np.ndarray:
    """Convert a palette-index frame to I420: luma per pixel, chroma as swscale makes it."""
    u, v = chroma_planes(idx)
    return np.concatenate((np.take(LUT_Y, idx).ravel(), u.ravel(), v.ravel()))
