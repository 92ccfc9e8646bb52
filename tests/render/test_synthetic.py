"""SyntheticRenderer: frame format, what is drawn where, YUV output, HUD, robustness."""

from __future__ import annotations

import numpy as np
import pytest

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.render.palette import LUT_U, LUT_Y, PALETTE_RGB, Ink
from robot_sf_gym_video.render.synthetic import DEFAULT_SIZE, SyntheticRenderer
from robot_sf_gym_video.render.synthetic_layer import hud_height_px

from .conftest import (
    LONE_PED_XY,
    PED_BODY_XY,
    ROBOT_BODY_XY,
    ROBOT_XY,
    crowd_snap,
    make_snap,
    make_static,
)


def pixel(renderer: SyntheticRenderer, static, xy_m) -> tuple[int, int]:
    """(row, col) of the pixel containing world point ``xy_m``."""
    x, y = renderer.viewport(static).to_px(np.array(xy_m, dtype=float))
    return int(y), int(x)


def test_frame_is_even_uint8_rgb_contiguous_and_new(static, snap):
    renderer = SyntheticRenderer()
    assert renderer.size == DEFAULT_SIZE == (256, 192)
    assert renderer.name == "synthetic" and renderer.encoder_pix_fmt == "yuv420p"
    first = renderer.render(static, snap)
    assert first.shape == (192, 256, 3) and first.dtype == np.uint8
    assert first.flags.c_contiguous and first.flags.writeable
    first[:] = 0  # the caller owns the array: scribbling on it changes nothing
    second = renderer.render(static, snap)
    assert second is not first and second.any()
    assert not np.shares_memory(first, second)


@pytest.mark.parametrize("size", [(320, 240), (256, 192), (640, 480), (96, 72), (1280, 720)])
def test_sizes_are_honoured(static, snap, size):
    renderer = SyntheticRenderer(size)
    frame = renderer.render(static, snap)
    assert frame.shape == (size[1], size[0], 3)
    row, col = pixel(renderer, static, ROBOT_XY)
    near = renderer.render_indices(static, snap)[row - 2 : row + 3, col - 2 : col + 3]
    assert (near == Ink.ROBOT).any()


def test_robot_and_pedestrian_pixels_have_their_colours(static, snap):
    renderer = SyntheticRenderer()
    frame = renderer.render(static, snap)
    idx = renderer.render_indices(static, snap)
    robot = pixel(renderer, static, ROBOT_BODY_XY)
    ped = pixel(renderer, static, PED_BODY_XY)
    goal = pixel(renderer, static, (18.3, 5.3))  # inside the goal disc, off its cross
    box = pixel(renderer, static, (9.5, 1.5))
    assert idx[robot] == Ink.ROBOT and tuple(frame[robot]) == tuple(PALETTE_RGB[Ink.ROBOT])
    assert idx[ped] == Ink.PED and tuple(frame[ped]) == tuple(PALETTE_RGB[Ink.PED])
    assert idx[goal] == Ink.GOAL
    assert idx[box] == Ink.OBSTACLE
    assert idx[pixel(renderer, static, (2.0, 9.5))] in (Ink.FLOOR, Ink.GRID, Ink.GRID_MAJOR)


def test_heading_marks_point_where_agents_go(static):
    renderer = SyntheticRenderer()
    px_per_m = renderer.viewport(static).px_per_m
    snap = make_snap(theta=np.pi / 2)  # robot faces +y (up in the image)
    idx = renderer.render_indices(static, snap)
    row, col = pixel(renderer, static, ROBOT_XY)
    reach = int(0.4 * px_per_m) + 2  # just beyond the robot's radius
    assert idx[row - reach, col] == Ink.ROBOT_EDGE  # nose above the robot
    assert idx[row + reach, col] != Ink.ROBOT_EDGE
    # The lone pedestrian walks +y: a tick above it, nothing below it.
    row, col = pixel(renderer, static, LONE_PED_XY)
    reach = int(0.3 * px_per_m) + 1
    assert idx[row - reach, col] == Ink.PED_EDGE
    assert idx[row + reach + 1, col] not in (Ink.PED_EDGE, Ink.PED)


def test_standing_pedestrian_has_no_tick(static):
    renderer = SyntheticRenderer()
    px_per_m = renderer.viewport(static).px_per_m
    snap = make_snap(peds=np.array([LONE_PED_XY]), vels=np.zeros((1, 2)))
    idx = renderer.render_indices(static, snap)
    row, col = pixel(renderer, static, LONE_PED_XY)
    reach = int(0.3 * px_per_m) + 2
    ring = idx[row - reach : row + reach + 1, col - reach : col + reach + 1]
    disc = idx[row - reach + 2 : row + reach - 1, col - reach + 2 : col + reach - 1]
    assert np.count_nonzero(ring == Ink.PED_EDGE) == np.count_nonzero(disc == Ink.PED_EDGE)


