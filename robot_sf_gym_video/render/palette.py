"""The colours of every frame, shared by both renderers, and their YUV look-up tables.

- ``Ink``: palette indices, one per kind of thing drawn (the legend in docs/renderers.md).
- ``PALETTE_RGB``: ``(256, 3) uint8`` table, ``PALETTE_RGB[ink]`` is the sRGB colour.
- ``LUT_Y``, ``LUT_U``, ``LUT_V``: ``(256,)`` BT.601 limited-range ("tv") Y, Cb, Cr per ink,
  so the synthetic renderer can emit yuv420p by table look-up instead of making ffmpeg
  convert RGB (which costs about as much as the H.264 encode, see PERF.md).
- ``rgb_to_yuv601``: the conversion used to build the tables (tests reuse it).

The synthetic renderer draws palette indices (one byte per pixel) and converts at the end;
sim-view draws the same RGB colours with anti-aliasing. Colour choices: light floor so dark
obstacles and saturated agents stand out and compress well; pedestrians orange, robot blue
(distinguishable with the common red-green colour-vision deficiencies), collision red.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = ["LUT_U", "LUT_V", "LUT_Y", "PALETTE_RGB", "Ink", "rgb_to_yuv601"]


class Ink(IntEnum):
    """Palette index of each drawn element (values are stable; the order is the legend)."""

    LETTERBOX = 0  # frame area outside the world bounds
    FLOOR = 1  # walkable area inside the bounds
    GRID = 2  # 1 m grid lines
    GRID_MAJOR = 3  # 5 m grid lines
    BOUNDS = 4  # world boundary outline
    OBSTACLE = 5  # obstacle fill
    OBSTACLE_EDGE = 6  # obstacle outline and wall segments
    GOAL = 7  # goal area fill
    GOAL_EDGE = 8  # goal outline and centre cross
    START = 9  # robot start marker
    TRAIL_OLD = 10  # older half of the robot trail
    TRAIL_NEW = 11  # newer half of the robot trail
    PED = 12  # pedestrian disc
    PED_EDGE = 13  # pedestrian outline and heading tick
    ROBOT = 14  # robot disc
    ROBOT_EDGE = 15  # robot outline and heading line
    COLLISION = 16  # collision ring and frame flash
    HUD_BG = 17  # HUD strip background
    HUD_TEXT = 18  # HUD main text
    HUD_DIM = 19  # HUD secondary text
    OUTCOME_SUCCESS = 20  # "SUCCESS" in the HUD
    OUTCOME_COLLISION = 21  # "COLLISION" / "HIT ..." in the HUD
    OUTCOME_TIMEOUT = 22  # "TIMEOUT" in the HUD
    LIDAR = 23  # lidar rays (sim-view)
    VELOCITY = 24  # velocity vectors (sim-view)
    LIDAR_SCAN = 25  # outline through the lidar hit points (sim-view)
    EVENT = 26  # near-miss ring (collision events ring in OUTCOME_COLLISION)
    EVENT_TEXT = 27  # near-miss word in the HUD (light, for contrast on the dark strip)
    SCALE_BAR = 28  # the scale bar and its label (bottom left of the map)


_COLOURS: dict[Ink, tuple[int, int, int]] = {
    Ink.LETTERBOX: (206, 209, 214),
    Ink.FLOOR: (248, 247, 242),
    Ink.GRID: (228, 229, 230),
    Ink.GRID_MAJOR: (206, 208, 212),
    Ink.BOUNDS: (70, 74, 82),
    Ink.OBSTACLE: (112, 118, 130),
    Ink.OBSTACLE_EDGE: (52, 56, 66),
    Ink.GOAL: (182, 236, 178),
    Ink.GOAL_EDGE: (30, 150, 60),
    Ink.START: (150, 150, 160),
    Ink.TRAIL_OLD: (160, 196, 246),
    Ink.TRAIL_NEW: (70, 136, 236),
    Ink.PED: (240, 138, 36),
    Ink.PED_EDGE: (92, 50, 12),
    Ink.ROBOT: (26, 92, 226),
    Ink.ROBOT_EDGE: (8, 24, 80),
    Ink.COLLISION: (232, 20, 30),
    Ink.HUD_BG: (34, 37, 44),
    Ink.HUD_TEXT: (244, 244, 244),
    Ink.HUD_DIM: (160, 166, 178),
    Ink.OUTCOME_SUCCESS: (96, 222, 112),
    Ink.OUTCOME_COLLISION: (255, 92, 84),
    Ink.OUTCOME_TIMEOUT: (250, 200, 60),
    Ink.LIDAR: (246, 196, 210),
    Ink.VELOCITY: (120, 40, 140),
    Ink.LIDAR_SCAN: (226, 112, 150),
    Ink.EVENT: (214, 40, 214),
    Ink.EVENT_TEXT: (255, 140, 250),
    Ink.SCALE_BAR: (60, 64, 72),
}


def rgb_to_yuv601(rgb: np.ndarray) -> np.ndarray:
    """Convert ``(..., 3)`` sRGB (0-255) to BT.601 limited-range Y, Cb, Cr as float64.

    Limited range (Y 16-235, Cb/Cr 16-240) with the BT.601 matrix is what libx264 and
    decoders assume for yuv420p that carries no colour tags, so decoded videos show the
    palette colours (within rounding).
    """
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    r, g, b = c[..., 0], c[..., 1], c[..., 2]
    y = 16.0 + 65.481 * r + 128.553 * g + 24.966 * b
    cb = 128.0 - 37.797 * r - 74.203 * g + 112.0 * b
    cr = 128.0 + 112.0 * r - 93.786 * g - 18.214 * b
    return np.stack((y, cb, cr), axis=-1)


def _build_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the RGB palette and its Y, U, V tables (unused entries are black)."""
    rgb = np.zeros((256, 3), dtype=np.uint8)
    for ink, colour in _COLOURS.items():
        rgb[int(ink)] = colour
    yuv = np.clip(np.rint(rgb_to_yuv601(rgb)), 0, 255).astype(np.uint8)
    tables = (rgb, yuv[:, 0].copy(), yuv[:, 1].copy(), yuv[:, 2].copy())
    for table in tables:
        table.setflags(write=False)
    return tables


PALETTE_RGB, LUT_Y, LUT_U, LUT_V = _build_tables()
