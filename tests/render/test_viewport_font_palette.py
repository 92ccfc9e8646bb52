"""Viewport transform, the 5x7 font and the palette's YUV tables."""

from __future__ import annotations

import numpy as np
import pytest

from robot_sf_gym_video.render.base import validate_size
from robot_sf_gym_video.render.font5x7 import GLYPH_H_PX, text_mask, text_width_px
from robot_sf_gym_video.render.palette import LUT_U, LUT_V, LUT_Y, PALETTE_RGB, Ink
from robot_sf_gym_video.render.viewport import Viewport


def test_viewport_keeps_aspect_flips_y_and_sits_below_the_hud():
    vp = Viewport.fit((0.0, 0.0, 20.0, 10.0), (320, 240), hud_height_px=12, margin_px=4)
    assert vp.px_per_m == pytest.approx(min(312 / 20, 220 / 10))
    top_left, bottom_right = vp.to_px(np.array([[0.0, 10.0], [20.0, 0.0]]))
    assert top_left[1] >= 12 + 4 and bottom_right[1] <= 240 - 4  # below the HUD strip
    assert bottom_right[0] - top_left[0] == pytest.approx(20 * vp.px_per_m)
    assert bottom_right[1] - top_left[1] == pytest.approx(10 * vp.px_per_m)
    # Centred horizontally; y up in the world is up in the image.
    assert top_left[0] == pytest.approx(320 - bottom_right[0])
    (x_low, y_low), (x_high, y_high) = vp.to_px(np.array([[5.0, 1.0], [5.0, 2.0]]))
    assert x_low == x_high and y_high < y_low
    assert vp.length_px(2.0) == pytest.approx(2 * vp.px_per_m)
    assert list(vp.world_rect_px((0.0, 0.0, 20.0, 10.0))) == pytest.approx(
        [*top_left, *bottom_right]
    )


def test_viewport_handles_tall_and_degenerate_worlds():
    tall = Viewport.fit((-5.0, -50.0, 5.0, 50.0), (320, 240), hud_height_px=12, margin_px=4)
    assert tall.px_per_m == pytest.approx(220 / 100)
    flat = Viewport.fit((0.0, 0.0, 0.0, 0.0), (320, 240), hud_height_px=12, margin_px=4)
    assert np.isfinite(flat.to_px(np.zeros(2))).all()


def test_font_masks():
    mask = text_mask("AB 1", 1)
    assert mask.shape == (GLYPH_H_PX, text_width_px("AB 1", 1)) and mask.dtype == bool
    assert not mask[:, 12:18].any()  # the space
    assert np.array_equal(text_mask("abc", 2), text_mask("ABC", 2))
    assert text_mask("abc", 2).shape == (14, 36)
    assert np.array_equal(text_mask("\u00e9", 1), text_mask("?", 1))  # unknown -> '?'
    assert not text_mask("x", 1).flags.writeable


def test_palette_yuv_tables_are_bt601_limited_range():
    rgb = PALETTE_RGB.astype(float)
    y = 16 + (65.481 * rgb[:, 0] + 128.553 * rgb[:, 1] + 24.966 * rgb[:, 2]) / 255
    assert np.abs(LUT_Y - y).max() <= 0.5 + 1e-9
    white = PALETTE_RGB[Ink.HUD_TEXT]
    assert white.min() > 240 and LUT_Y[Ink.HUD_TEXT] > 225
    assert abs(int(LUT_U[Ink.HUD_TEXT]) - 128) <= 2 and abs(int(LUT_V[Ink.HUD_TEXT]) - 128) <= 2
    assert LUT_U[Ink.ROBOT] > 150 and LUT_V[Ink.COLLISION] > 200  # blue / red chroma


def test_validate_size_accepts_numpy_ints():
    assert validate_size((np.int64(320), np.int32(240))) == (320, 240)
