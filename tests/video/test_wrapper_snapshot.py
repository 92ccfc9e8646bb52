"""VideoArtifactWrapper on a SocialNav-like env: snapshots drawn and encoded off the env's thread.

Uses ``fakes.FakeSocialNavEnv`` (the SocialNav hooks, real synthetic renderer) so these tests
do not depend on the simulation; ``test_socialnav_real.py`` repeats the key checks on the
real env.
"""

import dataclasses
import gc
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

from robot_sf_gym_video.render.synthetic import SyntheticRenderer
from robot_sf_gym_video.video.options import RecorderOptions
from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

from .fakes import SIZE, FakeSocialNavEnv, dump_factory, synthetic_factory
from .helpers import count_frames, kill_and_wait, leftovers, wait_for_encoders


def wrap(env, tmp_path, recorder_options=None, **kw):
    opts = recorder_options or RecorderOptions()
    if opts.renderer_factory is None:
        opts = dataclasses.replace(opts, renderer_factory=synthetic_factory)
    return VideoArtifactWrapper(env, video_dir=tmp_path, recorder_options=opts, **kw)


def run(env, seed, n_max=1000):
    trace = [env.reset(seed=seed)]
    rng = np.random.default_rng(seed)
    for _ in range(n_max):
        out = env.step(rng.uniform(-1, 1, 2))
        trace.append(out)
        if out[2] or out[3]:
            break
    return trace


@pytest.mark.parametrize(
    ("mode", "encoder"), [("process", "pyav"), ("process", "ffmpeg"), ("thread", "auto")]
)
def test_frames_equal_steps(tmp_path, mode, encoder, procs):
    env = wrap(
        FakeSocialNavEnv(max_steps=15),
        tmp_path,
        recorder_options=RecorderOptions(recorder=mode, encoder=encoder),
    )
    pids = set()
    for ep in range(2):
        trace = run(env, seed=ep)
        video = trace[-1][-1]["video"]
        assert video["frames"] == 15
        assert video["renderer"] == "synthetic"
        assert Path(video["path"]).name == f"fake-cross__{ep}__{ep}.mp4"
        assert count_frames(video["path"]) == 15
        pids |= {p.pid for p in procs.new(ffmpeg=False)}
    assert len(pids) == (1 if mode == "process" else 0)  # one recorder, alive across episodes
    env.close()
    assert procs.new() == []
    assert leftovers(tmp_path) == []


def test_untouched_and_deterministic(tmp_path):
    plain = run(FakeSocialNavEnv(), seed=3)
    env = wrap(FakeSocialNavEnv(), tmp_path / "a")
    wrapped = run(env, seed=3)
    env.close()
    env = wrap(FakeSocialNavEnv(), tmp_path / "b")
    again = run(env, seed=3)
    env.close()
    for a, b in zip(plain, wrapped, strict=True):
        for x, y in zip(a[:4], b[:4], strict=True):
            np.testing.assert_array_equal(x, y)
        info_a, info_b = a[-1], b[-1]
        assert {k: info_b[k] for k in info_a} == info_a
        assert set(info_b) - set(info_a) <= {"video"}
    va, vb = wrapped[-1][-1]["video"], again[-1][-1]["video"]
    assert va["sha256"] == vb["sha256"]
    assert Path(va["path"]).read_bytes() == Path(vb["path"]).read_bytes()


def test_recorded_frames_equal_env_render(tmp_path):
    """rgb24 mode: the recorder's frames are exactly env.render() at each step."""
    env = wrap(
        FakeSocialNavEnv(max_steps=8),
        tmp_path,
        recorder_options=RecorderOptions(frame_format="rgb24", writer_factory=dump_factory),
    )
    env.reset(seed=4)
    expected = []
    for t in range(8):
        info = env.step(np.array([0.5, 0.1 * t]))[-1]
        expected.append(env.render())
    env.close()
    raw = np.frombuffer(Path(info["video"]["path"]).read_bytes(), np.uint8)
    w, h = SIZE
    np.testing.assert_array_equal(raw.reshape(8, h, w, 3), np.stack(expected))


def test_recorded_i420_equals_renderer(tmp_path):
    """native mode: the recorder's yuv420p planes equal render_for_encoder of the same state."""
    env = wrap(
        FakeSocialNavEnv(max_steps=8),
        tmp_path,
        recorder_options=RecorderOptions(writer_factory=dump_factory),
    )
    env.reset(seed=4)
    renderer = SyntheticRenderer(SIZE)
    expected = []
    for _ in range(8):
        info = env.step(np.array([0.5, -0.2]))[-1]
        unwrapped = env.unwrapped
        expected.append(
            renderer.render_for_encoder(unwrapped.static_scene(), unwrapped.frame_snapshot())
        )
    env.close()
    meta = Path(info["video"]["path"]).with_suffix(".meta").read_text().split()
    assert meta == [str(SIZE[0]), str(SIZE[1]), "yuv420p"]
    raw = np.frombuffer(Path(info["video"]["path"]).read_bytes(), np.uint8)
    np.testing.assert_array_equal(raw.reshape(8, -1), np.stack(expected))


