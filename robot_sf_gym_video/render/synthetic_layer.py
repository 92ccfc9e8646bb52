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
from robot_sf_gym_video.render.font5x7 import ADVANCE_PX, GLYPH_H_PX, text_mask, text_width_px
from robot_sf_gym_video.render.hud import scenario_label
from robot_sf_gym_video.render.synthetic_map import MapCache, episode_images, square_pen
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


def build_static_layer(
    static: StaticScene, size: tuple[int, int], map_cache: MapCache | None = None
) -> StaticLayer:
    """Rasterize the parts of ``static`` that never move, and precompute stencils.

    The map (floor, grid, obstacles, bounds, HUD label) depends only on the scenario's
    geometry, which repeats across the episodes of a batch while start and goal change:
    with a ``map_cache`` (a dict the caller keeps; see ``synthetic_map.episode_images``)
    the map is rasterized once per geometry and each episode only adds goal and start
    and converts colours (~1 ms instead of ~5-10 ms at 320x240).
    """
    width_px, height_px = size
    scale = ui_scale(size)
    hud_h = hud_height_px(size)
    vp = Viewport.fit(static.bounds_m, size, hud_height_px=hud_h, margin_px=3 * scale + 1)
    idx, rgb, yuv = episode_images(static, size, vp, hud_h, scale, map_cache)

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
        to_px_add=_px_offset(vp),
        clamp_lo=np.array([-geo.pad_x / 2, -geo.pad_y / 2]),
        clamp_hi=np.array([width_px + geo.pad_x / 2, height_px + geo.pad_y / 2]),
        idx=idx,
        rgb=rgb,
        yuv=yuv,
        pen=None if scale == 1 else raster.flat_offsets(square_pen(scale), geo.canvas_w),
        ped_edge=ring(ped_r - 1.0, ped_r),
        ped_fill=ring(-1.0, ped_r - 1.0),
        robot_edge=ring(robot_r - scale, robot_r),
        robot_fill=ring(-1.0, robot_r - scale),
        robot_ring=ring(ring_out - 2.0 * scale, ring_out),
        collision_border=_collision_border(geo, hud_h, scale),
        ped_ticks=_line_table(tick_px, TICK_DIRECTIONS, scale, geo.canvas_w),
        # Twice as thick as a pedestrian's tick, so the robot's heading never reads as one.
        robot_noses=_line_table(nose_px, NOSE_DIRECTIONS, scale + 1, geo.canvas_w),
        hud_h=hud_h,
        text_top=text_row * width_px,
        progress_x_px=2 * scale + label_w + ADVANCE_PX * scale,
        scale=scale,
    )


def _px_offset(vp: Viewport) -> np.ndarray:
    """Return the ``(x, y)`` pixel offset of ``px = m * to_px_mul + offset`` for ``vp``."""
    return np.array(
        [vp.origin_x_px - vp.x_min_m * vp.px_per_m, vp.origin_y_px + vp.y_max_m * vp.px_per_m]
    )


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
    rows grow downwards). Samples are < 1 px apart; a ``scale`` x ``scale`` pen widens it
    (``scale`` is the pen width in pixels here: 2 draws a 2-px line at any frame size).
    """
    angles = 2.0 * np.pi * np.arange(n_dirs) / n_dirs
    t = np.linspace(0.0, length_px, int(length_px) + 2)
    dx = np.floor(0.5 + np.outer(np.cos(angles), t)).astype(np.intp)
    dy = np.floor(0.5 - np.outer(np.sin(angles), t)).astype(np.intp)
    table = dy * canvas_w + dx
    if scale > 1:
        pen = raster.flat_offsets(square_pen(scale), canvas_w)
        table = (table[:, :, None] + pen).reshape(n_dirs, -1)
    table.setflags(write=False)
    return table


@lru_cache(maxsize=256)
def _ring_flat(inner_px: float, outer_px: float, canvas_w: int) -> np.ndarray:
    """Flat canvas offsets of a ring (a disc for ``inner_px < 0``); radii repeat per batch."""
    offsets = raster.flat_offsets(raster.ring_offsets(inner_px, outer_px), canvas_w)
    offsets.setflags(write=False)
    return offsets


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