def test_trail_is_drawn_in_two_shades(static, snap):
    renderer = SyntheticRenderer()
    idx = renderer.render_indices(static, snap)
    assert np.count_nonzero(idx == Ink.TRAIL_OLD) > 5
    assert np.count_nonzero(idx == Ink.TRAIL_NEW) > 5
    hidden = SyntheticRenderer(show_trail=False).render_indices(static, snap)
    assert not np.isin(hidden, [Ink.TRAIL_OLD, Ink.TRAIL_NEW]).any()


def test_frames_change_when_agents_move(static):
    renderer = SyntheticRenderer()
    before = renderer.render(static, make_snap(robot_xy=ROBOT_XY))
    after = renderer.render(static, make_snap(robot_xy=(5.0, 6.0)))
    assert not np.array_equal(before, after)
    idx = renderer.render_indices(static, make_snap(robot_xy=(5.0, 6.0)))
    assert idx[pixel(renderer, static, ROBOT_BODY_XY)] != Ink.ROBOT
    assert idx[pixel(renderer, static, (5.0, 5.8))] == Ink.ROBOT
    moved = make_snap(peds=np.array([(15.0, 6.0)]), vels=np.zeros((1, 2)))
    assert renderer.render_indices(static, moved)[pixel(renderer, static, (15.0, 6.0))] == Ink.PED


def test_same_state_gives_byte_identical_frames(static):
    snap = crowd_snap()
    one, two = SyntheticRenderer(), SyntheticRenderer()
    assert one.render(static, snap).tobytes() == two.render(static, snap).tobytes()
    assert one.render_for_encoder(static, snap).tobytes() == (
        two.render_for_encoder(static, snap).tobytes()
    )
    # An equal but distinct scene/snapshot (fresh objects, no cache hit) draws the same.
    again = one.render(make_static(), crowd_snap())
    assert again.tobytes() == two.render(static, snap).tobytes()


def test_inputs_are_not_modified(static):
    snap = crowd_snap()
    before = {k: getattr(snap, k).copy() for k in ("robot_pose", "ped_positions_m", "trail_m")}
    obstacles = [o.copy() for o in static.obstacles_m]
    renderer = SyntheticRenderer()
    renderer.render(static, snap)
    renderer.render_for_encoder(static, snap)
    for key, value in before.items():
        assert np.array_equal(getattr(snap, key), value)
    for old, new in zip(obstacles, static.obstacles_m, strict=True):
        assert np.array_equal(old, new)


def test_render_equals_palette_of_indices(static):
    renderer = SyntheticRenderer()
    for snap in (crowd_snap(), make_snap(collision="pedestrian", outcome="collision")):
        assert np.array_equal(
            renderer.render(static, snap), PALETTE_RGB[renderer.render_indices(static, snap)]
        )


def test_later_shapes_cover_earlier_ones(static):
    # Robot on top of a pedestrian: the robot wins; a pedestrian's fill covers its outline.
    renderer = SyntheticRenderer()
    snap = make_snap(peds=np.array([ROBOT_XY, LONE_PED_XY]), vels=np.zeros((2, 2)))
    idx = renderer.render_indices(static, snap)
    assert idx[pixel(renderer, static, ROBOT_BODY_XY)] == Ink.ROBOT
    assert idx[pixel(renderer, static, LONE_PED_XY)] == Ink.PED


def test_yuv420p_layout_and_luma_match_rgb(static):
    renderer = SyntheticRenderer()
    snap = crowd_snap()
    rgb = renderer.render(static, snap).astype(np.float64)
    yuv = renderer.render_for_encoder(static, snap)
    width, height = renderer.size
    assert yuv.dtype == np.uint8 and yuv.ndim == 1 and yuv.flags.c_contiguous
    assert yuv.size == width * height * 3 // 2
    y = yuv[: width * height].reshape(height, width).astype(np.float64)
    # BT.601 limited range, the matrix ffmpeg assumes for untagged yuv420p.
    expected = 16 + 219 * (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]) / 255
    assert np.abs(y - expected).max() <= 1.0
    idx = renderer.render_indices(static, snap)
    assert np.array_equal(y, LUT_Y[idx])


