"""The wrapper keeps Gymnasium's conventions: rebuildable from its spec, checkable, env defaults."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import robot_sf_gym_video  # noqa: F401  (registers the env)
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.video.options import RecorderOptions
from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

from .helpers import count_frames

SOCIAL = "robot_sf_gym_video/SocialNav-v0"


def _episode(env, seed):
    """Run one episode; return the last info, with every info key seen on the way."""
    env.reset(seed=seed)
    env.action_space.seed(seed)
    seen = {}
    while True:
        *_, terminated, truncated, info = env.step(env.action_space.sample())
        seen.update(info)
        if terminated or truncated:
            return seen


def test_check_env_socialnav(tmp_path):
    env = VideoArtifactWrapper(
        gym.make(SOCIAL, scenario="crossing", render_mode="rgb_array", max_steps=12),
        video_dir=tmp_path,
    )
    check_env(env)  # render check included: SocialNav only has rgb_array
    env.close()


def test_check_env_cartpole(tmp_path):
    env = VideoArtifactWrapper(gym.make("CartPole-v1", render_mode="rgb_array"), video_dir=tmp_path)
    # CartPole also declares "human", which cannot be filmed: the re-made env is refused
    check_env(env, skip_render_check=True)
    env.close()


def test_make_from_spec_rebuilds_an_equivalent_wrapper(tmp_path):
    env = VideoArtifactWrapper(
        gym.make(SOCIAL, scenario="corridor", render_mode="rgb_array", max_steps=7),
        video_dir=tmp_path,
        video_length=5,
        name_prefix="again",
        recorder_options=RecorderOptions(recorder="thread"),
    )
    spec = env.spec
    assert spec.additional_wrappers[-1].entry_point.endswith(":VideoArtifactWrapper")
    clone = gym.make(spec)
    assert isinstance(clone, VideoArtifactWrapper)
    assert clone.spec.additional_wrappers == spec.additional_wrappers
    a, b = _episode(env, 3), _episode(clone, 3)
    env.close()
    clone.close()
    assert a["video_clip"]["sha256"] == b["video_clip"]["sha256"]
    assert a["video_clip"]["frames"] == b["video_clip"]["frames"] == 5
    assert a["metrics"] == b["metrics"]


def test_renderer_none_means_the_envs_own(tmp_path):
    env = gym.make(SOCIAL, render_mode="rgb_array", renderer="sim-view", max_steps=4)
    env = VideoArtifactWrapper(env, video_dir=tmp_path)
    assert env.renderer_choice == "sim-view"
    info = _episode(env, 0)
    env.close()
    assert info["video"]["renderer"] in ("sim-view", "synthetic")  # synthetic: pygame fell back
    if info["video"]["renderer"] == "synthetic":
        assert "notes" in info["video"]
    assert count_frames(info["video"]["path"]) == 4


def test_folder_made_at_construction_and_existing_videos_warned(tmp_path, caplog):
    folder = tmp_path / "v"
    VideoArtifactWrapper(gym.make("CartPole-v1", render_mode="rgb_array"), video_dir=folder)
    assert folder.is_dir() and list(folder.iterdir()) == []
    (folder / "someone_elses.mp4").write_bytes(b"x")
    with caplog.at_level("WARNING", "robot_sf_gym_video"):
        env = VideoArtifactWrapper(
            gym.make("CartPole-v1", render_mode="rgb_array"), video_dir=folder
        )
        env.close()
    assert [r.getMessage() for r in caplog.records if "already holds 1 MP4" in r.getMessage()]
    assert len(caplog.records) == 1


def test_disabled_makes_no_folder(tmp_path):
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    VideoArtifactWrapper(env, video_dir=tmp_path / "v", enabled=False).close()
    assert not (tmp_path / "v").exists()


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"video_length": -1}, "video_length -1"),
        ({"video_length": 2.5}, "video_length 2.5"),
        ({"scenario": "a", "name_prefix": "b"}, "name_prefix 'b'"),
        ({"renderer": "fancy"}, "renderer 'fancy'"),
        ({"recorder_options": {"encoder": "pyav"}}, "RecorderOptions"),
    ],
)
def test_bad_options_are_one_clear_error(tmp_path, kwargs, words):
    env = gym.make("CartPole-v1", render_mode="rgb_array")
    with pytest.raises(UsageError, match=words):
        VideoArtifactWrapper(env, video_dir=tmp_path, **kwargs)


def test_bad_recorder_option_names_the_value():
    with pytest.raises(UsageError, match="encoder 'x264' is not one of: auto, ffmpeg, pyav"):
        RecorderOptions(encoder="x264")


def test_observations_untouched_by_spec_rebuild(tmp_path):
    plain = gym.make(SOCIAL, render_mode="rgb_array", max_steps=6)
    wrapped = gym.make(VideoArtifactWrapper(plain, video_dir=tmp_path).spec)
    fresh = gym.make(SOCIAL, render_mode="rgb_array", max_steps=6)
    o1, _ = wrapped.reset(seed=4)
    o2, _ = fresh.reset(seed=4)
    np.testing.assert_array_equal(o1, o2)
    wrapped.close()
    plain.close()
    fresh.close()
