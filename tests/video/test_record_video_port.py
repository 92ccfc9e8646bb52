"""Gymnasium's ``tests/wrappers/test_record_video.py`` intents, ported to ``VideoArtifactWrapper``.

Each test names the RecordVideo intent it ports. Where this wrapper deliberately differs
(documented in ``docs/wrapper.md``, "Semantics against RecordVideo"), the test asserts this
wrapper's behaviour and says why:

- one frame per step, none at ``reset()`` (RecordVideo films the reset frame too), so an
  N-step take decodes to exactly N frames;
- ``video_length=N`` caps a take at N frames (RecordVideo's check lets N + 1 through);
- a step trigger that fires during a whole-episode file does not cut it (RecordVideo ends
  the episode video and starts a step video), so whole-episode files keep frames == steps;
- ``close()`` mid-take discards it unless ``keep_unfinished=True`` (RecordVideo saves it).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.wrappers import RenderCollection

import robot_sf_gym_video  # noqa: F401  (registers SocialNav)
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.video.take import capped_cubic_video_schedule
from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

from .helpers import count_frames, leftovers

SOCIAL = "robot_sf_gym_video/SocialNav-v0"


def cartpole(max_episode_steps=None, render_mode="rgb_array"):
    return gym.make("CartPole-v1", render_mode=render_mode, max_episode_steps=max_episode_steps)


def mp4s(folder):
    return sorted(p.name for p in folder.glob("*.mp4"))


def run_steps(env, n, seed=123):
    """Step ``n`` times, resetting at episode ends (as Gymnasium's tests do); return infos."""
    env.reset(seed=seed)
    env.action_space.seed(seed)
    infos = []
    for _ in range(n):
        *_, terminated, truncated, info = env.step(env.action_space.sample())
        infos.append(info)
        if terminated or truncated:
            env.reset()
    return infos


def run_episodes(env, n, seed=0):
    lengths, ends = [], []
    for e in range(n):
        env.reset(seed=seed + e)
        env.action_space.seed(seed + e)
        steps = 0
        while True:
            *_, terminated, truncated, info = env.step(env.action_space.sample())
            steps += 1
            if terminated or truncated:
                break
        lengths.append(steps)
        ends.append(info)
    return lengths, ends


# -- folder and names ---------------------------------------------------------------------
def test_video_folder_created_and_names(tmp_path):
    """RecordVideo: test_video_folder_and_filenames (folder made, prefix used)."""
    folder = tmp_path / "custom_video_folder"
    env = VideoArtifactWrapper(
        cartpole(), video_dir=folder, name_prefix="video-prefix", episode_trigger=lambda i: i < 2
    )
    assert folder.is_dir()  # at construction, before any episode
    lengths, _ = run_episodes(env, 3)
    env.close()
    assert mp4s(folder) == ["video-prefix__0__0.mp4", "video-prefix__1__1.mp4"]
    assert [count_frames(folder / n) for n in mp4s(folder)] == lengths[:2]


def test_record_video_reset_returns_env_values(tmp_path):
    """RecordVideo: test_record_video_reset (reset returns obs in space and an info dict)."""
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path, step_trigger=lambda s: s % 100 == 0)
    obs, info = env.reset()
    env.close()
    assert env.observation_space.contains(obs) and isinstance(info, dict)
    assert tmp_path.is_dir() and mp4s(tmp_path) == []


# -- episode triggers --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "trigger",
    [None, lambda x: x in [0, 3, 5, 10, 12], capped_cubic_video_schedule],
    ids=["default-every-episode", "list", "capped-cubic"],
)
def test_episodic_trigger(tmp_path, trigger):
    """RecordVideo: test_episodic_trigger. Deliberate difference: without a trigger every
    episode is filmed (this wrapper's contract), not RecordVideo's capped cubic schedule,
    which is offered as ``capped_cubic_video_schedule``."""
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path, episode_trigger=trigger)
    infos = run_steps(env, 199)
    episodes = env._episode_index + 1
    env.close()
    expected = sum(bool((trigger or (lambda i: True))(i)) for i in range(episodes))
    finished = sum("video" in i for i in infos)
    assert len(mp4s(tmp_path)) == finished <= expected
    assert expected - finished <= 1  # the last, unfinished episode is discarded at close


