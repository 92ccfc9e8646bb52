"""VideoArtifactWrapper on ordinary Gymnasium envs (frames from env.render(), renderer "env")."""

import hashlib
import logging
import os
import re
import signal
import threading
from pathlib import Path

import gymnasium as gym
import numpy as np
import psutil
import pytest

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.video import backend as backend_mod
from robot_sf_gym_video.video.options import RecorderOptions
from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

from .fakes import dump_factory
from .helpers import count_frames, decoded_frames, leftovers, wait_for_encoders


def cartpole(**kw):
    return gym.make("CartPole-v1", render_mode="rgb_array", **kw)


def run_episode(env, seed=None, actions=None, max_steps=10_000):
    obs, info = env.reset(seed=seed)
    trace = [(obs, info)]
    for t in range(max_steps):
        action = actions[t % len(actions)] if actions else t % 2
        obs, reward, terminated, truncated, info = env.step(action)
        trace.append((obs, reward, terminated, truncated, info))
        if terminated or truncated:
            break
    return trace


def test_frames_equal_steps_and_naming(tmp_path):
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path / "v")
    for ep, seed in enumerate((3, 4)):
        trace = run_episode(env, seed=seed)
        steps = len(trace) - 1
        info = trace[-1][-1]
        video = info["video"]
        assert "video_skip" not in info
        assert video["frames"] == steps
        assert video["renderer"] == "env"
        assert video["format"] == "mp4"
        assert os.path.basename(video["path"]) == f"CartPole-v1__{seed}__{ep}.mp4"
        assert os.path.getsize(video["path"]) == video["filesize_bytes"]
        assert count_frames(video["path"]) == steps
    env.close()
    assert leftovers(tmp_path / "v") == []


def test_untouched_obs_reward_info(tmp_path):
    actions = [0, 1, 1, 0, 1]
    plain = run_episode(cartpole(), seed=11, actions=actions)
    wrapped_env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path)
    wrapped = run_episode(wrapped_env, seed=11, actions=actions)
    wrapped_env.close()
    assert len(plain) == len(wrapped)
    for a, b in zip(plain[:-1], wrapped[:-1], strict=True):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            if isinstance(x, np.ndarray):
                np.testing.assert_array_equal(x, y)
                assert x.dtype == y.dtype
            else:
                assert x == y
    last_plain, last_wrapped = plain[-1], wrapped[-1]
    for x, y in zip(last_plain[:4], last_wrapped[:4], strict=True):
        np.testing.assert_array_equal(x, y)
    extra = {k: v for k, v in last_wrapped[4].items() if k not in last_plain[4]}
    assert set(extra) == {"video"}
    assert {k: last_wrapped[4][k] for k in last_plain[4]} == last_plain[4]


def test_same_seed_same_bytes(tmp_path):
    digests = []
    for run in ("a", "b"):
        env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path / run)
        info = run_episode(env, seed=5)[-1][-1]
        env.close()
        digests.append(info["video"]["sha256"])
        data = Path(info["video"]["path"]).read_bytes()
        digests.append(hashlib.sha256(data).hexdigest())
    assert len(set(digests)) == 1


def test_recorded_frames_equal_render(tmp_path):
    env = VideoArtifactWrapper(
        cartpole(max_episode_steps=6),
        video_dir=tmp_path,
        recorder_options=RecorderOptions(writer_factory=dump_factory),
    )
    env.reset(seed=2)
    expected = []
    for t in range(6):
        info = env.step(t % 2)[-1]
        expected.append(env.render().copy())
    env.close()
    raw = Path(info["video"]["path"]).read_bytes()
    h, w = expected[0].shape[:2]
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    assert info["video"]["frames"] == 6
    np.testing.assert_array_equal(frames, np.stack(expected))