def test_close_mid_episode(tmp_path, procs):
    env = wrap(FakeSocialNavEnv(max_steps=50), tmp_path)
    env.reset(seed=0)
    for _ in range(10):
        env.step(np.zeros(2))
    assert procs.new(ffmpeg=False)
    env.close()
    env.close()
    assert procs.new() == []
    assert list(tmp_path.iterdir()) == []
    assert env.collect_artifacts() == []


def test_ffmpeg_killed_mid_episode(tmp_path, procs):
    from robot_sf_gym_video.video.snapshot_recorder import BATCH_STEPS

    steps = BATCH_STEPS + 40
    env = wrap(
        FakeSocialNavEnv(max_steps=steps),
        tmp_path,
        recorder_options=RecorderOptions(encoder="ffmpeg"),
    )
    env.reset(seed=0)
    for _ in range(BATCH_STEPS + 2):  # more than one batch of snapshots
        env.step(np.zeros(2))
    victims = wait_for_encoders(
        2, watch=procs
    )  # the episode's encoder and the spare for the next one
    kill_and_wait(victims)
    trace = run_rest(env)
    skip = trace[-1]["video_skip"]
    assert skip["reason"] == "encode-error"
    assert skip["steps"] == steps
    assert not list(tmp_path.glob("*.mp4"))
    info = run(env, seed=1)[-1][-1]
    assert "video" in info, info
    assert count_frames(info["video"]["path"]) == steps
    env.close()
    assert leftovers(tmp_path) == []


def test_pyav_failure_mid_episode_is_encode_error(tmp_path, monkeypatch):
    from robot_sf_gym_video.video import pyav_writer

    original = pyav_writer.PyAVStreamWriter.write

    def failing_write(self, frame):
        if "__0__0" in self.final_path.name and self.frames == 5:
            raise pyav_writer.EncoderFailedError("simulated libx264 failure")
        return original(self, frame)

    # Patched before the recorder process is forked, so the recorder inherits it.
    monkeypatch.setattr(pyav_writer.PyAVStreamWriter, "write", failing_write)
    env = wrap(
        FakeSocialNavEnv(max_steps=20),
        tmp_path,
        recorder_options=RecorderOptions(encoder="pyav", recorder="process"),
    )
    skip = run(env, seed=0)[-1][-1]["video_skip"]
    assert skip["reason"] == "encode-error" and "simulated" in skip["message"]
    assert skip["steps"] == 20
    video = run(env, seed=1)[-1][-1]["video"]  # the next episode is unaffected
    assert count_frames(video["path"]) == 20
    env.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fake-cross__1__1.mp4"]


def run_rest(env):
    infos = []
    while True:
        _, _, terminated, truncated, info = env.step(np.zeros(2))
        infos.append(info)
        if terminated or truncated:
            return infos


def test_recorder_killed_mid_episode(tmp_path, procs):
    env = wrap(FakeSocialNavEnv(max_steps=2000), tmp_path)
    env.reset(seed=0)
    env.step(np.zeros(2))
    [recorder] = procs.new(ffmpeg=False)
    recorder.kill()
    recorder.wait(5)
    infos = run_rest(env)  # the env keeps running
    assert infos[-1]["video_skip"]["reason"] == "encode-error"
    assert infos[-1]["video_skip"]["steps"] == 2000
    env.close()
    assert not list(tmp_path.glob("*.mp4"))


def test_broken_renderer_is_encode_error(tmp_path):
    def broken(name, size=None):
        raise RuntimeError("no display")

    env = wrap(
        FakeSocialNavEnv(max_steps=5),
        tmp_path,
        recorder_options=RecorderOptions(renderer_factory=broken),
    )
    skip = run(env, seed=0)[-1][-1]["video_skip"]
    env.close()
    assert skip["reason"] == "encode-error"
    assert "no display" in skip["message"]
    assert leftovers(tmp_path) == []


