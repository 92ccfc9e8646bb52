"""SimulationView: headless pygame drawing, colours where agents are, determinism."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from robot_sf_gym_video.render.palette import PALETTE_RGB, Ink
from robot_sf_gym_video.render.sim_view import DEFAULT_SIZE, SimulationView
from robot_sf_gym_video.render.synthetic_layer import hud_height_px

from .conftest import LONE_PED_XY, ROBOT_BODY_XY, crowd_snap, make_snap, make_static


@pytest.fixture(scope="module")
def view() -> SimulationView:
    return SimulationView()


def swscale_i420(rgb: np.ndarray) -> np.ndarray:
    """The reference for an encoder frame: PyAV's swscale, the whole frame at once."""
    import av

    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    return frame.reformat(format="yuv420p").to_ndarray().reshape(-1)


def pixel(view: SimulationView, static, xy_m) -> tuple[int, int]:
    x, y = view.viewport(static).to_px(np.array(xy_m, dtype=float))
    return int(y), int(x)


def colour(ink: Ink) -> tuple[int, ...]:
    return tuple(int(c) for c in PALETTE_RGB[ink])


def test_frame_format(view, static, snap):
    assert view.size == DEFAULT_SIZE == (640, 480)
    assert view.name == "sim-view" and view.encoder_pix_fmt == "yuv420p"
    frame = view.render(static, snap)
    assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
    assert frame.flags.c_contiguous and frame.flags.writeable
    again = view.render(static, snap)
    assert again is not frame and not np.shares_memory(again, frame)
    assert np.array_equal(view.render_for_encoder(static, snap), swscale_i420(frame))


def test_agents_have_their_colours(view, static):
    snap = make_snap(peds=np.array([LONE_PED_XY]), vels=np.zeros((1, 2)))
    frame = view.render(static, snap)
    assert tuple(frame[pixel(view, static, ROBOT_BODY_XY)]) == colour(Ink.ROBOT)
    assert tuple(frame[pixel(view, static, LONE_PED_XY)]) == colour(Ink.PED)
    assert tuple(frame[pixel(view, static, (9.5, 1.5))]) == colour(Ink.OBSTACLE)


def test_frames_change_when_agents_move_and_are_deterministic(view, static):
    one = view.render(static, make_snap())
    moved = view.render(static, make_snap(robot_xy=(6.0, 6.0)))
    assert not np.array_equal(one, moved)
    other = SimulationView()
    assert other.render(make_static(), make_snap()).tobytes() == one.tobytes()
    busy = crowd_snap()
    assert view.render(static, busy).tobytes() == other.render(static, busy).tobytes()


def test_options_and_markers(view, static):
    plain = SimulationView(show_velocities=False, show_trail=False)  # lidar off by default
    fan = SimulationView(show_lidar=True)
    snap = make_snap()
    lidar = np.all(fan.render(static, snap) == colour(Ink.LIDAR), axis=-1).sum()
    assert lidar > 50
    assert np.all(view.render(static, snap) == colour(Ink.LIDAR), axis=-1).sum() == 0
    assert np.all(plain.render(static, snap) == colour(Ink.LIDAR), axis=-1).sum() == 0
    red = colour(Ink.COLLISION)
    assert np.all(view.render(static, snap) == red, axis=-1).sum() == 0
    hit = view.render(static, make_snap(collision="obstacle"))
    assert np.all(hit == red, axis=-1).sum() > 1000


def test_hud_text(view, static):
    hud = hud_height_px(view.size)
    bg = colour(Ink.HUD_BG)
    first = view.render(static, make_snap(step=10))[:hud]
    assert (~np.all(first == bg, axis=-1)).sum() > 200
    assert not np.array_equal(first, view.render(static, make_snap(step=11))[:hud])
    done = view.render(static, make_snap(outcome="success"))[:hud]
    near_green = np.abs(done.astype(int) - colour(Ink.OUTCOME_SUCCESS)).sum(axis=-1) < 60
    assert near_green.sum() > 20


def test_odd_sizes_rejected():
    from robot_sf_gym_video.errors import UsageError

    with pytest.raises(UsageError, match="641x480"):
        SimulationView((641, 480))


def test_runs_without_a_display(tmp_path):
    code = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {os.fspath(os.path.dirname(os.path.dirname(__file__)))!r})
        assert "DISPLAY" not in os.environ and "SDL_VIDEODRIVER" not in os.environ
        from render.conftest import make_snap, make_static
        from robot_sf_gym_video.render.factory import create_renderer
        renderer, note = create_renderer("sim-view", size=(320, 240))
        frame = renderer.render(make_static(), make_snap())
        print(renderer.name, note, frame.shape, os.environ["SDL_VIDEODRIVER"])
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("SDL_VIDEODRIVER", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["sim-view", "None", "(240,", "320,", "3)", "dummy"]
    assert "pygame-ce" not in done.stdout  # the support prompt is silenced


@pytest.mark.parametrize("trail_len", [0, 1, 2, 3])
def test_short_trails_empty_crowd_and_odd_values(view, static, trail_len):
    trail = np.linspace((1.0, 5.0), (4.0, 5.0), trail_len) if trail_len else np.zeros((0, 2))
    snap = make_snap(peds=np.zeros((0, 2)), vels=np.zeros((0, 2)), trail=trail, lidar=np.zeros(0))
    assert view.render(static, snap).shape == (480, 640, 3)
    weird = make_snap(
        peds=np.array([(-1e6, 5.0), (3.0, 3.0)]),
        vels=np.array([(0.0, 0.0), (1e-9, 0.0)]),
        lidar=np.array([np.nan, np.inf, -1.0, 100.0] * 4),
    )
    assert view.render(static, weird).shape == (480, 640, 3)