def test_every_other_episode_gives_two_files(tmp_path):
    """Done-when: episode_trigger=lambda i: i % 2 == 0 over 4 episodes gives 2 files."""
    env = gym.make(SOCIAL, scenario="crossing", max_steps=25)
    env = VideoArtifactWrapper(env, video_dir=tmp_path, episode_trigger=lambda i: i % 2 == 0)
    lengths, ends = run_episodes(env, 4)
    env.close()
    assert mp4s(tmp_path) == ["crossing__0__0.mp4", "crossing__2__2.mp4"]
    assert ["video" in info for info in ends] == [True, False, True, False]
    for name, steps in zip(mp4s(tmp_path), (lengths[0], lengths[2]), strict=True):
        assert count_frames(tmp_path / name) == steps


def test_capped_cubic_matches_gymnasium():
    from gymnasium.utils.save_video import capped_cubic_video_schedule as theirs

    assert [capped_cubic_video_schedule(i) for i in range(3000)] == [theirs(i) for i in range(3000)]


# -- step triggers and clips --------------------------------------------------------------------
def test_step_trigger(tmp_path):
    """RecordVideo: test_step_trigger (x % 100 == 0 over 199 steps gives 2 videos)."""
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path, step_trigger=lambda x: x % 100 == 0)
    infos = run_steps(env, 199)
    env.close()
    clips = [i["video_clip"] for i in infos if "video_clip" in i]
    names = mp4s(tmp_path)
    assert all(n.startswith("CartPole-v1__clip-") for n in names)
    assert [c["first_step"] for c in clips] == [0, 100][: len(clips)]
    assert 1 <= len(names) <= 2  # a clip still running at close() is discarded
    for clip in clips:
        assert count_frames(clip["path"]) == clip["frames"]


def test_step_trigger_clip_spans_resets_with_video_length(tmp_path):
    """RecordVideo: a capped step clip runs across resets (CartPole episodes are short)."""
    env = VideoArtifactWrapper(
        cartpole(max_episode_steps=20),
        video_dir=tmp_path,
        step_trigger=lambda x: x % 100 == 0,
        video_length=50,
    )
    infos = run_steps(env, 199)
    env.close()
    clips = [i["video_clip"] for i in infos if "video_clip" in i]
    assert [c["first_step"] for c in clips] == [0, 100]
    assert [c["frames"] for c in clips] == [50, 50]
    assert mp4s(tmp_path) == ["CartPole-v1__clip-0__0.mp4", "CartPole-v1__clip-100__1.mp4"]
    assert [count_frames(c["path"]) for c in clips] == [50, 50]


def test_socialnav_clip_spans_resets(tmp_path):
    """A SocialNav clip across a reset gets the new episode's static scene (no error)."""
    env = gym.make(SOCIAL, scenario="crossing", max_steps=15)
    env = VideoArtifactWrapper(
        env, video_dir=tmp_path, step_trigger=lambda s: s == 5, video_length=30
    )
    infos = run_steps(env, 40, seed=1)
    env.close()
    [clip] = [i["video_clip"] for i in infos if "video_clip" in i]
    assert (clip["first_step"], clip["frames"]) == (5, 30)
    assert count_frames(clip["path"]) == 30


def test_both_episodic_and_step_trigger(tmp_path):
    """RecordVideo: test_both_episodic_and_step_trigger (episode files plus a step clip)."""
    env = VideoArtifactWrapper(
        cartpole(),
        video_dir=tmp_path,
        step_trigger=lambda x: x == 100,
        episode_trigger=lambda x: x in (0, 3),
    )
    infos = run_steps(env, 199)
    env.close()
    names = mp4s(tmp_path)
    episodes = [n for n in names if "__clip-" not in n]
    assert len(episodes) == 2  # episodes 0 and 3, whole
    assert sum("video_clip" in i for i in infos) <= 1
    for info in infos:
        if "video" in info:
            assert count_frames(info["video"]["path"]) == info["video"]["frames"]


