"""sim-view's encoder frames: reused buffers, converted tile by tile, equal to swscale whole."""

from __future__ import annotations

import av
import numpy as np
import pytest

from robot_sf_gym_video.render.i420_tiles import TILE_SIZE, TileConverter, to_i420
from robot_sf_gym_video.render.sim_view import SimulationView

from .conftest import crowd_snap, make_snap, make_static


def swscale_i420(rgb: np.ndarray) -> np.ndarray:
    """The reference: PyAV's swscale on the whole frame, with its default threads."""
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    return frame.reformat(format="yuv420p").to_ndarray().reshape(-1)


def snaps_of_an_episode(n: int = 12) -> list:
    """Frames that differ in everything the view draws: crowd, trail, events, HUD."""
    out = [crowd_snap(n_peds=40, seed=k) for k in range(n - 4)]
    out += [make_snap(collision="obstacle"), make_snap(outcome="success"), make_snap()]
    out += [make_snap(peds=np.zeros((0, 2)), vels=np.zeros((0, 2)), trail=np.zeros((0, 2)))]
    return out


@pytest.mark.parametrize("size", [(640, 480), (320, 240), (330, 250)])
@pytest.mark.parametrize("lidar", [False, True])
def test_draw_for_encoder_equals_swscale_on_render(size, lidar):
    drawn = SimulationView(size, show_lidar=lidar)
    fresh = SimulationView(size, show_lidar=lidar)
    ring = drawn.encoder_ring
    for static in (make_static(), make_static(scenario="other", bounds_m=(0.0, 0.0, 30.0, 8.0))):
        snaps = snaps_of_an_episode()
        frames = []
        for snap in snaps:
            frames.append(drawn.draw_for_encoder(static, snap))
            want = swscale_i420(fresh.render(static, snap))
            assert frames[-1].tobytes() == want.tobytes()
            assert fresh.render_for_encoder(static, snap).tobytes() == want.tobytes()
        # The same ring of buffers, in turn.
        assert all(frames[k] is frames[k + ring] for k in range(len(frames) - ring))
        assert len({id(f) for f in frames}) == ring


def test_render_is_unaffected_by_encoder_frames():
    view, other = SimulationView(), SimulationView()
    static = make_static()
    for seed in range(3):
        snap = crowd_snap(seed=seed)
        view.draw_for_encoder(static, snap)
        assert view.render(static, snap).tobytes() == other.render(static, snap).tobytes()
    view.close()
    assert view.draw_for_encoder(static, make_snap()).tobytes() == (
        swscale_i420(other.render(static, make_snap())).tobytes()
    )


def random_frame(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


@pytest.mark.parametrize(
    "rect", [(0, 0, 5, 1), (40, 17, 9, 3), (600, 470, 40, 10), (0, 0, 640, 480)]
)
def test_tiles_over_any_colours_match_swscale(rect):
    rng = np.random.default_rng(7)
    background = random_frame(rng, 480, 640)
    conv = TileConverter(640, 480)
    assert conv.tiled and TILE_SIZE == (32, 16)
    conv.set_background(background)
    frame = background.copy()
    x, y, w, h = rect
    frame[y : y + h, x : x + w] = random_frame(rng, h, w)
    out = np.zeros(640 * 480 * 3 // 2, dtype=np.uint8)
    conv.convert(frame, [rect], out)
    assert out.tobytes() == swscale_i420(frame).tobytes()
    conv.convert(background, [], out)  # nothing drawn: the background's own conversion
    assert out.tobytes() == to_i420(background).tobytes() == swscale_i420(background).tobytes()


def test_scattered_rects_over_a_drawn_background():
    rng = np.random.default_rng(3)
    background = np.full((240, 320, 3), (200, 190, 170), dtype=np.uint8)
    conv = TileConverter(320, 240)
    conv.set_background(background)
    out = np.zeros(320 * 240 * 3 // 2, dtype=np.uint8)
    for _ in range(5):
        frame, rects = background.copy(), []
        for _ in range(30):
            x, y = int(rng.integers(0, 318)), int(rng.integers(0, 238))
            w, h = int(rng.integers(1, 320 - x)) % 12 + 1, int(rng.integers(1, 240 - y)) % 12 + 1
            frame[y : y + h, x : x + w] = rng.integers(0, 256, 3, dtype=np.uint8)
            rects.append((x, y, w, h))
        conv.convert(frame, rects, out)
        assert out.tobytes() == swscale_i420(frame).tobytes()
