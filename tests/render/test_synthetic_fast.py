"""The yuv420p fast path draws exactly what the general (clipping) path draws."""

from __future__ import annotations

import numpy as np
import pytest

from robot_sf_gym_video.render import synthetic_fast
from robot_sf_gym_video.render.synthetic import SyntheticRenderer
from robot_sf_gym_video.render.synthetic_layer import hud_height_px

from .conftest import LONE_PED_XY, crowd_snap, make_snap, make_static


@pytest.fixture
def fast_calls(monkeypatch):
    """Count fast-path frames: ``calls[True]`` drawn, ``calls[False]`` handed back."""
    calls = {True: 0, False: 0}
    draw = synthetic_fast.FastI420.draw

    def counting(self, *args, **kwargs):
        out = draw(self, *args, **kwargs)
        calls[out is not None] += 1
        return out

    monkeypatch.setattr(synthetic_fast.FastI420, "draw", counting)
    return calls


def general_path(size=None, **kwargs) -> SyntheticRenderer:
    """A renderer whose layers never get a fast path."""
    renderer = SyntheticRenderer(size, **kwargs)
    build = renderer._layer_for

    def layer_for(static):
        layer = build(static)
        renderer._fast = None
        return layer

    renderer._layer_for = layer_for
    return renderer


def snapshots():
    """Busy, sparse, colliding, finished and standing-crowd frames, all inside the map."""
    standing = np.zeros((4, 2))
    standing[1] = (1e-4, 0.0)  # slower than STILL_MPS: no tick
    slow_and_nan = np.array([(0.0, 2e-3), (np.nan, 0.0), (-0.3, -0.3), (0.0, 0.0)])
    yield from (crowd_snap(seed=seed) for seed in range(4))
    yield crowd_snap(n_peds=120, trail_len=400, seed=9)
    yield make_snap(collision="pedestrian")
    yield make_snap(collision="obstacle", outcome="collision", theta=2.0)
    for outcome in ("success", "timeout"):
        yield make_snap(outcome=outcome, theta=-1.0)
    yield make_snap(vels=standing)
    yield make_snap(vels=slow_and_nan)
    yield make_snap(peds=np.zeros((0, 2)), vels=np.zeros((0, 2)), trail=np.zeros((0, 2)))
    yield make_snap(peds=np.zeros(0), vels=np.zeros(0), trail=np.array([(4.0, 5.0)]))
    yield make_snap(step=299, theta=np.pi)
    # A trail crossing itself: the newer half must cover the older one.
    t = np.linspace(0.0, 4.0 * np.pi, 300)
    loop = np.stack((10.0 + 3.0 * np.cos(t) + 0.2 * t, 5.0 + 3.0 * np.sin(2.0 * t)), axis=1)
    yield make_snap(robot_xy=tuple(loop[-1]), trail=loop)


@pytest.mark.parametrize("size", [(320, 240), (256, 192), (96, 72)])
def test_fast_path_equals_general_path(size, fast_calls):
    static = make_static()
    fast, general = SyntheticRenderer(size), general_path(size)
    for snap in snapshots():
        assert fast.render_for_encoder(static, snap).tobytes() == (
            general.render_for_encoder(static, snap).tobytes()
        )
    if size != (96, 72):  # tiny frames: stencils are large, some frames fall back
        assert fast_calls[False] == 0
    assert fast_calls[True] > 0


def test_pedestrians_off_the_map_are_clipped_like_the_general_path(fast_calls):
    # Pedestrians crossing every edge of the map area (the HUD above), at sub-pixel
    # offsets, walking and standing, next to ones fully inside.
    static = make_static()
    fast, general = SyntheticRenderer(), general_path()
    vp = fast.viewport(static)
    hud_y = vp.y_max_m - (hud_height_px(fast.size) - vp.origin_y_px) / vp.px_per_m
    bottom_y = vp.y_max_m - (fast.size[1] - vp.origin_y_px) / vp.px_per_m
    edge = np.linspace(-0.6, 0.6, 7)
    spots = [(x, 5.0) for x in edge] + [(20.0 + x, 5.0) for x in edge]
    spots += [(10.0, y) for y in edge] + [(10.3, 10.0 + y) for y in edge]
    spots += [(12.0, hud_y + y) for y in edge] + [(14.1, bottom_y + y) for y in edge]
    spots += [(-1000.0, 5.0), (1e9, -1e9), (0.05, 9.95), (19.97, 0.03)]
    peds = np.array([LONE_PED_XY, *spots])
    rng = np.random.default_rng(1)
    for k in range(6):
        vels = rng.normal(0.0, 1.0, peds.shape) * (k % 3 > 0)  # every third frame: standing
        snap = make_snap(peds=peds + 0.037 * k, vels=vels, collision="obstacle" if k else None)
        assert fast.render_for_encoder(static, snap).tobytes() == (
            general.render_for_encoder(static, snap).tobytes()
        )
    assert fast_calls[True] == 6 and fast_calls[False] == 0


