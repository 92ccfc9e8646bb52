"""One draw list, three emitters: I420, RGB and palette indices show the same frame.

The I420 chroma is checked against the whole-frame computation (``chroma_planes``), and
that against swscale itself in ``test_chroma.py``.

The draw list has a no-clipping route (every shape well inside the map) and a clipping
route; a pedestrian far outside the map forces the clipping route for the whole frame
without adding a pixel, so comparing the two checks that both routes draw the same.
"""

from __future__ import annotations

import numpy as np
import pytest

from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.render.chroma import chroma_planes
from robot_sf_gym_video.render.palette import LUT_Y, PALETTE_RGB
from robot_sf_gym_video.render.synthetic import SyntheticRenderer
from robot_sf_gym_video.render.synthetic_layer import hud_height_px
from robot_sf_gym_video.sim.snapshot import FrameSnapshot

from .conftest import LONE_PED_XY, crowd_snap, make_snap, make_static

SIZES = [(320, 240), (256, 192), (96, 72), (640, 480)]


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


def edge_snapshots(renderer: SyntheticRenderer):
    """Pedestrians, the robot and the trail across every edge, plus non-finite numbers."""
    static = make_static()
    vp = renderer.viewport(static)
    hud_y = vp.y_max_m - (hud_height_px(renderer.size) - vp.origin_y_px) / vp.px_per_m
    bottom_y = vp.y_max_m - (renderer.size[1] - vp.origin_y_px) / vp.px_per_m
    edge = np.linspace(-0.6, 0.6, 7)
    spots = [(x, 5.0) for x in edge] + [(20.0 + x, 5.0) for x in edge]
    spots += [(10.0, y) for y in edge] + [(12.0, hud_y + y) for y in edge]
    spots += [(14.1, bottom_y + y) for y in edge] + [(-1000.0, 5.0), (1e9, -1e9)]
    peds = np.array([LONE_PED_XY, *spots])
    rng = np.random.default_rng(1)
    for k in range(3):
        vels = rng.normal(0.0, 1.0, peds.shape) * (k > 0)
        yield make_snap(peds=peds + 0.037 * k, vels=vels, collision="obstacle" if k else None)
    yield make_snap(robot_xy=(0.1, 9.9), theta=1.0, collision="pedestrian")
    yield make_snap(robot_xy=(float("nan"), 5.0))
    yield make_snap(peds=np.array([(np.inf, 3.0)]), vels=np.ones((1, 2)))
    yield make_snap(trail=np.array([(1.0, 5.0), (-2.0, 12.0), (4.0, 5.0)]))
    yield make_snap(trail=np.array([(1.0, 5.0), (np.nan, 5.0), (4.0, 5.0)]))


def with_far_pedestrian(snap: FrameSnapshot) -> FrameSnapshot:
    """``snap`` plus a pedestrian 1 km away: clipped away, and it forces the clipping route."""
    peds = np.concatenate((snap.ped_positions_m.reshape(-1, 2), [(1000.0, 1000.0)]))
    vels = np.concatenate((snap.ped_velocities_mps.reshape(-1, 2), [(1.0, 0.0)]))
    return make_snap(
        step=snap.step,
        robot_xy=tuple(snap.robot_pose[:2]),
        theta=float(snap.robot_pose[2]),
        peds=peds,
        vels=vels,
        trail=snap.trail_m.reshape(-1, 2),
        collision=snap.collision,
        outcome=snap.outcome,
    )