def test_step_trigger_does_not_cut_a_whole_episode(tmp_path):
    """Deliberate difference: a whole-episode file keeps frames == steps."""
    env = VideoArtifactWrapper(
        cartpole(),
        video_dir=tmp_path,
        episode_trigger=lambda i: True,
        step_trigger=lambda s: s == 5,
    )
    lengths, ends = run_episodes(env, 1)
    env.close()
    assert lengths[0] > 5
    assert ends[0]["video"]["frames"] == lengths[0] == count_frames(ends[0]["video"]["path"])
    assert mp4s(tmp_path) == ["CartPole-v1__0__0.mp4"]


def test_video_length(tmp_path):
    """RecordVideo: test_video_length (recording stops once the clip is full)."""
    env = VideoArtifactWrapper(
        cartpole(), video_dir=tmp_path, step_trigger=lambda x: x == 0, video_length=10
    )
    env.reset(seed=123)
    env.action_space.seed(123)
    for _ in range(9):
        env.step(env.action_space.sample())
    assert env.recording
    info = env.step(env.action_space.sample())[-1]
    assert not env.recording  # exactly 10 frames (RecordVideo lets an 11th in)
    env.step(env.action_space.sample())
    env.close()
    assert info["video_clip"]["frames"] == 10 == count_frames(info["video_clip"]["path"])
    assert len(mp4s(tmp_path)) == 1


def test_video_length_50_on_a_200_step_episode(tmp_path):
    """Done-when: video_length=50 on a 200-step episode gives one 50-frame clip."""
    got = []
    env = gym.make(SOCIAL, scenario="empty", max_steps=200)
    env = VideoArtifactWrapper(
        env, video_dir=tmp_path, video_length=50, on_artifact=lambda n, p: got.append((n, p))
    )
    lengths, _ = run_episodes(env, 1)
    env.close()
    assert lengths == [200]
    [(name, payload)] = got  # clips also reach on_artifact
    clip = payload["video_clip"]
    assert name == "empty__clip-0__0" and clip["frames"] == 50 and clip["first_step"] == 0
    assert len(clip["sha256"]) == 64
    assert count_frames(clip["path"]) == 50
    assert mp4s(tmp_path) == ["empty__clip-0__0.mp4"]


def test_background_clip_is_pending_then_collected(tmp_path):
    env = VideoArtifactWrapper(
        cartpole(), video_dir=tmp_path, video_length=5, finalize="background"
    )
    infos = run_steps(env, 5)
    assert infos[-1]["video_clip_pending"] == "CartPole-v1__clip-0__0"
    [(name, payload)] = env.collect_artifacts(wait=True)
    env.close()
    assert name == "CartPole-v1__clip-0__0" and payload["video_clip"]["frames"] == 5


# -- episodes cut short -----------------------------------------------------------------------
def test_multiple_episodes(tmp_path):
    """RecordVideo intent: several episodes, one file each, frames == steps."""
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path)
    lengths, ends = run_episodes(env, 3)
    env.close()
    assert [count_frames(e["video"]["path"]) for e in ends] == lengths
    assert leftovers(tmp_path) == []


def test_reset_before_episode_end(tmp_path):
    """RecordVideo intent: reset mid-episode saves what was filmed (marked incomplete)."""
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path)
    env.reset(seed=1)
    for _ in range(7):
        env.step(0)
    env.reset(seed=2)
    [(name, payload)] = env.collect_artifacts(wait=True)
    env.close()
    assert name == "CartPole-v1__1__0"
    assert payload["video"]["complete"] is False and payload["video"]["frames"] == 7
    assert count_frames(payload["video"]["path"]) == 7


