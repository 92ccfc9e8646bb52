"""Episode events are marked in the video: a ring on what was involved, the HUD naming it.

The HUD check reads the text back from a decoded MP4 frame against the 5x7 font (an OCR
over the glyph atlas), so it fails if the words are not legible at the default size.
"""

from __future__ import annotations

import av
import numpy as np
import pytest

from robot_sf_gym_video import VideoArtifactWrapper
from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.policies import make_policy
from robot_sf_gym_video.render.factory import create_renderer
from robot_sf_gym_video.render.font5x7 import _GLYPHS, GLYPH_H_PX, GLYPH_W_PX, text_mask
from robot_sf_gym_video.render.hud import event_rings, hud_text
from robot_sf_gym_video.render.palette import PALETTE_RGB, Ink
from robot_sf_gym_video.render.synthetic import SyntheticRenderer
from robot_sf_gym_video.render.synthetic_layer import hud_height_px
from robot_sf_gym_video.sim.snapshot import EventMark, pack_snapshot, unpack_snapshot

from .conftest import make_snap, make_static

NEAR = EventMark("near_miss", "pedestrian", 0, 8)


def read_hud(rgb: np.ndarray) -> str:
    """Read the HUD line of a synthetic frame (scale 1) against the 5x7 font.

    Binarizes the text rows, then at every column that follows a blank one tries each
    glyph of the font; a cell within one pixel of a glyph reads as that character.
    """
    top = (hud_height_px(rgb.shape[1::-1]) - GLYPH_H_PX) // 2
    strip = rgb[top : top + GLYPH_H_PX].astype(float)
    luma = strip @ np.array([0.299, 0.587, 0.114])  # decoded luma is the faithful part
    lit = luma > (PALETTE_RGB[Ink.HUD_BG] @ np.array([0.299, 0.587, 0.114])) + 50
    lit = np.pad(lit, ((0, 0), (1, GLYPH_W_PX)))
    masks = {c: text_mask(c)[:, :GLYPH_W_PX] for c in _GLYPHS if c != " "}
    out, x, last = [], 1, None
    while x < lit.shape[1] - GLYPH_W_PX:
        cell = lit[:, x : x + GLYPH_W_PX]
        if cell.any() and not lit[:, x - 1].any():
            char, mask = min(masks.items(), key=lambda kv: np.count_nonzero(kv[1] != cell))
            if np.count_nonzero(mask != cell) <= 1:
                if last is not None and x - last > GLYPH_W_PX + 2:
                    out.append(" ")
                out.append(char)
                last, x = x, x + GLYPH_W_PX + 1
                continue
        x += 1
    return "".join(out)


def test_hud_names_the_event_and_rings_the_pedestrian():
    static, renderer = make_static(), SyntheticRenderer()
    snap = make_snap(step=10)
    marked = make_snap(step=10)
    object.__setattr__(marked, "marks", (NEAR,))
    idx = renderer.render_indices(static, marked)
    plain = renderer.render_indices(static, snap)
    assert np.count_nonzero(idx == Ink.EVENT) > np.count_nonzero(plain == Ink.EVENT) + 20
    x, y, inner, outer, _ = event_rings(static, marked, renderer.viewport(static), 1)[0]
    rows, cols = np.nonzero(idx == Ink.EVENT)
    ring = rows >= hud_height_px(renderer.size)
    dist = np.hypot(cols[ring] + 0.5 - x, rows[ring] + 0.5 - y)
    assert dist.min() >= inner - 1.5 and dist.max() <= outer + 1.5  # around the pedestrian
    assert "NEAR MISS P0" in read_hud(renderer.render(static, marked))
    assert "NEAR MISS" not in read_hud(renderer.render(static, snap))


def test_marks_survive_packing():
    marked = make_snap()
    object.__setattr__(marked, "marks", (NEAR, EventMark("collision", "wall", 3, 9)))
    assert unpack_snapshot(pack_snapshot(marked)).marks == marked.marks
    assert unpack_snapshot(pack_snapshot(make_snap())).marks == ()


