"""Recorder supervision with real signals: a killed or stopped recorder costs one episode's
video, a new recorder takes over, and no temp file survives; unseeded names never collide."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from robot_sf_gym_video.benchmark.validate import validate_run
from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.fileops import TEMP_GLOB
from robot_sf_gym_video.records.jsonl import read_records
from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

from .helpers import count_frames

REPO = Path(__file__).resolve().parents[2]


def _recorders(cli: psutil.Process) -> list[psutil.Process]:
    """The workers' recorder processes (python children of the worker processes)."""
    out = []
    for worker in cli.children():
        try:
            out += [c for c in worker.children() if "ffmpeg" not in c.name()]
        except psutil.NoSuchProcess:
            continue
    return out


#: Episodes per victim batch: each worker runs several after the one the kill hits, so a
#: new recorder has episodes to take over however far ahead of its recorder a worker ran.
_EPISODES = 12


def _batch_with_victim(tmp_path: Path, sig: int, extra: list[str]) -> tuple[str, Path, float]:
    """Run a 2-worker video batch, send ``sig`` to one recorder once videos appear."""
    out = tmp_path / "run"
    argv = ["run", "--out", str(out), "--scenario", "crossing", "--episodes", str(_EPISODES)]
    argv += ["--max-steps", "80", "--video", "--workers", "2", "--quiet", *extra]
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "robot_sf_gym_video", *argv],
        cwd=REPO,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    victim = None
    try:
        cli = psutil.Process(proc.pid)
        deadline = time.monotonic() + 90
        while victim is None and time.monotonic() < deadline and proc.poll() is None:
            if list((out / "videos").glob("*.mp4")):
                victim = next(iter(_recorders(cli)), None)
            time.sleep(0.02)
        assert victim is not None, "no recorder found while the batch ran"
        victim.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, err
    assert not victim.is_running() or victim.status() == psutil.STATUS_ZOMBIE
    return err, out, time.monotonic() - started


def _check_run(out: Path, cause: str, max_skips: int) -> list[dict]:
    records = [r for _, r in read_records(out / "episodes.jsonl").records]
    assert len(records) == _EPISODES
    skips = [r["video_skip"] for r in records if "video_skip" in r]
    assert skips and all(s["reason"] == "encode-error" for s in skips)
    assert any(cause in s["message"] for s in skips), skips
    assert len(skips) <= max_skips, "a new recorder must take over for later episodes"
    assert [p for d in (out, out / "videos") for p in d.glob(TEMP_GLOB)] == []
    assert validate_run(out, decode=True) == []
    return records