def assert_emitters_agree(renderer: SyntheticRenderer, static, snap) -> None:
    """RGB is the inks' colours, Y their luma, U and V swscale's subsampling of them."""
    idx = renderer.render_indices(static, snap)
    rgb = renderer.render(static, snap)
    yuv = renderer.render_for_encoder(static, snap)
    n_y = idx.size
    assert np.array_equal(rgb, PALETTE_RGB[idx])
    assert np.array_equal(yuv[:n_y], LUT_Y[idx].ravel())
    u, v = chroma_planes(idx)  # the whole frame: the draw list recomputes touched blocks only
    assert np.array_equal(yuv[n_y : n_y + n_y // 4], u.ravel())
    assert np.array_equal(yuv[n_y + n_y // 4 :], v.ravel())


@pytest.mark.parametrize("size", SIZES)
def test_emitters_agree_and_clipping_route_draws_the_same(size):
    static = make_static()
    renderer, clipped = SyntheticRenderer(size), SyntheticRenderer(size)
    with np.errstate(invalid="ignore"):
        for snap in [*snapshots(), *edge_snapshots(renderer)]:
            assert_emitters_agree(renderer, static, snap)
            far = with_far_pedestrian(snap)
            for method in ("render_for_encoder", "render", "render_indices"):
                a = getattr(renderer, method)(static, snap)
                b = getattr(clipped, method)(static, far)
                assert a.tobytes() == b.tobytes(), method


def test_trail_kept_across_frames_equals_fresh_sampling():
    # A trail that grows, then slides (capped), speeds up (more samples per segment),
    # slows down again, and restarts: every frame must equal a fresh renderer's.
    static = make_static()
    rng = np.random.default_rng(5)
    speeds = np.concatenate((np.full(60, 0.1), np.full(5, 0.9), np.full(60, 0.1), [0.0]))
    heading = np.cumsum(rng.normal(0.0, 0.3, len(speeds)))
    steps = speeds[:, None] * np.stack((np.cos(heading), np.sin(heading)), axis=1)
    path = np.clip(np.array([3.0, 5.0]) + np.cumsum(steps, axis=0), 1.0, 19.0)
    path[:, 1] = np.clip(path[:, 1], 1.0, 9.0)
    trails = [path[max(0, k - 40) : k + 1] for k in range(len(path))]
    trails += [path[:1], path[:2], path[5:9], path[5:9], path[6:10]]  # restart, repeat
    kept = SyntheticRenderer()
    for trail in trails:
        snap = make_snap(robot_xy=tuple(trail[-1]), trail=trail.copy())
        fresh = SyntheticRenderer().render_for_encoder(static, snap)
        assert kept.render_for_encoder(static, snap).tobytes() == fresh.tobytes()


def test_no_trail_option_and_scene_changes_share_tables():
    renderer = SyntheticRenderer(show_trail=False)
    for goal in ((18.0, 5.0), (15.0, 2.0)):
        static = make_static(goal_xy_m=goal)
        for snap in (crowd_snap(), make_snap(collision="pedestrian")):
            idx = renderer.render_indices(static, snap)
            hidden = SyntheticRenderer().render_indices(static, snap)
            assert not np.array_equal(idx, hidden)  # the trail is gone, the rest is drawn
            assert_emitters_agree(renderer, static, snap)
    assert len(renderer._table_cache) == 1  # one geometry: the tables are built once


def test_frames_are_new_contiguous_arrays():
    static = make_static()
    renderer = SyntheticRenderer()
    first = renderer.render_for_encoder(static, crowd_snap(seed=1))
    second = renderer.render_for_encoder(static, crowd_snap(seed=2))
    rgb = renderer.render(static, crowd_snap(seed=2))
    for frame in (first, second):
        assert frame.dtype == np.uint8 and frame.ndim == 1 and frame.flags.c_contiguous
        assert frame.size == 256 * 192 * 3 // 2 and frame.flags.writeable
    assert rgb.shape == (192, 256, 3) and rgb.flags.c_contiguous and rgb.flags.writeable
    assert not np.shares_memory(first, second)
    before = first.copy()
    renderer.render_for_encoder(static, crowd_snap(seed=3))
    assert np.array_equal(first, before)  # an earlier frame is never written again


def test_real_rollout_frames_agree():
    env = SocialNavEnv(scenario="open_crowd")
    env.reset(seed=0)
    static = env.static_scene()
    renderer = SyntheticRenderer()
    rng = np.random.default_rng(0)
    for _ in range(25):
        env.step(rng.uniform(-1.0, 1.0, 2))
        snap = env.frame_snapshot()
        assert_emitters_agree(renderer, static, snap)
        fresh = SyntheticRenderer().render_for_encoder(static, snap)
        assert renderer.render_for_encoder(static, snap).tobytes() == fresh.tobytes()
    env.close()


def test_draw_for_encoder_reuses_a_ring_of_buffers_and_draws_the_same_frames():
    static = make_static()
    renderer, fresh = SyntheticRenderer(), SyntheticRenderer()
    ring = renderer.encoder_ring
    snaps = [crowd_snap(seed=seed) for seed in range(ring + 3)]
    frames = [renderer.draw_for_encoder(static, snap) for snap in snaps]
    assert len({id(frame) for frame in frames[:ring]}) == ring
    assert all(frames[k] is frames[k - ring] for k in range(ring, len(frames)))  # in turn
    for k in range(3, len(frames)):  # the last ``ring`` frames are intact
        assert frames[k].tobytes() == fresh.render_for_encoder(static, snaps[k]).tobytes()
    assert_emitters_agree(renderer, static, snaps[-1])
