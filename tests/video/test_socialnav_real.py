"""The wrapper on the real SocialNav env with both renderers."""

import json
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import robot_sf_gym_video
from robot_sf_gym_video.render.factory import create_renderer
from robot_sf_gym_video.video.options import RecorderOptions
from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

from .fakes import dump_factory
from .helpers import count_frames, decoded_frames, leftovers

RENDERERS = ["synthetic", "sim-view"]


def make(renderer="synthetic", steps=12, scenario="crossing"):
    return gym.make(
        robot_sf_gym_video.ENV_ID,
        scenario=scenario,
        render_mode="rgb_array",
        renderer=renderer,
        max_steps=steps,
    )


def rollout(env, seed, render=False):
    out = [env.reset(seed=seed)]
    frames = []
    while True:
        step = env.step(np.array([0.6, 0.1], np.float32))
        out.append(step)
        if render:
            frames.append(env.render())
        if step[2] or step[3]:
            return out, frames


@pytest.mark.parametrize("renderer", RENDERERS)
def test_frames_equal_steps_and_same_bytes(tmp_path, renderer):
    digests = []
    for run in ("a", "b"):
        env = VideoArtifactWrapper(make(renderer), renderer=renderer, video_dir=tmp_path / run)
        trace, _ = rollout(env, seed=7)
        env.close()
        video = trace[-1][-1]["video"]
        steps = len(trace) - 1
        assert video["frames"] == steps
        assert video["renderer"] == renderer  # pygame is a dependency; no fallback here
        assert "notes" not in video
        assert Path(video["path"]).name == "crossing__7__0.mp4"
        assert count_frames(video["path"]) == steps
        digests.append(video["sha256"])
        assert leftovers(tmp_path / run) == []
    assert digests[0] == digests[1]


def test_untouched_with_and_without_wrapper(tmp_path):
    plain, _ = rollout(make(steps=30), seed=3)
    env = VideoArtifactWrapper(make(steps=30), video_dir=tmp_path)
    wrapped, _ = rollout(env, seed=3)
    env.close()
    assert len(plain) == len(wrapped)
    for a, b in zip(plain, wrapped, strict=True):
        for x, y in zip(a[:-1], b[:-1], strict=True):
            np.testing.assert_array_equal(x, y)
        assert {k: b[-1][k] for k in a[-1]} == a[-1]
        assert set(b[-1]) - set(a[-1]) <= {"video"}


@pytest.mark.parametrize("renderer", RENDERERS)
def test_recorded_frames_are_env_render(tmp_path, renderer):
    env = VideoArtifactWrapper(
        make(renderer, steps=6),
        renderer=renderer,
        video_dir=tmp_path,
        recorder_options=RecorderOptions(frame_format="rgb24", writer_factory=dump_factory),
    )
    trace, rendered = rollout(env, seed=5, render=True)
    env.close()
    video = trace[-1][-1]["video"]
    h, w = rendered[0].shape[:2]
    raw = np.frombuffer(Path(video["path"]).read_bytes(), np.uint8).reshape(-1, h, w, 3)
    np.testing.assert_array_equal(raw, np.stack(rendered))


def test_recorded_i420_is_render_for_encoder(tmp_path):
    env = VideoArtifactWrapper(
        make(steps=6),
        video_dir=tmp_path,
        recorder_options=RecorderOptions(writer_factory=dump_factory),
    )
    renderer, _ = create_renderer("synthetic")
    env.reset(seed=5)
    expected = []
    while True:
        *_, terminated, truncated, info = env.step(np.array([0.6, 0.1], np.float32))
        base = env.unwrapped
        expected.append(renderer.render_for_encoder(base.static_scene(), base.frame_snapshot()))
        if terminated or truncated:
            break
    env.close()
    raw = np.frombuffer(Path(info["video"]["path"]).read_bytes(), np.uint8)
    np.testing.assert_array_equal(raw.reshape(len(expected), -1), np.stack(expected))


def test_decoded_video_looks_like_render(tmp_path):
    env = VideoArtifactWrapper(make(steps=5), video_dir=tmp_path)
    trace, rendered = rollout(env, seed=2, render=True)
    env.close()
    decoded = decoded_frames(trace[-1][-1]["video"]["path"])
    err = np.abs(decoded[-1].astype(int) - rendered[-1].astype(int)).mean()
    assert err < 6, err


