import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from robot_sf_gym_video.video import ffmpeg
from robot_sf_gym_video.video.ffmpeg import FfmpegStreamWriter, probe_encoder
from robot_sf_gym_video.video.writer import EncoderFailedError, PathUnwritableError, WriterSpec

from .helpers import count_frames, decoded_frames, leftovers


def _write(path, frames, pix_fmt="rgb24"):
    h, w = frames[0].shape[:2]
    writer = FfmpegStreamWriter(WriterSpec(path, w, h, 10, pix_fmt))
    for f in frames:
        writer.write(f.tobytes())
    writer.close()
    return writer


def test_probe_ok_and_cached():
    status = probe_encoder()
    assert status.ok, status.message
    assert probe_encoder() is status


def test_n_frames_in_n_frames_out(tmp_path, gradient_frames):
    for n in (1, 2, 7, 12):
        path = tmp_path / f"n{n}.mp4"
        _write(path, gradient_frames[:n])
        assert count_frames(path) == n
    assert leftovers(tmp_path) == []


def test_pixels_survive_roughly(tmp_path, gradient_frames):
    path = tmp_path / "a.mp4"
    _write(path, gradient_frames)
    out = decoded_frames(path)
    err = np.abs(out[5].astype(int) - gradient_frames[5].astype(int)).mean()
    assert out[5].shape == (48, 64, 3)
    assert err < 12


def test_yuv420p_input(tmp_path):
    w, h = 32, 16
    frame = np.zeros(w * h * 3 // 2, np.uint8)
    frame[: w * h] = 200
    frame[w * h :] = 128
    writer = FfmpegStreamWriter(WriterSpec(tmp_path / "y.mp4", w, h, 10, "yuv420p"))
    for _ in range(3):
        writer.write(frame)
    writer.close()
    out = decoded_frames(tmp_path / "y.mp4")
    assert len(out) == 3
    assert abs(int(out[0][5, 5, 0]) - 220) < 8  # Y=200 limited range -> ~220 RGB grey


def test_same_frames_same_bytes(tmp_path, gradient_frames):
    _write(tmp_path / "a.mp4", gradient_frames)
    _write(tmp_path / "b.mp4", gradient_frames)
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


def test_temp_name_until_close(tmp_path, gradient_frames):
    writer = FfmpegStreamWriter(WriterSpec(tmp_path / "x.mp4", 64, 48, 10, "rgb24"))
    writer.write(gradient_frames[0].tobytes())
    assert not (tmp_path / "x.mp4").exists()
    assert writer.temp_path.name.startswith(".x.mp4.partial-")
    writer.close()
    assert (tmp_path / "x.mp4").exists()
    assert leftovers(tmp_path) == []


def test_final_path_can_be_retargeted(tmp_path, gradient_frames):
    writer = FfmpegStreamWriter(WriterSpec(tmp_path / "next.mp4", 64, 48, 10, "rgb24"))
    writer.final_path = tmp_path / "real.mp4"
    writer.write(gradient_frames[0].tobytes())
    writer.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.mp4"]


def test_abort_leaves_nothing(tmp_path, gradient_frames):
    writer = FfmpegStreamWriter(WriterSpec(tmp_path / "x.mp4", 64, 48, 10, "rgb24"))
    writer.write(gradient_frames[0].tobytes())
    writer.abort()
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_killed_ffmpeg_is_an_encoder_error(tmp_path, gradient_frames):
    writer = FfmpegStreamWriter(WriterSpec(tmp_path / "x.mp4", 64, 48, 10, "rgb24"))
    writer.write(gradient_frames[0].tobytes())
    os.kill(writer.pid, signal.SIGKILL)
    time.sleep(0.05)
    with pytest.raises(EncoderFailedError):
        for f in gradient_frames * 50:
            writer.write(f.tobytes())
        writer.close()
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_wrong_frame_size_rejected(tmp_path):
    writer = FfmpegStreamWriter(WriterSpec(tmp_path / "x.mp4", 64, 48, 10, "rgb24"))
    with pytest.raises(EncoderFailedError):
        writer.write(b"\0" * 10)
    writer.abort()


def test_odd_size_rejected(tmp_path):
    with pytest.raises(ValueError):
        FfmpegStreamWriter(WriterSpec(tmp_path / "x.mp4", 63, 48, 10, "rgb24"))


def test_unwritable_folder(tmp_path):
    blocker = tmp_path / "videos"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(PathUnwritableError):
        FfmpegStreamWriter(WriterSpec(blocker / "x.mp4", 64, 48, 10, "rgb24"))


def test_probe_bad_exe(monkeypatch):
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/nonexistent/ffmpeg")
    status = probe_encoder()
    assert not status.ok
    assert status.reason == "codec-unavailable"
    assert "/nonexistent/ffmpeg" in status.message


def test_fractional_rate():
    cmd = ffmpeg.ffmpeg_command("ffmpeg", "o.mp4", 2, 2, 1 / 0.03, "rgb24")
    assert cmd[cmd.index("-framerate") + 1] == "100/3"


def test_moviepy_detection_imports_the_module(tmp_path):
    """A broken moviepy (found on the path, failing on import) counts as missing.

    ``find_spec`` alone would call it available; the ffmpeg probe itself no longer
    depends on moviepy, since only some paths need it.
    """
    fake = tmp_path / "fake" / "moviepy"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('moviepy is broken here')\n")
    code = (
        "import importlib.util\n"
        "from robot_sf_gym_video.video.ffmpeg import moviepy_status, probe_encoder\n"
        "assert importlib.util.find_spec('moviepy') is not None\n"
        "print(probe_encoder().ok, moviepy_status().reason)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "fake"), os.getcwd()])}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env=env,
    )
    assert out.stdout.split() == ["True", "moviepy-missing"]