def test_close_mid_episode_discards_by_default(tmp_path):
    """Deliberate difference: close() mid-episode leaves no file unless keep_unfinished."""
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path)
    env.reset(seed=1)
    for _ in range(5):
        env.step(0)
    env.close()
    assert mp4s(tmp_path) == [] and leftovers(tmp_path) == []
    assert env.collect_artifacts() == []


def test_keep_unfinished_close_after_30_steps(tmp_path):
    """Done-when: keep_unfinished + close() after 30 steps: a valid 30-frame file, incomplete."""
    env = gym.make(SOCIAL, scenario="crossing", max_steps=300)
    env = VideoArtifactWrapper(env, video_dir=tmp_path, keep_unfinished=True)
    env.reset(seed=4)
    env.action_space.seed(4)
    for _ in range(30):
        env.step(env.action_space.sample())
    env.close()
    [(name, payload)] = env.collect_artifacts()
    video = payload["video"]
    assert name == "crossing__4__0" and video["complete"] is False
    assert video["frames"] == 30 == count_frames(video["path"])
    assert leftovers(tmp_path) == []


def test_step_after_close_passes_through(tmp_path):
    """RecordVideo intent: stepping after close() neither raises nor records."""
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path)
    env.reset(seed=0)
    env.step(0)
    env.close()
    env.reset(seed=1)
    info = env.step(0)[-1]
    assert not env.recording and not {"video", "video_skip"} & set(info)
    env.close()  # idempotent
    assert mp4s(tmp_path) == []


# -- render modes ----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [None, "human", "ansi"])
def test_render_mode_checked(tmp_path, mode):
    """RecordVideo: a render_mode that gives no image is refused at construction."""
    if mode == "ansi":
        env = gym.make("FrozenLake-v1", render_mode="ansi")
    else:
        env = cartpole(render_mode=mode)
    with pytest.raises(UsageError, match="rgb_array"):
        VideoArtifactWrapper(env, video_dir=tmp_path)
    env.close()


def test_rgb_array_list_mode_is_filmed(tmp_path):
    """rgb_array_list (gym.make adds RenderCollection): last frame of each list is filmed."""
    env = VideoArtifactWrapper(cartpole(render_mode="rgb_array_list"), video_dir=tmp_path)
    lengths, ends = run_episodes(env, 1)
    env.close()
    assert count_frames(ends[0]["video"]["path"]) == lengths[0]


@pytest.mark.parametrize("inside", [True, False], ids=["collection-inside", "collection-outside"])
def test_with_render_collection(tmp_path, inside, n_steps=10):
    """RecordVideo: test_with_rgb_array_list, RenderCollection inside and outside: the user's
    render() returns every frame since the last call (reset frame + one per step)."""
    if inside:
        env = VideoArtifactWrapper(RenderCollection(cartpole()), video_dir=tmp_path)
    else:
        env = RenderCollection(VideoArtifactWrapper(cartpole(), video_dir=tmp_path))
    env.reset(seed=123)
    env.action_space.seed(123)
    for _ in range(n_steps):
        env.step(env.action_space.sample())
    render_out = env.render()
    assert isinstance(render_out, list) and len(render_out) == n_steps + 1
    assert all(isinstance(f, np.ndarray) and f.ndim == 3 for f in render_out)
    assert env.render() == []
    env.close()


def test_render_collection_frames_are_the_filmed_ones(tmp_path):
    """Inside: the filmed frames equal the frames the user's render() list returns."""
    from robot_sf_gym_video.video.options import RecorderOptions

    from .fakes import dump_factory

    env = VideoArtifactWrapper(
        RenderCollection(cartpole(max_episode_steps=6)),
        video_dir=tmp_path,
        recorder_options=RecorderOptions(writer_factory=dump_factory),
    )
    env.reset(seed=3)
    for t in range(6):
        info = env.step(t % 2)[-1]
    frames = env.render()[1:]  # drop the reset frame
    env.close()
    h, w = frames[0].shape[:2]
    raw = np.fromfile(info["video"]["path"], np.uint8).reshape(-1, h, w, 3)
    np.testing.assert_array_equal(raw, np.stack(frames))