def test_sigkilled_recorder_is_replaced_and_leaves_no_partial(tmp_path):
    err, out, _ = _batch_with_victim(tmp_path, signal.SIGKILL, [])
    _check_run(out, "killed by SIGKILL", max_skips=_EPISODES // 2)
    warnings = [line for line in err.splitlines() if "was killed by SIGKILL" in line]
    assert len(warnings) == 1, err  # one warning, naming the cause, however many skips


@pytest.mark.slow
def test_sigstopped_recorder_is_killed_after_the_stall_timeout(tmp_path):
    err, out, wall_s = _batch_with_victim(tmp_path, signal.SIGSTOP, ["--video-stall-timeout", "2"])
    # Episodes that end while the recorder is stopped owe results until the timeout
    # passes, so how many are skipped depends on the machine's speed; never all of them.
    _check_run(out, "made no progress for 2 s", max_skips=_EPISODES * 3 // 4)
    assert wall_s < 90  # the timeout plus the batch, never a hang
    assert len([line for line in err.splitlines() if "made no progress" in line]) == 1, err


# -- unseeded names ---------------------------------------------------------------------------
def _unseeded_episode(wrapper: VideoArtifactWrapper) -> dict:
    wrapper.reset()
    while True:
        *_, terminated, truncated, info = wrapper.step(wrapper.action_space.sample() * 0)
        if terminated or truncated:
            return info["video"]


def test_two_unseeded_wrappers_into_one_folder_never_overwrite(tmp_path):
    envs = [SocialNavEnv(scenario="crossing", max_episode_steps=n) for n in (12, 20)]
    wrappers = [VideoArtifactWrapper(env, video_dir=tmp_path) for env in envs]
    videos = [_unseeded_episode(w) for w in wrappers]
    for w in wrappers:
        w.close()
    names = sorted(Path(v["path"]).name for v in videos)
    assert len(set(names)) == 2 and sorted(p.name for p in tmp_path.glob("*.mp4")) == names
    for video, steps in zip(videos, (12, 20), strict=True):
        path = Path(video["path"])
        assert re.fullmatch(r"crossing__u[0-9a-f]+__0\.mp4", path.name)
        assert video["frames"] == steps == count_frames(path)
        assert video["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_unseeded_wrappers_in_two_processes_get_distinct_names(tmp_path):
    code = (
        "import sys\n"
        "from robot_sf_gym_video.env.social_nav_env import SocialNavEnv\n"
        "from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper\n"
        "w = VideoArtifactWrapper(SocialNavEnv(scenario='crossing', max_episode_steps=6),"
        " video_dir=sys.argv[1])\n"
        "w.reset()\n"
        "done = False\n"
        "while not done:\n"
        "    *_, t, tr, info = w.step(w.action_space.sample() * 0)\n"
        "    done = t or tr\n"
        "w.close()\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], cwd=REPO) for _ in range(2)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert len(list(tmp_path.glob("crossing__u*__0.mp4"))) == 2


def test_a_seeded_rerun_replaces_its_own_file(tmp_path):
    env = VideoArtifactWrapper(
        SocialNavEnv(scenario="crossing", max_episode_steps=5), video_dir=tmp_path
    )
    for _ in range(2):
        env.set_episode_identity("crossing", 7, 0)
        env.reset(seed=7)
        info: dict = {}
        while "video" not in info:
            *_, info = env.step(env.action_space.sample() * 0)
    env.close()
    assert [p.name for p in tmp_path.glob("*.mp4")] == ["crossing__7__0.mp4"]


def test_a_stalled_writer_thread_is_abandoned_within_the_timeout():
    import threading

    from robot_sf_gym_video.video._util import RecorderDiedError
    from robot_sf_gym_video.video.transport import QueueTransport

    release = threading.Event()

    class StuckLoop:  # its "encoder" never returns, like a write to a SIGSTOPped ffmpeg
        def frames(self, items):
            release.wait(30)

        def shutdown(self):
            pass

    transport = QueueTransport(StuckLoop, max_messages=1, stall_timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(RecorderDiedError, match=r"no progress for 0\.5 s"):
        for _ in range(5):
            transport.send("S", [b"x"])
    assert time.monotonic() - started < 5
    assert not transport.alive
    assert transport.stop() == []  # returns at once: no wait on an abandoned thread
    release.set()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def test_a_write_cut_short_by_ctrl_c_stops_the_recorder_at_once(tmp_path, caplog):
    # A Ctrl-C that lands while a step's message is half written into a full pipe: the
    # recorder could never parse the rest, so closing must stop it, not wait for results.
    env = VideoArtifactWrapper(
        SocialNavEnv(scenario="crossing", max_episode_steps=1_000_000),
        video_dir=tmp_path,
        stall_timeout_s=60,
    )
    before = {c.pid for c in psutil.Process().children()}
    env.reset(seed=1)
    env.step(env.action_space.sample())
    recorder = next(c for c in psutil.Process().children() if c.pid not in before)
    recorder.suspend()  # the pipe fills up; the next large write blocks half-way
    old = signal.signal(signal.SIGALRM, _raise_interrupt)
    signal.setitimer(signal.ITIMER_REAL, 2.0)
    interrupted = False
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            _, _, terminated, truncated, _ = env.step(env.action_space.sample() * 0)
            if terminated or truncated:
                env.reset()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        recorder.resume()
    assert interrupted, "the steps never blocked on the stopped recorder"
    started = time.monotonic()
    with caplog.at_level("WARNING", logger="robot_sf_gym_video"):
        env.close()
    assert time.monotonic() - started < 20, "close waited for a recorder that cannot go on"
    psutil.wait_procs([recorder], timeout=5)
    assert not recorder.is_running() or recorder.status() == psutil.STATUS_ZOMBIE
    assert [r.getMessage() for r in caplog.records] == []
    assert list(tmp_path.rglob(TEMP_GLOB)) == []