def test_codec_unavailable_starts_nothing(tmp_path, monkeypatch, procs):
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/nonexistent")
    env = wrap(FakeSocialNavEnv(max_steps=5), tmp_path / "v", RecorderOptions(encoder="ffmpeg"))
    env.reset(seed=0)
    assert procs.new() == []
    info = run_rest(env)[-1]
    env.close()
    assert info["video_skip"]["reason"] == "codec-unavailable"
    assert info["video_skip"]["renderer"] == "synthetic"
    assert list((tmp_path / "v").iterdir()) == []  # made at construction, left empty


def test_pyav_recorder_neither_needs_nor_probes_the_ffmpeg_binary(tmp_path, monkeypatch):
    """The default SocialNav recorder encodes through PyAV: no ffmpeg probe on the env's
    start-up path, and a broken ffmpeg binary still gives a full video."""
    from robot_sf_gym_video.video import probe

    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/nonexistent")
    monkeypatch.setattr(probe, "_probe_cache", {})
    calls = []
    real = probe._probe_uncached
    monkeypatch.setattr(probe, "_probe_uncached", lambda: calls.append(1) or real())
    env = wrap(FakeSocialNavEnv(max_steps=5), tmp_path / "v")
    info = run(env, seed=0)[-1][-1]
    env.close()
    assert calls == []
    assert info["video"]["frames"] == 5 and count_frames(info["video"]["path"]) == 5


def test_background_mode_returns_at_once(tmp_path):
    env = wrap(FakeSocialNavEnv(max_steps=10), tmp_path, finalize="background")
    pending = [run(env, seed=s)[-1][-1]["video_pending"] for s in range(3)]
    results = env.collect_artifacts(wait=True)
    env.close()
    assert [eid for eid, _ in results] == pending
    assert all(count_frames(p["video"]["path"]) == 10 for _, p in results)


def test_forgotten_wrapper_cleans_up(tmp_path, procs):
    env = wrap(FakeSocialNavEnv(max_steps=50), tmp_path)
    env.reset(seed=0)
    env.step(np.zeros(2))
    [recorder] = procs.new(ffmpeg=False)
    del env
    gc.collect()
    recorder.wait(10)
    assert procs.new() == []
    assert leftovers(tmp_path) == []


def _make_fake(i, tmp_path):
    return lambda: wrap(FakeSocialNavEnv(max_steps=6 + i), tmp_path, scenario=f"sub{i}")


@pytest.mark.parametrize("vector_cls", [gym.vector.SyncVectorEnv, gym.vector.AsyncVectorEnv])
def test_vector_envs(tmp_path, vector_cls):
    envs = vector_cls([_make_fake(i, tmp_path) for i in range(2)])
    envs.reset(seed=[1, 2])
    ended = []
    for _ in range(16):
        info = envs.step(np.zeros((2, 2)))[-1]
        if "video" in info:
            for i in np.flatnonzero(info["_video"]):
                ended.append((int(info["video"]["frames"][i]), str(info["video"]["path"][i])))
    envs.close()
    names = sorted(Path(p).name for _, p in ended)
    assert names == sorted(p.name for p in tmp_path.iterdir())
    assert {"sub0__1__0.mp4", "sub1__2__0.mp4"} <= set(names)
    for frames, path in ended:
        assert frames in (6, 7)
        assert count_frames(path) == frames


@pytest.mark.slow
def test_spawn_start_method(tmp_path, monkeypatch, procs):
    """Where fork is not used (macOS, Windows) the recorder is spawned; same result."""
    from robot_sf_gym_video.video import snapshot_recorder

    monkeypatch.setattr(snapshot_recorder, "start_method", lambda: "spawn")
    env = VideoArtifactWrapper(FakeSocialNavEnv(max_steps=6), video_dir=tmp_path)
    info = run(env, seed=0)[-1][-1]
    env.close()
    assert count_frames(info["video"]["path"]) == 6
    assert procs.new() == []


def test_hostile_scenario_name_stays_inside(tmp_path):
    video_dir = tmp_path / "a" / "videos"
    env = wrap(FakeSocialNavEnv(max_steps=3, scenario="../../../evil/..\\x"), video_dir)
    info = run(env, seed=0)[-1][-1]
    env.close()
    path = Path(info["video"]["path"])
    assert path.parent == video_dir
    assert path.name == "---..-..-evil-..-x__0__0.mp4"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [path.name]


def test_unwritable_dir_in_recorder_process(tmp_path):
    blocker = tmp_path / "videos"
    blocker.write_text("a file, not a folder")
    env = wrap(FakeSocialNavEnv(max_steps=4), blocker)
    infos = [run(env, seed=s)[-1][-1] for s in (0, 1)]
    env.close()
    assert [i["video_skip"]["reason"] for i in infos] == ["unwritable-path"] * 2
    assert [i["video_skip"]["steps"] for i in infos] == [4, 4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["videos"]
