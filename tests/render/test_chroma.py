"""The renderer's yuv420p chroma agrees with swscale's conversion of its RGB frames."""

from __future__ import annotations

import av
import numpy as np

from robot_sf_gym_video.render.chroma import chroma_planes
from robot_sf_gym_video.render.palette import LUT_Y, PALETTE_RGB, Ink
from robot_sf_gym_video.render.synthetic import SyntheticRenderer

from .conftest import crowd_snap, make_snap, make_static


def swscale_i420(rgb: np.ndarray) -> np.ndarray:
    """Return ``rgb`` converted to yuv420p by swscale (PyAV's default ``reformat``)."""
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    return frame.to_ndarray().ravel()


def test_palette_frames_match_swscale_to_one_level():
    rng = np.random.default_rng(4)
    inks = np.array([int(ink) for ink in Ink])
    for shape in ((96, 128), (72, 96)):
        idx = inks[rng.integers(0, len(inks), shape)].astype(np.uint8)
        ref = swscale_i420(PALETTE_RGB[idx])
        n_y = idx.size
        u, v = chroma_planes(idx)
        ours = np.concatenate((LUT_Y[idx].ravel(), u.ravel(), v.ravel()))
        diff = ours.astype(int) - ref
        assert np.array_equal(diff[:n_y], np.zeros(n_y))  # luma: identical
        assert np.abs(diff).max() <= 1  # chroma: swscale's fixed-point rounding aside
        assert np.count_nonzero(diff) < 0.1 * diff.size


def test_renderer_i420_is_what_converting_render_would_give():
    static, renderer = make_static(), SyntheticRenderer()
    for snap in (crowd_snap(seed=2), make_snap(collision="pedestrian", outcome="collision")):
        ours = renderer.render_for_encoder(static, snap).astype(int)
        ref = swscale_i420(renderer.render(static, snap))
        assert np.abs(ours - ref).max() <= 1
        mse = np.mean((ours - ref) ** 2)
        assert 10 * np.log10(255**2 / mse) > 45.0  # PSNR of the planes, in dB
