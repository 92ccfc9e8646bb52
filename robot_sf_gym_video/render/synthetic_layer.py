"""The synthetic renderer's per-episode precomputation: index geometry and the static layer.

- ``CanvasGeometry``: a virtual padded canvas around the frame, used only for index
  arithmetic (sizes, padding, power-of-two width).
- ``StaticLayer``: everything that does not change during an episode, rasterized once per
  ``StaticScene``: floor, 1 m grid, obstacles, bounds, goal, start marker, HUD background
  and scenario name, as palette-index, RGB and I420 frames (chroma as swscale makes it);
  plus the agents' stencils as
  flat canvas offsets, the viewport transform and HUD placement.
- ``build_static_layer(static, size)``: makes a ``StaticLayer``.
- ``text_offsets(text, scale, width_px)``: flat offsets of a HUD text's lit pixels.
- ``ui_scale`` / ``hud_height_px``: text and line scale, HUD height for a frame size.
- ``tick_directions(vel)``: each pedestrian's heading tick (0 for standing ones, else one
  plus its row of the tick table), shared by the draw list's direct and clipping routes so both
  draw the same.

Per-frame shapes are computed as indices into the virtual canvas (the frame plus padding on
every side, power-of-two wide): positions are clamped into the padding, so a stamp never
wraps to the other side and needs no clipping per shape; one vectorised pass then maps all
indices to frame pixels and drops those in the padding or over the HUD. The canvas itself
is never allocated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from robot_sf_gym_video.render import raster
from robot_sf_gym_video.render.chroma import chroma_planes
from robot_sf_gym_video.render.font5x7 import ADVANCE_PX, GLYPH_H_PX, text_mask, text_width_px
from robot_sf_gym_video.render.hud import scenario_label
from robot_sf_gym_video.render.palette import LUT_Y, PALETTE_RGB, Ink
from robot_sf_gym_video.render.viewport import Viewport

if TYPE_CHECKING:
    from robot_sf_gym_video.sim.snapshot import StaticScene

__all__ = [
    "STILL_MPS",
    "CanvasGeometry",
    "StaticLayer",
    "build_static_layer",
    "hud_height_px",
    "text_offsets",
    "tick_directions",
    "ui_scale",
]


def ui_scale(size: tuple[int, int]) -> int:
    """Text/line scale factor: 1 below 640x480, 2 at 640x480, 3 at 960x720, ..."""
    width_px, height_px = size
    return max(1, min(width_px // 320, height_px // 240))


def hud_height_px(size: tuple[int, int]) -> int:
    """Height of the HUD strip: one line of 5x7 text plus padding, rounded up to even."""
    scale = ui_scale(size)
    height = GLYPH_H_PX * scale + 5 * scale
    return height + height % 2


@dataclass(frozen=True)
class CanvasGeometry:
    """A frame of ``width_px`` x ``height_px`` inside a (virtual) padded canvas.

    Attributes:
        width_px: Frame width.
        height_px: Frame height.
        shift: ``log2(canvas_w)``; ``row = flat >> shift``, ``col = flat & (canvas_w - 1)``.
        canvas_w: Canvas width, a power of two.
        canvas_h: Canvas height.
        pad_x: Columns of padding left of the frame.
        pad_y: Rows of padding above (and below) the frame.
    """

    width_px: int
    height_px: int
    shift: int
    canvas_w: int
    canvas_h: int
    pad_x: int
    pad_y: int

    @classmethod
    def around(cls, size: tuple[int, int], pad_px: int) -> CanvasGeometry:
        """Return the geometry with at least ``pad_px`` (rounded up to even) on every side."""
        width_px, height_px = size
        pad = pad_px + pad_px % 2
        shift = max(math.ceil(math.log2(width_px + 2 * pad)), 2)
        canvas_w = 1 << shift
        pad_x = ((canvas_w - width_px) // 2) & ~1
        return cls(width_px, height_px, shift, canvas_w, height_px + 2 * pad, pad_x, pad)


@lru_cache(maxsize=4096)
def text_offsets(text: str, scale: int, width_px: int) -> np.ndarray:
    """Flat offsets (rows ``width_px`` wide) of the lit pixels of ``text`` from its corner.

    Cached: HUD lines repeat across the episodes of a batch ("STEP 12/300  T 1.2S").
    """
    rows, cols = np.nonzero(text_mask(text, scale))
    offsets = rows.astype(np.intp) * width_px + cols
    offsets.setflags(write=False)
    return offsets


@dataclass
class StaticLayer:
    """Everything precomputed for one ``StaticScene`` at one frame size.

    Frames are the static scene as the renderer outputs it; the per-frame drawer copies
    one and writes the moving parts in. Stencils are flat offsets in the virtual canvas
    of ``geometry``. Lengths are in pixels, positions in canvas pixels.
    """

    static: StaticScene
    geometry: CanvasGeometry
    viewport: Viewport
    to_px_mul: np.ndarray  # (2,) world metres -> frame px: px = xy * mul + add
    to_px_add: np.ndarray  # (2,)
    clamp_lo: np.ndarray  # (2,) frame px bounds for centres (half a padding outside)
    clamp_hi: np.ndarray  # (2,)
    idx: np.ndarray  # (H, W) uint8 palette indices
    rgb: np.ndarray  # (H, W, 3) uint8
    yuv: np.ndarray  # (H*W*3/2,) uint8 I420, chroma 2x2 box-averaged
    pen: np.ndarray | None  # line pen offsets; None for a 1-px pen
    ped_edge: np.ndarray
    ped_fill: np.ndarray
    robot_edge: np.ndarray
    robot_fill: np.ndarray
    robot_ring: np.ndarray
    collision_border: np.ndarray  # canvas indices of the frame-edge flash
    ped_ticks: np.ndarray  # (TICK_DIRECTIONS, L) heading-tick offsets per direction
    robot_noses: np.ndarray  # (NOSE_DIRECTIONS, L) robot heading-line offsets per direction
    hud_h: int  # HUD strip height; shapes are never drawn over it
    text_top: int  # frame index of the HUD text's top-left at column 0
    progress_x_px: int  # frame column where the per-frame HUD text starts
    scale: int


MapCache = dict  # map key -> (H, W) palette-index image of the map (see build_static_layer)


def build_static_layer(
    static: StaticScene, size: tuple[int, int], map_cache: MapCache | None = None
) -> StaticLayer:
    """Rasterize the parts of ``static`` that never move, and precompute stencils.

    The map (floor, grid, obstacles, bounds, HUD label) depends only on the scenario's
    geometry, which repeats across the episodes of a batch while start and goal change:
    with a ``map_cache`` (a dict the caller keeps; at most ``_MAP_CACHE_SIZE`` entries)
    the map is rasterized once per geometry and each episode only adds goal and start
    and converts colours (~1 ms instead of ~5-10 ms at 320x240).
    """
    width_px, height_px = size
    scale = ui_scale(size)
    hud_h = hud_height_px(size)
    vp = Viewport.fit(static.bounds_m, size, hud_height_px=hud_h, margin_px=3 * scale + 1)
    key = _map_key(static, size)
    base = None if map_cache is None else map_cache.get(key)
    if base is None:
        map_idx = _draw_map(static, size, vp, hud_h, scale)
        base = (map_idx, np.take(PALETTE_RGB, map_idx, axis=0), _i420_of(map_idx))
        if map_cache is not None:
            if len(map_cache) >= _MAP_CACHE_SIZE:
                map_cache.pop(next(iter(map_cache)))
            map_cache[key] = base
    idx, rgb, yuv = (a.copy() for a in base)
    touched = _draw_goal_and_start(idx, static, vp, hud_h, scale)
    _update_colours(idx, rgb, yuv, touched)

    ped_r = max(vp.length_px(static.ped_radius_m), 1.5)
    robot_r = max(vp.length_px(static.robot_radius_m), 2.0)
    ring_out = robot_r + 3.0 * scale
    tick_px = ped_r + 1.5 * scale
    nose_px = robot_r + max(3.0 * scale, 0.6 * robot_r)
    # Centres are clamped half a padding outside the frame; a padding of twice the largest
    # reach keeps every stamp inside the (virtual) canvas, however zoomed in the scene is.
    reach = max(ring_out, tick_px, nose_px) + scale
    geo = CanvasGeometry.around(size, max(24 * scale + 16, 2 * math.ceil(reach) + 8))

    def ring(inner_px: float, outer_px: float) -> np.ndarray:
        return _ring_flat(float(inner_px), float(outer_px), geo.canvas_w)

    text_row = (hud_h - GLYPH_H_PX * scale) // 2
    label_w = text_width_px(scenario_label(static), scale)
    return StaticLayer(
        static=static,
        geometry=geo,
        viewport=vp,
        to_px_mul=np.array([vp.px_per_m, -vp.px_per_m]),
        to_px_add=np.array(
            [
                vp.origin_x_px - vp.x_min_m * vp.px_per_m,
                vp.origin_y_px + vp.y_max_m * vp.px_per_m,
            ]
        ),
        clamp_lo=np.array([-geo.pad_x / 2, -geo.pad_y / 2]),
        clamp_hi=np.array([width_px + geo.pad_x / 2, height_px + geo.pad_y / 2]),
        idx=idx,
        rgb=rgb,
        yuv=yuv,
        pen=None if scale == 1 else raster.flat_offsets(_square_pen(scale), geo.canvas_w),
        ped_edge=ring(ped_r - 1.0, ped_r),
        ped_fill=ring(-1.0, ped_r - 1.0),
        robot_edge=ring(robot_r - scale, robot_r),
        robot_fill=ring(-1.0, robot_r - scale),
        robot_ring=ring(ring_out - 2.0 * scale, ring_out),
        collision_border=_collision_border(geo, hud_h, scale),
        ped_ticks=_line_table(tick_px, TICK_DIRECTIONS, scale, geo.canvas_w),
        robot_noses=_line_table(nose_px, NOSE_DIRECTIONS, scale, geo.canvas_w),
        hud_h=hud_h,
        text_top=text_row * width_px,
        progress_x_px=2 * scale + label_w + ADVANCE_PX * scale,
        scale=scale,
    )


_MAP_CACHE_SIZE = 16
#: Heading marks are looked up from per-direction tables (11.25 and 5.6 degree steps): one
#: gather per frame instead of sampling every line; invisible at these lengths (< 1 px).
TICK_DIRECTIONS = 32
NOSE_DIRECTIONS = 64


STILL_MPS = 1e-3  # pedestrians slower than this get no heading tick


def _tick_scores() -> tuple[np.ndarray, np.ndarray]:
    """Return the tick directions' unit vectors (columns 1..) and the "no tick" score."""
    angles = 2.0 * np.pi * np.arange(TICK_DIRECTIONS) / TICK_DIRECTIONS
    units = np.zeros((2, TICK_DIRECTIONS + 1))
    units[0, 1:], units[1, 1:] = np.cos(angles), np.sin(angles)
    bias = np.zeros(TICK_DIRECTIONS + 1)
    bias[0] = STILL_MPS
    return units, bias


