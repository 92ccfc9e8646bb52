"""Recorded clips are faithful to render() and seekable (the fidelity floors of issue 19).

Films crossing seed 3 with the goal policy exactly as the runner does, decodes every
frame and compares it with the ideal yuv420p of render() at the same step (swscale's
conversion, the best any yuv420p file can show).
"""

from __future__ import annotations

import pytest

from robot_sf_gym_video.benchmark.fidelity import measure


@pytest.fixture(scope="module")
def crossing():
    return measure("crossing", seed=3, policy="goal")


def test_every_decoded_frame_is_faithful_and_does_not_drift(crossing):
    rgb, luma = crossing["rgb_psnr_db"], crossing["luma_psnr_db"]
    assert crossing["frames"] > 100
    # Drift: the lowest PSNR of the last 2 s against the first 2 s. QP 28 with one
    # keyframe (errors piling up along past positions) gives -1.1 (RGB) and -0.85 (luma).
    assert rgb["min"] >= 36.0 and rgb["drift"] >= -1.0
    assert luma["min"] >= 40.0 and luma["drift"] >= -0.75


def test_at_least_one_keyframe_every_two_seconds(crossing):
    assert crossing["max_keyframe_gap_s"] <= 2.0
    assert crossing["keyframes"] >= crossing["frames"] / 20  # 10 fps: one per 20 frames