def test_robot_trail_or_bad_numbers_near_the_edges_fall_back(fast_calls):
    static = make_static()
    fast, general = SyntheticRenderer(), general_path()
    edge_cases = [
        make_snap(robot_xy=(0.1, 9.9), theta=1.0),
        make_snap(peds=np.array([(np.nan, 3.0)]), vels=np.ones((1, 2))),
        make_snap(peds=np.array([(np.inf, 3.0)]), vels=np.ones((1, 2))),
        make_snap(trail=np.array([(1.0, 5.0), (1e9, -1e9), (4.0, 5.0)])),
    ]
    with np.errstate(invalid="ignore"):
        for snap in edge_cases:
            assert fast.render_for_encoder(static, snap).tobytes() == (
                general.render_for_encoder(static, snap).tobytes()
            )
    assert fast_calls[False] == len(edge_cases) and fast_calls[True] == 0


def test_no_trail_option_and_scene_changes(fast_calls):
    fast, general = SyntheticRenderer(show_trail=False), general_path(show_trail=False)
    for goal in ((18.0, 5.0), (15.0, 2.0)):
        static = make_static(goal_xy_m=goal)
        for snap in (crowd_snap(), make_snap(collision="pedestrian")):
            assert fast.render_for_encoder(static, snap).tobytes() == (
                general.render_for_encoder(static, snap).tobytes()
            )
    assert fast_calls[True] == 4
    assert len(fast._fasts) == 1  # one geometry: the tables are built once


def test_trail_kept_across_frames_equals_fresh_sampling(fast_calls):
    # A trail that grows, then slides (capped), speeds up (more samples per segment),
    # slows down again, and restarts: every frame must equal sampling it afresh.
    static = make_static()
    rng = np.random.default_rng(5)
    speeds = np.concatenate((np.full(60, 0.1), np.full(5, 0.9), np.full(60, 0.1), [0.0]))
    heading = np.cumsum(rng.normal(0.0, 0.3, len(speeds)))
    steps = speeds[:, None] * np.stack((np.cos(heading), np.sin(heading)), axis=1)
    path = np.clip(np.array([3.0, 5.0]) + np.cumsum(steps, axis=0), 1.0, 19.0)
    path[:, 1] = np.clip(path[:, 1], 1.0, 9.0)
    trails = [path[max(0, k - 40) : k + 1] for k in range(len(path))]
    trails += [path[:1], path[:2], path[5:9], path[5:9], path[6:10]]  # restart, repeat
    fast, general = SyntheticRenderer(), general_path()
    for trail in trails:
        snap = make_snap(robot_xy=tuple(trail[-1]), trail=trail.copy())
        assert fast.render_for_encoder(static, snap).tobytes() == (
            general.render_for_encoder(static, snap).tobytes()
        )
    assert fast_calls[True] == len(trails)


def test_fast_frames_are_new_contiguous_arrays(fast_calls):
    static = make_static()
    renderer = SyntheticRenderer()
    first = renderer.render_for_encoder(static, crowd_snap(seed=1))
    second = renderer.render_for_encoder(static, crowd_snap(seed=2))
    assert fast_calls[True] == 2
    for frame in (first, second):
        assert frame.dtype == np.uint8 and frame.ndim == 1 and frame.flags.c_contiguous
        assert frame.size == 256 * 192 * 3 // 2 and frame.flags.writeable
    assert not np.shares_memory(first, second)
    before = first.copy()
    renderer.render_for_encoder(static, crowd_snap(seed=3))
    assert np.array_equal(first, before)  # an earlier frame is never written again


def test_large_frames_use_the_general_path():
    renderer = SyntheticRenderer((640, 480))
    renderer.render_for_encoder(make_static(), make_snap())
    assert renderer._fast is None  # 2-px lines: the fast path only draws 1-px pens


def test_real_rollout_frames_match(fast_calls):
    from robot_sf_gym_video.env.social_nav_env import SocialNavEnv

    env = SocialNavEnv(scenario="open_crowd")
    env.reset(seed=0)
    static = env.static_scene()
    fast, general = SyntheticRenderer(), general_path()
    rng = np.random.default_rng(0)
    for _ in range(25):
        env.step(rng.uniform(-1.0, 1.0, 2))
        snap = env.frame_snapshot()
        assert fast.render_for_encoder(static, snap).tobytes() == (
            general.render_for_encoder(static, snap).tobytes()
        )
    env.close()
    assert fast_calls[True] > 0