def test_sim_view_without_pygame_falls_back_with_note(tmp_path):
    code = (
        "import sys, json; sys.modules['pygame'] = None\n"
        "import gymnasium as gym, numpy as np, robot_sf_gym_video\n"
        "from robot_sf_gym_video import VideoArtifactWrapper\n"
        "env = gym.make(robot_sf_gym_video.ENV_ID, scenario='empty', render_mode='rgb_array',"
        " renderer='sim-view', max_steps=4)\n"
        f"env = VideoArtifactWrapper(env, renderer='sim-view', video_dir={str(tmp_path)!r})\n"
        "env.reset(seed=1)\n"
        "for _ in range(4): info = env.step(np.zeros(2, np.float32))[-1]\n"
        "env.close(); print(json.dumps(info['video']))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    video = json.loads(out.stdout.strip().splitlines()[-1])
    assert video["renderer"] == "synthetic"
    assert "sim-view" in video["notes"]
    assert count_frames(video["path"]) == 4


def _lidar_pixels(tmp_path, **wrapper_kwargs):
    from robot_sf_gym_video.render.palette import PALETTE_RGB, Ink

    env = VideoArtifactWrapper(
        make("sim-view", steps=4),
        renderer="sim-view",
        video_dir=tmp_path,
        recorder_options=RecorderOptions(frame_format="rgb24", writer_factory=dump_factory),
        **wrapper_kwargs,
    )
    trace, _ = rollout(env, seed=5)
    env.close()
    raw = np.frombuffer(Path(trace[-1][-1]["video"]["path"]).read_bytes(), np.uint8)
    pixels = raw.reshape(-1, 3)
    return int(np.all(pixels == PALETTE_RGB[Ink.LIDAR], axis=-1).sum())


def test_lidar_fan_is_off_in_videos_unless_asked(tmp_path):
    assert _lidar_pixels(tmp_path / "default") == 0
    assert _lidar_pixels(tmp_path / "on", show_lidar=True) > 200


def test_snapshots_leave_lidar_out_when_no_renderer_draws_it():
    from robot_sf_gym_video.sim.snapshot import unpack_snapshot
    from robot_sf_gym_video.video.capture import snapshot_packer

    env = make(steps=5)
    env.reset(seed=2)
    env.step(np.array([0.6, 0.1], np.float32))
    unwrapped = env.unwrapped
    full = unpack_snapshot(snapshot_packer(unwrapped)())
    bare = unpack_snapshot(snapshot_packer(unwrapped, lidar=False)())
    assert len(full.lidar_ranges_m) > 0 and len(bare.lidar_ranges_m) == 0
    for name in ("robot_pose", "robot_velocity", "ped_positions_m", "trail_m"):
        np.testing.assert_array_equal(getattr(full, name), getattr(bare, name))
    assert (full.step, full.collision, full.outcome) == (bare.step, bare.collision, bare.outcome)
    unwrapped.frame_snapshot()  # the cached-snapshot path leaves lidar out too
    assert len(unpack_snapshot(unwrapped.packed_frame_snapshot(lidar=False)).lidar_ranges_m) == 0
    env.close()


class _WholeTrails(robot_sf_gym_video.SocialNavEnv):
    """SocialNav whose packets always carry the whole trail (no ``cursor``: no deltas)."""

    def packed_frame_snapshot(self, lidar: bool = True) -> bytes:
        return super().packed_frame_snapshot(lidar)


@pytest.mark.parametrize("recorder", ["process", "thread"])
def test_trail_deltas_make_the_same_files_as_whole_trails(tmp_path, recorder):
    """Clips inside one episode, across a reset, and after an earlier clip of the same
    episode (the recorder's decoder starts afresh at each take) are byte-identical to the
    files made from whole trails, so every trail was put together exactly."""
    import hashlib

    digests = {}
    for name, cls in (("delta", robot_sf_gym_video.SocialNavEnv), ("whole", _WholeTrails)):
        env = VideoArtifactWrapper(
            cls(scenario="empty", max_steps=30, render_mode="rgb_array"),
            video_dir=tmp_path / name,
            step_trigger=lambda s: s in (3, 20, 45),
            video_length=12,
            recorder_options=RecorderOptions(recorder=recorder),
        )
        env.reset(seed=7)
        for _ in range(80):
            _, _, terminated, truncated, _ = env.step(np.array([0.3, 0.4], np.float32))
            if terminated or truncated:
                env.reset()
        env.close()
        digests[name] = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((tmp_path / name).glob("*.mp4"))
        }
    assert len(digests["delta"]) == 3
    assert digests["delta"] == digests["whole"]