_TICK_UNITS, _TICK_BIAS = _tick_scores()


def tick_directions(vel_mps: np.ndarray) -> np.ndarray:
    """Return each pedestrian's heading tick: 0 for none, else 1 + its direction's row.

    ``vel_mps`` is ``(n, 2)``. The tick points along the nearest of ``TICK_DIRECTIONS``
    angles: the largest dot product with their unit vectors, beside a "no tick" score of
    ``STILL_MPS``, which wins for pedestrians slower than about that (their velocity along
    the nearest direction is below it), for ties, and for NaN velocities (argmax returns
    the first NaN). Three array calls for the whole crowd, instead of arctan2, rounding
    and a separate speed test.
    """
    scores = np.dot(vel_mps, _TICK_UNITS)
    scores += _TICK_BIAS
    return scores.argmax(axis=1)


@lru_cache(maxsize=64)
def _line_table(length_px: float, n_dirs: int, scale: int, canvas_w: int) -> np.ndarray:
    """Flat offsets of a line from a pixel's centre, ``length_px`` long, per direction.

    Row ``d`` points at world angle ``2*pi*d/n_dirs`` (counter-clockwise from +x; image
    rows grow downwards). Samples are < 1 px apart; a ``scale`` x ``scale`` pen widens it.
    """
    angles = 2.0 * np.pi * np.arange(n_dirs) / n_dirs
    t = np.linspace(0.0, length_px, int(length_px) + 2)
    dx = np.floor(0.5 + np.outer(np.cos(angles), t)).astype(np.intp)
    dy = np.floor(0.5 - np.outer(np.sin(angles), t)).astype(np.intp)
    table = dy * canvas_w + dx
    if scale > 1:
        pen = raster.flat_offsets(_square_pen(scale), canvas_w)
        table = (table[:, :, None] + pen).reshape(n_dirs, -1)
    table.setflags(write=False)
    return table