@pytest.fixture(scope="module")
def near_miss_clip(tmp_path_factory):
    """Film open_crowd seed 2 with the random policy: a near miss at step 85, then a hit."""
    out = tmp_path_factory.mktemp("clip")
    env = VideoArtifactWrapper(SocialNavEnv(scenario="open_crowd"), video_dir=out)
    act = make_policy("random", env, seed=2)
    obs, _ = env.reset(seed=2)
    done = False
    while not done:
        obs, _, terminated, truncated, info = env.step(act(obs))
        done = terminated or truncated
    env.close()
    return info, out / info["video"]["path"].split("/")[-1]


def test_decoded_frames_mark_the_event_for_a_second(near_miss_clip):
    info, path = near_miss_clip
    near = next(e for e in info["events"] if e["kind"] == "near_miss")
    label = f"NEAR MISS P{near['with']['id']}"
    with av.open(str(path)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    fps = 10
    step = near["step"]
    for k in range(step, step + fps):  # frame k - 1 shows the state after step k
        assert label in read_hud(frames[k - 1]), k
    assert label not in read_hud(frames[step - 2])  # not before the event
    assert "COLLISION" in read_hud(frames[-1])  # the outcome banner stays on the last frame


def test_sim_view_marks_the_same_event():
    renderer, note = create_renderer("sim-view", size=(640, 480))
    if renderer.name != "sim-view":
        pytest.fail(f"sim-view unavailable: {note}")
    static = make_static()
    marked = make_snap(step=10)
    object.__setattr__(marked, "marks", (NEAR,))
    rgb = renderer.render(static, marked).astype(int)
    plain = renderer.render(static, make_snap(step=10)).astype(int)
    x, y, inner, outer, _ = event_rings(static, marked, renderer._viewport, renderer._scale)[0]
    changed = np.abs(rgb - plain).sum(axis=2) > 60
    rows, cols = np.nonzero(changed[hud_height_px((640, 480)) :])
    rows += hud_height_px((640, 480))
    near_ring = np.abs(np.hypot(cols - x, rows - y) - (inner + outer) / 2) < 3
    assert near_ring.sum() > 50  # a ring around the pedestrian...
    assert hud_text(static, marked).status == "NEAR MISS P0"  # ...and the HUD's words
    hud = changed[: hud_height_px((640, 480))]
    assert hud[:, 320:].any()  # drawn at the right of the HUD


def test_scale_bar_is_one_metre_in_both_renderers():
    static = make_static()
    synthetic = SyntheticRenderer()
    idx = synthetic.render_indices(static, make_snap())
    rows, cols = np.nonzero(idx == Ink.SCALE_BAR)
    bar_row = np.bincount(rows).argmax()  # the bar is the longest run of its ink
    length = cols[rows == bar_row].max() - cols[rows == bar_row].min()
    assert abs(length - synthetic.viewport(static).px_per_m) <= 1.0
    assert cols.min() < synthetic.size[0] // 4 and rows.max() > synthetic.size[1] * 3 // 4
    sim_view, _ = create_renderer("sim-view", size=(640, 480))
    rgb = sim_view.render(static, make_snap())
    hit = np.all(rgb == PALETTE_RGB[Ink.SCALE_BAR], axis=2)
    rows, cols = np.nonzero(hit)
    bar_row = np.bincount(rows).argmax()
    length = cols[rows == bar_row].max() - cols[rows == bar_row].min()
    assert abs(length - sim_view._viewport.px_per_m) <= 2.0


def test_robot_heading_mark_is_thicker_than_a_pedestrian_tick():
    static, renderer = make_static(), SyntheticRenderer()
    # Robot faces +x, the lone pedestrian walks +y: count mark pixels across each line.
    idx = renderer.render_indices(static, make_snap(theta=0.0))
    vp = renderer.viewport(static)
    rx, ry = vp.to_px(np.array([[4.0, 5.0]]))[0]
    px, py = vp.to_px(np.array([[15.0, 8.0]]))[0]
    beyond_robot = int(rx + 0.4 * vp.px_per_m) + 2  # a column just past the robot's disc
    robot_width = np.count_nonzero(idx[int(ry) - 4 : int(ry) + 5, beyond_robot] == Ink.ROBOT_EDGE)
    beyond_ped = int(py - 0.3 * vp.px_per_m) - 1  # a row just past the pedestrian's disc
    ped_width = np.count_nonzero(idx[beyond_ped, int(px) - 4 : int(px) + 5] == Ink.PED_EDGE)
    assert robot_width >= 2 and ped_width == 1
