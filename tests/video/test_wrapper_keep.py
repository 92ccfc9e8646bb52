"""``keep_episode``: episodes held in memory and filmed only when kept at their end.

A kept episode must give the very file that filming it live gives (same recorder messages),
an episode not kept must leave nothing (no file, no temp file, no result, no ``info`` key),
and the hold must stay under ``RecorderOptions.hold_max_bytes``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.video.options import RecorderOptions
from robot_sf_gym_video.video.snapshot_recorder import BATCH_STEPS
from robot_sf_gym_video.video.transport import RecorderHandle

from .fakes import FakeSocialNavEnv
from .helpers import count_frames, decoded_frames, leftovers
from .test_wrapper_snapshot import run, wrap

VIDEO_KEYS = {"video", "video_skip", "video_pending"}


def _episodes(env, seeds):
    """Run one episode per seed; return each one's last ``info``."""
    return [run(env, seed=seed)[-1][-1] for seed in seeds]


@pytest.mark.parametrize("mode", ["process", "thread"])
def test_kept_episodes_are_the_live_files_and_dropped_ones_leave_nothing(tmp_path, mode, procs):
    opts = RecorderOptions(recorder=mode)
    live = wrap(FakeSocialNavEnv(max_steps=15), tmp_path / "live", recorder_options=opts)
    want = _episodes(live, [0, 1, 2])
    live.close()
    decisions = iter([True, False, True])
    held = wrap(
        FakeSocialNavEnv(max_steps=15),
        tmp_path / "held",
        recorder_options=opts,
        keep_episode=lambda info: next(decisions),
    )
    got = _episodes(held, [0, 1, 2])
    held.close()
    assert not set(got[1]) & VIDEO_KEYS
    assert sorted(p.name for p in (tmp_path / "held").iterdir()) == [
        "fake-cross__0__0.mp4",
        "fake-cross__2__2.mp4",
    ]
    for i in (0, 2):
        live_path, held_path = Path(want[i]["video"]["path"]), Path(got[i]["video"]["path"])
        assert held_path.read_bytes() == live_path.read_bytes()
        assert {k: v for k, v in got[i]["video"].items() if k != "path"} == {
            k: v for k, v in want[i]["video"].items() if k != "path"
        }
        frames = decoded_frames(held_path)
        assert len(frames) == 15
        np.testing.assert_array_equal(np.stack(frames), np.stack(decoded_frames(live_path)))
    assert held.video_stats["videos"] == 2
    assert held.collect_artifacts() == []
    assert procs.new() == []
    assert leftovers(tmp_path / "held") == []


def test_keep_episode_sees_the_last_steps_info(tmp_path):
    seen = []
    env = wrap(FakeSocialNavEnv(max_steps=7), tmp_path, keep_episode=seen.append)
    info = run(env, seed=0)[-1][-1]
    env.close()
    assert seen == [{"t": 7, "nested": {"a": 1}}]
    assert not set(info) & VIDEO_KEYS  # append returns None: not kept
    assert list(tmp_path.iterdir()) == []


def test_over_the_cap_an_episode_streams_on_and_is_still_the_same_file(tmp_path, caplog):
    steps = 2 * BATCH_STEPS + 10
    live = wrap(FakeSocialNavEnv(max_steps=steps), tmp_path / "live")
    want = run(live, seed=5)[-1][-1]["video"]
    live.close()
    tiny = RecorderOptions(hold_max_bytes=1)
    decisions = iter([True, False])
    env = wrap(
        FakeSocialNavEnv(max_steps=steps),
        tmp_path / "held",
        recorder_options=tiny,
        keep_episode=lambda info: next(decisions),
    )
    with caplog.at_level(logging.INFO, logger="robot_sf_gym_video"):
        kept, dropped = _episodes(env, [5, 6])
    env.close()
    assert sum("streams on live" in r.getMessage() for r in caplog.records) == 2
    assert Path(kept["video"]["path"]).read_bytes() == Path(want["path"]).read_bytes()
    assert count_frames(Path(kept["video"]["path"])) == steps
    assert not set(dropped) & VIDEO_KEYS
    assert sorted(p.name for p in (tmp_path / "held").iterdir()) == [Path(want["path"]).name]


@pytest.mark.parametrize("how", ["reset", "close"])
def test_an_episode_cut_short_is_not_kept(tmp_path, how):
    env = wrap(FakeSocialNavEnv(max_steps=50), tmp_path, keep_episode=lambda info: True)
    env.reset(seed=0)
    for _ in range(10):
        env.step(np.zeros(2))
    if how == "reset":
        env.reset(seed=1)
    env.close()
    assert env.collect_artifacts(wait=True) == []
    assert list(tmp_path.iterdir()) == []


def test_a_raising_keep_episode_keeps_the_video(tmp_path):
    def broken(info):
        raise RuntimeError("policy bug")

    env = wrap(FakeSocialNavEnv(max_steps=5), tmp_path, keep_episode=broken)
    info = run(env, seed=0)[-1][-1]
    env.close()
    assert info["video"]["frames"] == 5


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"keep_episode": 3}, "callable"),
        ({"keep_episode": bool, "video_length": 10}, "clips"),
        ({"keep_episode": bool, "step_trigger": bool}, "clips"),
    ],
)
def test_bad_keep_options_are_usage_errors(tmp_path, kwargs, match):
    with pytest.raises(UsageError, match=match):
        wrap(FakeSocialNavEnv(), tmp_path, **kwargs)
    with pytest.raises(UsageError, match="hold_max_bytes"):
        RecorderOptions(hold_max_bytes=-1)