@lru_cache(maxsize=256)
def _ring_flat(inner_px: float, outer_px: float, canvas_w: int) -> np.ndarray:
    """Flat canvas offsets of a ring (a disc for ``inner_px < 0``); radii repeat per batch."""
    offsets = raster.flat_offsets(raster.ring_offsets(inner_px, outer_px), canvas_w)
    offsets.setflags(write=False)
    return offsets


def _map_key(static: StaticScene, size: tuple[int, int]) -> tuple:
    """Everything the map image depends on (not start, goal or radii)."""
    obstacles = tuple((o.shape, o.tobytes()) for o in static.obstacles_m)
    return (size, scenario_label(static), tuple(static.bounds_m), obstacles)


def _draw_map(
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

    pen = raster.disc_offsets(0.0) if scale == 1 else _square_pen(scale)
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

    top = (hud_h - GLYPH_H_PX * scale) // 2
    mask_rows, mask_cols = np.nonzero(text_mask(scenario_label(static), scale))
    keep = mask_cols + 2 * scale < width_px
    idx[mask_rows[keep] + top, mask_cols[keep] + 2 * scale] = Ink.HUD_TEXT
    return idx


def _draw_goal_and_start(
    idx: np.ndarray, static: StaticScene, vp: Viewport, hud_h: int, scale: int
) -> np.ndarray:
    """Draw this episode's goal (disc, ring, cross) and start marker into ``idx``.

    Returns the flat indices of the pixels written.
    """
    height_px, width_px = idx.shape
    flat = idx.reshape(-1)
    rmin, rmax = hud_h, height_px
    pen = _ring_stencil(-1.0, 0.0) if scale == 1 else _square_pen(scale)
    touched = []

    def put(indices: np.ndarray, ink: Ink) -> None:
        flat[indices] = ink
        touched.append(indices)

    def stroke(p0: np.ndarray, p1: np.ndarray, ink: Ink) -> None:
        samples = raster.segment_points(p0, p1, width_px + height_px)
        put(raster.stamp(samples, pen, width_px, rmin, rmax), ink)

    goal = vp.to_px(np.array([static.goal_xy_m], dtype=np.float64))
    goal_r = max(vp.length_px(static.goal_radius_m), 2.0 * scale)
    put(raster.stamp(goal, _ring_stencil(-1.0, goal_r), width_px, rmin, rmax), Ink.GOAL)
    ring = _ring_stencil(goal_r - scale, goal_r)
    put(raster.stamp(goal, ring, width_px, rmin, rmax), Ink.GOAL_EDGE)
    arm = min(goal_r * 0.5, 3.0 * scale)
    cross = goal + np.array([[-arm, 0.0], [arm, 0.0], [0.0, -arm], [0.0, arm]])
    stroke(cross[[0, 2]], cross[[1, 3]], Ink.GOAL_EDGE)

    start = vp.to_px(np.array([static.start_xy_m], dtype=np.float64))
    arm = 2.0 * scale
    ends = start + np.array([[-arm, -arm], [arm, arm], [-arm, arm], [arm, -arm]])
    stroke(ends[[0, 2]], ends[[1, 3]], Ink.START)
    return np.concatenate(touched)


def _update_colours(idx: np.ndarray, rgb: np.ndarray, yuv: np.ndarray, touched: np.ndarray) -> None:
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


@lru_cache(maxsize=16)
def _collision_border(geo: CanvasGeometry, hud_h: int, scale: int) -> np.ndarray:
    """Canvas indices of the collision flash, a band along the map area's edges (cached)."""
    edge = np.zeros((geo.height_px, geo.width_px), dtype=bool)
    band = 2 * scale
    edge[hud_h : hud_h + band] = edge[-band:] = True
    edge[hud_h:, :band] = edge[hud_h:, -band:] = True
    rows, cols = np.nonzero(edge)
    border = (rows + geo.pad_y) * geo.canvas_w + cols + geo.pad_x
    border.setflags(write=False)
    return border


@lru_cache(maxsize=64)
def _ring_stencil(inner_px: float, outer_px: float) -> raster.Stencil:
    """Return a read-only ``raster.ring_offsets`` stencil; radii repeat across episodes."""
    dy, dx = raster.ring_offsets(inner_px, outer_px)
    dy.setflags(write=False)
    dx.setflags(write=False)
    return dy, dx


@lru_cache(maxsize=8)
def _square_pen(scale: int) -> raster.Stencil:
    """Return a ``scale`` x ``scale`` square pen for lines at large frame sizes (cached)."""
    dy, dx = np.mgrid[0:scale, 0:scale]
    dy, dx = dy.ravel().astype(np.intp), dx.ravel().astype(np.intp)
    dy.setflags(write=False)
    dx.setflags(write=False)
    return dy, dx


def _i420_of(idx: np.ndarray) -> np.ndarray:
    """Convert a palette-index frame to I420: luma per pixel, chroma as swscale makes it."""
    u, v = chroma_planes(idx)
    return np.concatenate((np.take(LUT_Y, idx).ravel(), u.ravel(), v.ravel()))