class OddEnv(gym.Env):
    """Returns 33x21 frames from one reused buffer (both edge cases at once)."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 5}
    observation_space = gym.spaces.Discrete(2)
    action_space = gym.spaces.Discrete(2)
    render_mode = "rgb_array"

    def __init__(self):
        self.buf = np.zeros((21, 33, 3), np.uint8)
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return 0, {}

    def step(self, action):
        self.t += 1
        return 0, 0.0, False, self.t >= 8, {}

    def render(self):
        self.buf[:] = self.t * 30
        return self.buf


def test_odd_sizes_padded_and_reused_buffer_copied(tmp_path):
    env = VideoArtifactWrapper(OddEnv(), video_dir=tmp_path, scenario="odd")
    info = run_episode(env, seed=0)[-1][-1]
    env.close()
    frames = decoded_frames(info["video"]["path"])
    assert len(frames) == 8
    assert frames[0].shape == (22, 34, 3)
    greys = [int(f[10, 10].mean()) for f in frames]
    assert all(abs(g - 30 * (i + 1)) < 6 for i, g in enumerate(greys)), greys


def test_needs_rgb_array():
    with pytest.raises(UsageError, match="render_mode='rgb_array'"):
        VideoArtifactWrapper(gym.make("CartPole-v1"))
    VideoArtifactWrapper(gym.make("CartPole-v1"), renderer="none").close()
    VideoArtifactWrapper(gym.make("CartPole-v1"), enabled=False).close()


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"renderer": "opengl"}, "renderer"),
        ({"finalize": "later"}, "finalize"),
        ({"fps": 0}, "fps"),
        ({"video_size": (320, 240)}, "video_size"),
    ],
)
def test_bad_options(kwargs, word):
    with pytest.raises(UsageError, match=word):
        VideoArtifactWrapper(cartpole(), **kwargs)


@pytest.mark.parametrize("kwargs", [{"enabled": False}, {"renderer": "none"}])
def test_disabled_is_pure_pass_through(tmp_path, monkeypatch, kwargs, procs):
    def boom():
        raise AssertionError("probed")

    monkeypatch.setattr(backend_mod, "probe_encoder", boom)
    threads = threading.active_count()
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path / "v", **kwargs)
    info = run_episode(env, seed=1)[-1][-1]
    assert not {"video", "video_skip", "video_pending"} & set(info)
    assert threading.active_count() == threads
    assert procs.new() == []
    env.close()
    assert not (tmp_path / "v").exists()
    assert env.collect_artifacts() == []


def test_start_stop_recording(tmp_path):
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path, enabled=False)
    assert "video" not in run_episode(env, seed=1)[-1][-1]
    env.start_recording()
    assert run_episode(env, seed=2)[-1][-1]["video"]["path"].endswith("CartPole-v1__2__1.mp4")
    env.stop_recording()
    assert "video" not in run_episode(env, seed=3)[-1][-1]
    env.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CartPole-v1__2__1.mp4"]
    with pytest.raises(UsageError):
        VideoArtifactWrapper(cartpole(), renderer="none").start_recording()


def test_identity_and_unseeded_names(tmp_path):
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path)
    env.set_episode_identity("my scen/../x", 77, 4)
    a = run_episode(env, seed=1)[-1][-1]["video"]["path"]
    b = run_episode(env)[-1][-1]["video"]["path"]  # seed None: claims no seed
    env.close()
    assert os.path.basename(a) == "my-scen-..-x__77__4.mp4"
    assert re.fullmatch(r"CartPole-v1__u[0-9a-f]+__1\.mp4", os.path.basename(b))
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path, scenario="cp")
    c = run_episode(env)[-1][-1]["video"]["path"]
    env.close()
    assert re.fullmatch(r"cp__u[0-9a-f]+__0\.mp4", os.path.basename(c))
    assert os.path.basename(b).split("__")[1] != os.path.basename(c).split("__")[1]


def test_close_mid_episode_leaves_nothing(tmp_path, procs):
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path)
    env.reset(seed=0)
    for _ in range(5):
        env.step(0)
    env.close()
    env.close()
    assert list(tmp_path.iterdir()) == []
    assert env.collect_artifacts() == []
    assert procs.new() == []


def test_zero_step_episode(tmp_path):
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path)
    env.reset(seed=0)
    env.reset(seed=1)  # the first episode had no step
    env.close()  # and neither had the second
    results = env.collect_artifacts()
    assert [r[1]["video_skip"]["reason"] for r in results] == ["no-frames", "no-frames"]
    assert [r[1]["video_skip"]["steps"] for r in results] == [0, 0]
    assert not list(tmp_path.glob("*.mp4"))
    assert leftovers(tmp_path) == []


def test_background_finalize_and_callback(tmp_path):
    got = []
    env = VideoArtifactWrapper(
        cartpole(), video_dir=tmp_path, finalize="background", on_artifact=lambda *a: got.append(a)
    )
    infos = [run_episode(env, seed=s)[-1][-1] for s in (1, 2, 3)]
    assert [i["video_pending"] for i in infos] == [
        "CartPole-v1__1__0",
        "CartPole-v1__2__1",
        "CartPole-v1__3__2",
    ]
    assert all("video" not in i for i in infos)
    assert env.collect_artifacts(wait=True) == []  # delivered to the callback instead
    env.close()
    assert [g[0] for g in got] == [i["video_pending"] for i in infos]
    for _, payload in got:
        assert count_frames(payload["video"]["path"]) == payload["video"]["frames"]


def test_background_collect(tmp_path):
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path, finalize="background")
    steps = [len(run_episode(env, seed=s)) - 1 for s in (1, 2)]
    results = env.collect_artifacts(wait=True)
    assert [r[1]["video"]["frames"] for r in results] == steps
    assert env.collect_artifacts(wait=True) == []
    env.close()


def test_reset_mid_episode_finalises_partial(tmp_path):
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path)
    env.reset(seed=9)
    for _ in range(4):
        env.step(1)
    env.reset(seed=10)
    env.close()
    [(eid, payload), (eid2, payload2)] = env.collect_artifacts()
    assert (eid2, payload2["video_skip"]["reason"]) == ("CartPole-v1__10__1", "no-frames")
    assert eid == "CartPole-v1__9__0"
    assert payload["video"]["frames"] == 4
    assert count_frames(payload["video"]["path"]) == 4


def test_ffmpeg_dying_mid_episode(tmp_path, caplog, procs):
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path)
    env.reset(seed=0)
    for _ in range(3):
        env.step(0)
    victims = wait_for_encoders(
        2, watch=procs
    )  # the episode's encoder and the spare for the next one
    for proc in victims:
        os.kill(proc.pid, signal.SIGKILL)
    psutil.wait_procs(victims, timeout=5)
    steps = 3
    with caplog.at_level(logging.WARNING, "robot_sf_gym_video"):
        while True:
            _, _, terminated, truncated, info = env.step(0)
            steps += 1
            if terminated or truncated:
                break
    skip = info["video_skip"]
    assert skip["reason"] == "encode-error"
    assert skip["steps"] == steps
    assert "CartPole-v1__0__0" in caplog.text
    assert not list(tmp_path.glob("*.mp4"))
    # the next episode records normally (a dead spare is replaced)
    info = run_episode(env, seed=1)[-1][-1]
    assert count_frames(info["video"]["path"]) == info["video"]["frames"]
    env.close()
    assert leftovers(tmp_path) == []


def test_unwritable_dir(tmp_path, caplog):
    blocker = tmp_path / "videos"
    blocker.write_text("not a folder")
    env = VideoArtifactWrapper(cartpole(), video_dir=blocker)
    with caplog.at_level(logging.DEBUG, "robot_sf_gym_video"):
        infos = [run_episode(env, seed=s)[-1][-1] for s in (1, 2)]
    env.close()
    assert [i["video_skip"]["reason"] for i in infos] == ["unwritable-path"] * 2
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len([r for r in warnings if "unwritable-path" in r.getMessage()]) <= 1
    assert blocker.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["videos"]


def test_codec_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "nonexistent"))
    env = VideoArtifactWrapper(cartpole(), video_dir=tmp_path / "v")
    trace = run_episode(env, seed=0)
    env.close()
    skip = trace[-1][-1]["video_skip"]
    assert skip["reason"] == "codec-unavailable"
    assert skip["steps"] == len(trace) - 1
    assert list((tmp_path / "v").iterdir()) == []  # made at construction, left empty


@pytest.mark.parametrize("vector_cls", [gym.vector.SyncVectorEnv, gym.vector.AsyncVectorEnv])
def test_vector_envs(tmp_path, vector_cls):
    def make(i):
        return lambda: VideoArtifactWrapper(
            gym.make("CartPole-v1", render_mode="rgb_array", max_episode_steps=12),
            video_dir=tmp_path,
            scenario=f"cp{i}",
        )

    envs = vector_cls([make(i) for i in range(2)])
    envs.reset(seed=[100, 200])
    ended = []
    for _ in range(30):
        info = envs.step(np.zeros(2, dtype=np.int64))[-1]
        if "video" in info:
            mask = info["_video"]
            ended += [
                (info["video"]["frames"][i], info["video"]["path"][i]) for i in np.flatnonzero(mask)
            ]
    envs.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(ended) >= 4
    assert sorted(os.path.basename(p) for _, p in ended) == files
    for frames, path in ended:
        assert 0 < frames <= 12
        assert count_frames(path) == frames
    assert leftovers(tmp_path) == []


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_dead_writer_thread_does_not_hang_the_env(tmp_path, monkeypatch):
    from robot_sf_gym_video.video import recorder as frame_recorder

    def crash(*args, **kwargs):
        raise SystemExit  # kills the writer thread outright (not an Exception)

    monkeypatch.setattr(frame_recorder, "to_rgb24", crash)
    env = VideoArtifactWrapper(cartpole(max_episode_steps=40), video_dir=tmp_path)
    trace = run_episode(env, seed=0, actions=[0, 1])
    env.close()
    assert trace[-1][-1]["video_skip"]["reason"] == "encode-error"
    assert leftovers(tmp_path) == []
    assert not list(tmp_path.glob("*.mp4"))


def test_writer_error_fails_only_that_episode(tmp_path, monkeypatch):
    from robot_sf_gym_video.video import recorder as frame_recorder

    real = frame_recorder.to_rgb24
    calls = {"n": 0}

    def flaky(frame):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("bad frame")
        return real(frame)

    monkeypatch.setattr(frame_recorder, "to_rgb24", flaky)
    env = VideoArtifactWrapper(cartpole(max_episode_steps=10), video_dir=tmp_path)
    first = run_episode(env, seed=0, actions=[0, 1])[-1][-1]
    second = run_episode(env, seed=1, actions=[0, 1])[-1][-1]
    env.close()
    assert first["video_skip"]["reason"] == "encode-error"
    assert "bad frame" in first["video_skip"]["message"]
    assert count_frames(second["video"]["path"]) == 10