class _Wire:
    """A transport that records what it is asked to send."""

    alive = True

    def __init__(self):
        self.sent = []

    def send(self, kind, payload):
        self.sent.append((kind, list(payload) if kind == "S" else payload))


def _feed(handle, items, hold=None):
    handle.begin("ep", "/f.mp4", "f.mp4", "static", hold)
    for item in items:
        handle.push(item)


def test_a_held_episode_sends_the_live_messages_at_its_end_and_nothing_when_discarded():
    items = [bytes([i]) * 10 for i in range(7)]
    live, held = RecorderHandle(_Wire(), 3), RecorderHandle(_Wire(), 3)
    _feed(live, items)
    live.end(7)
    _feed(held, items, hold=1000)
    assert held.transport.sent == []
    held.end(7)
    assert held.transport.sent == live.transport.sent
    dropped = RecorderHandle(_Wire(), 3)
    _feed(dropped, items, hold=1000)
    dropped.discard()
    assert dropped.transport.sent == []
    _feed(dropped, items[:2])  # the next episode is live again
    dropped.end(2)
    begin = ("B", ("ep", "/f.mp4", "f.mp4", "static"))
    assert dropped.transport.sent == [begin, ("S", items[:2]), ("E", 2)]


def test_the_hold_is_capped_then_the_episode_streams_and_a_discard_reaches_the_recorder():
    items = [b"x" * 10 for _ in range(9)]
    handle = RecorderHandle(_Wire(), 3)
    _feed(handle, items[:3], hold=25)  # one batch: 30 bytes > 25
    assert [kind for kind, _ in handle.transport.sent] == ["B", "S"]
    for item in items[3:6]:
        handle.push(item)
    assert [kind for kind, _ in handle.transport.sent] == ["B", "S", "S"]
    handle.discard()
    assert handle.transport.sent[-1] == ("D", None)


def test_a_generic_env_holds_its_render_frames_the_same_way(tmp_path):
    """CartPole: frames from ``render()`` are held, and a kept episode is the live file."""
    import gymnasium as gym

    from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

    def episodes(folder, **kw):
        env = VideoArtifactWrapper(
            gym.make("CartPole-v1", render_mode="rgb_array"), video_dir=folder, **kw
        )
        infos = []
        for seed in (3, 4):
            env.reset(seed=seed)
            done, t = False, 0
            while not done:
                *_, terminated, truncated, info = env.step(t % 2)
                done, t = terminated or truncated, t + 1
            infos.append(info)
        env.close()
        return infos

    want = episodes(tmp_path / "live")
    decisions = iter([False, True])
    got = episodes(tmp_path / "held", keep_episode=lambda info: next(decisions))
    assert not set(got[0]) & VIDEO_KEYS
    kept = Path(got[1]["video"]["path"])
    assert kept.read_bytes() == Path(want[1]["video"]["path"]).read_bytes()
    assert count_frames(kept) == want[1]["video"]["frames"]
    assert [p.name for p in (tmp_path / "held").iterdir()] == [kept.name]


def test_a_wrapper_that_keeps_nothing_never_starts_a_recorder(tmp_path, procs):
    decisions = iter([False, False, True])
    env = wrap(FakeSocialNavEnv(max_steps=15), tmp_path, keep_episode=lambda i: next(decisions))
    _episodes(env, [0, 1])
    assert procs.new() == []  # nothing was sent: no recorder process, no encoder
    kept = _episodes(env, [2])[0]
    assert len(procs.new(ffmpeg=False)) == 1  # the first kept episode started it
    env.close()
    assert count_frames(Path(kept["video"]["path"])) == 15
    assert procs.new() == []


def test_a_recorder_that_cannot_start_is_a_dead_recorder():
    from robot_sf_gym_video.video._util import RecorderDiedError
    from robot_sf_gym_video.video.lazy_transport import LazyTransport

    def cannot():
        raise OSError("no forks left")

    lazy = LazyTransport(cannot)
    assert lazy.alive and lazy.ready() == [] and lazy.stop() == [] and lazy.pid is None
    with pytest.raises(RecorderDiedError, match="cannot start the video recorder: no forks"):
        lazy.send("B", None)
    assert not lazy.alive and "no forks left" in lazy.cause()
    with pytest.raises(RecorderDiedError):
        lazy.send("B", None)


@pytest.mark.parametrize("how", ["live", "held"])
def test_a_recorder_that_cannot_start_gives_encode_error_skips(tmp_path, monkeypatch, how):
    from robot_sf_gym_video.video import snapshot_recorder

    def cannot(config, stall_timeout_s):
        raise OSError("no forks left")

    monkeypatch.setattr(snapshot_recorder, "_start_process", cannot)
    kw = {} if how == "live" else {"keep_episode": lambda info: True}
    env = wrap(FakeSocialNavEnv(max_steps=5), tmp_path, **kw)
    for seed in (0, 1):  # the next take tries a new recorder, and fails the same way
        skip = run(env, seed=seed)[-1][-1]["video_skip"]
        assert skip["reason"] == "encode-error" and "no forks left" in skip["message"]
    env.close()
    assert list(tmp_path.iterdir()) == []