def test_yuv420p_chroma(static):
    # Chroma is swscale's subsampling of the drawn frame (tests/render/test_chroma.py):
    # equal to the static frame's away from moving shapes, tinted toward what is drawn.
    renderer = SyntheticRenderer()
    snap = make_snap()
    width, height = renderer.size
    n = width * height
    yuv = renderer.render_for_encoder(static, snap)
    u = yuv[n : n + n // 4].reshape(height // 2, width // 2).astype(int)
    static_u = renderer._layer.yuv[n : n + n // 4].reshape(height // 2, width // 2).astype(int)
    row, col = pixel(renderer, static, ROBOT_BODY_XY)
    block = (row // 2, col // 2)
    assert abs(u[block] - int(LUT_U[Ink.ROBOT])) < abs(static_u[block] - int(LUT_U[Ink.ROBOT]))
    far = pixel(renderer, static, (16.0, 5.0))  # floor, nothing drawn nearby
    assert u[far[0] // 2, far[1] // 2] == static_u[far[0] // 2, far[1] // 2]


def test_yuv420p_decodes_back_to_the_rgb_frame(static, tmp_path):
    import av

    renderer = SyntheticRenderer()
    snap = crowd_snap()
    width, height = renderer.size
    path = tmp_path / "probe.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": "12", "preset": "ultrafast"}
        buf = renderer.render_for_encoder(static, snap).reshape(height * 3 // 2, width)
        for _ in range(2):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(buf, format="yuv420p")))
        container.mux(stream.encode())
    with av.open(str(path)) as container:
        decoded = next(iter(container.decode(video=0))).to_ndarray(format="rgb24")
    diff = np.abs(decoded.astype(int) - renderer.render(static, snap).astype(int))
    assert diff.mean() < 4.0  # colours survive (a channel swap or range error gives > 20)


def test_hud_shows_scenario_progress_and_outcome(static):
    renderer = SyntheticRenderer()
    hud = hud_height_px(renderer.size)
    idx = renderer.render_indices(static, make_snap(step=10))
    assert np.count_nonzero(idx[:hud] == Ink.HUD_TEXT) > 20  # "UNIT_TEST"
    assert np.count_nonzero(idx[:hud] == Ink.HUD_DIM) > 40  # "STEP 10/300  T 1.0S"
    assert not np.isin(idx[hud:], [Ink.HUD_TEXT, Ink.HUD_DIM]).any()
    other = renderer.render_indices(static, make_snap(step=11))
    assert not np.array_equal(idx[:hud], other[:hud])  # the counter moves
    outcome_inks = [Ink.OUTCOME_SUCCESS, Ink.OUTCOME_COLLISION, Ink.OUTCOME_TIMEOUT]
    assert not np.isin(idx, outcome_inks).any()
    for outcome, ink in zip(("success", "collision", "timeout"), outcome_inks, strict=True):
        last = renderer.render_indices(static, make_snap(outcome=outcome))
        assert np.count_nonzero(last[:hud] == ink) > 20, outcome


def test_collision_marker_only_on_collision_frames(static):
    renderer = SyntheticRenderer()
    assert not (renderer.render_indices(static, make_snap()) == Ink.COLLISION).any()
    for kind in ("pedestrian", "obstacle"):
        idx = renderer.render_indices(static, make_snap(collision=kind))
        assert np.count_nonzero(idx == Ink.COLLISION) > 500  # ring + frame flash
        row, col = pixel(renderer, static, ROBOT_XY)
        reach = int(0.4 * renderer.viewport(static).px_per_m) + 2
        assert Ink.COLLISION in idx[row + reach - 1 : row + reach + 3, col]
    assert not (renderer.render_indices(static, make_snap()) == Ink.COLLISION).any()


def test_positions_outside_the_frame_are_hidden_not_wrapped(static):
    renderer = SyntheticRenderer()
    base = make_snap(peds=np.array([LONE_PED_XY]), vels=np.array([(0.0, 1.0)]))
    far = np.array([LONE_PED_XY, (-1000.0, 5.0), (1e9, -1e9), (np.nan, 3.0), (np.inf, 5.0)])
    vels = np.array([(0.0, 1.0), (1.0, 0.0), (1.0, 1.0), (np.nan, 0.0), (0.0, -1.0)])
    with np.errstate(invalid="ignore"):
        frame = renderer.render(static, make_snap(peds=far, vels=vels))
    assert np.array_equal(frame, renderer.render(static, base))


def test_empty_crowd_and_short_trails(static):
    renderer = SyntheticRenderer()
    flat_empty = make_snap(peds=np.zeros(0), vels=np.zeros(0), trail=np.zeros(0))
    assert renderer.render(static, flat_empty).shape == (192, 256, 3)
    for trail in (np.zeros((0, 2)), np.array([ROBOT_XY])):
        snap = make_snap(peds=np.zeros((0, 2)), vels=np.zeros((0, 2)), trail=trail)
        assert renderer.render(static, snap).shape == (192, 256, 3)
        assert renderer.render_for_encoder(static, snap).size == 256 * 192 * 3 // 2


def test_static_layer_is_cached_per_scene_object(static, snap):
    renderer = SyntheticRenderer()
    renderer.render(static, snap)
    layer = renderer._layer
    renderer.render(static, make_snap(step=11))
    assert renderer._layer is layer  # same scene object: layer reused
    moved_goal = make_static(goal_xy_m=(15.0, 5.0))
    idx = renderer.render_indices(moved_goal, snap)
    assert renderer._layer is not layer
    assert idx[pixel(renderer, moved_goal, (15.3, 5.3))] == Ink.GOAL


def test_long_names_are_cut_at_small_sizes():
    renderer = SyntheticRenderer((96, 72))
    static = make_static(scenario="a_very_long_scenario_name_that_cannot_fit")
    idx = renderer.render_indices(static, make_snap(collision="pedestrian", outcome="collision"))
    hud = hud_height_px(renderer.size)
    assert (idx[:hud] == Ink.OUTCOME_COLLISION).any()  # the outcome wins the space
    assert not np.isin(idx[hud:], [Ink.HUD_TEXT, Ink.HUD_DIM, Ink.OUTCOME_COLLISION]).any()


@pytest.mark.parametrize(
    "size", [(321, 240), (320, 241), (94, 72), (96, 70), (320.0, 240), "320x240", (320,), 5]
)
def test_bad_sizes_are_usage_errors(size):
    with pytest.raises(UsageError, match="even") as err:
        SyntheticRenderer(size)
    assert "\n" not in str(err.value)
    assert "bad frame size" in str(err.value)


def test_zoomed_in_scene_draws_true_radii():
    # A 4 m room at 640x480: ~100 px per metre, pedestrians of radius ~30 px.
    static = make_static(bounds_m=(0.0, 0.0, 4.0, 3.0), obstacles_m=(), goal_xy_m=(3.5, 1.5))
    snap = make_snap(
        robot_xy=(1.0, 1.5),
        peds=np.array([(2.5, 1.5)]),
        vels=np.zeros((1, 2)),
        trail=np.zeros((0, 2)),
    )
    renderer = SyntheticRenderer((640, 480))
    idx = renderer.render_indices(static, snap)
    px_per_m = renderer.viewport(static).px_per_m
    row, col = pixel(renderer, static, (2.5, 1.5))
    radius = 0.3 * px_per_m
    assert idx[row, int(col + radius - 2)] == Ink.PED
    assert idx[row, int(col + radius + 2)] not in (Ink.PED, Ink.PED_EDGE)


def test_yuv420p_chroma_of_the_status_word(static):
    renderer = SyntheticRenderer()
    width, height = renderer.size
    n = width * height
    snap = make_snap(outcome="success")
    idx = renderer.render_indices(static, snap)
    yuv = renderer.render_for_encoder(static, snap).astype(int)
    u = yuv[n : n + n // 4].reshape(height // 2, width // 2)
    static_u = renderer._layer.yuv[n : n + n // 4].reshape(height // 2, width // 2).astype(int)
    rows, cols = np.nonzero(idx == Ink.OUTCOME_SUCCESS)
    target = int(LUT_U[Ink.OUTCOME_SUCCESS])
    moved = np.abs(u[rows // 2, cols // 2] - target) < np.abs(
        static_u[rows // 2, cols // 2] - target
    )
    assert moved.mean() > 0.9  # the word's blocks are tinted toward its colour


def test_reused_map_gives_the_same_frames_as_a_fresh_renderer():
    from robot_sf_gym_video.render.synthetic_map import i420_of as _i420_of

    shared = SyntheticRenderer()
    for goal in ((18.0, 5.0), (15.0, 2.0), (18.0, 5.0)):
        static = make_static(goal_xy_m=goal, start_xy_m=(1.0, goal[1]))
        snap = make_snap(collision="obstacle")
        fresh = SyntheticRenderer()
        assert shared.render(static, snap).tobytes() == fresh.render(static, snap).tobytes()
        assert shared.render_for_encoder(static, snap).tobytes() == (
            fresh.render_for_encoder(static, snap).tobytes()
        )
        layer = shared._layer
        assert np.array_equal(layer.rgb, PALETTE_RGB[layer.idx])
        assert np.array_equal(layer.yuv, _i420_of(layer.idx))
    assert len(shared._maps) == 1  # one geometry, rasterized once
