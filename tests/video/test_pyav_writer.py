"""The in-process libx264 writer used by the SocialNav recorder process."""

import hashlib

import av
import numpy as np
import pytest

from robot_sf_gym_video.video.pyav_writer import PyAVStreamWriter, pyav_available
from robot_sf_gym_video.video.writer import PathUnwritableError, WriterSpec

W, H = 64, 48

pytestmark = pytest.mark.skipif(not pyav_available(), reason="PyAV without libx264")


def _frames(n, pix_fmt="yuv420p"):
    rng = np.random.default_rng(7)
    size = W * H * 3 // 2 if pix_fmt == "yuv420p" else W * H * 3
    return [rng.integers(0, 255, size, dtype=np.uint8) for _ in range(n)]


def _decode(path):
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def _write(path, frames, pix_fmt="yuv420p"):
    writer = PyAVStreamWriter(WriterSpec(path, W, H, 10.0, pix_fmt))
    for frame in frames:
        writer.write(frame)
    writer.close()
    return path


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "rgb24"])
def test_n_frames_in_n_frames_out(tmp_path, pix_fmt):
    path = _write(tmp_path / "a.mp4", _frames(23, pix_fmt), pix_fmt)
    assert _decode(path) == 23
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp4"]  # temp renamed away


def test_same_frames_give_identical_bytes(tmp_path):
    frames = _frames(12)
    a = _write(tmp_path / "a.mp4", frames).read_bytes()
    b = _write(tmp_path / "b.mp4", frames).read_bytes()
    assert hashlib.sha256(a).digest() == hashlib.sha256(b).digest()


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "rgb24"])
def test_reused_buffers_encode_every_frame_as_given(tmp_path, pix_fmt):
    """A caller drawing frames into a few reused arrays (the recorder) gets the same file."""
    frames = _frames(12, pix_fmt)
    ring = [np.empty_like(frames[0]) for _ in range(3)]
    writer = PyAVStreamWriter(WriterSpec(tmp_path / "b.mp4", W, H, 10.0, pix_fmt))
    for k, frame in enumerate(frames):
        reused = ring[k % 3]
        reused[:] = frame  # overwritten after it was written, as draw_for_encoder does
        writer.write(reused)
    writer.close()
    assert sorted(id(a) for a, _ in writer._adopted.values()) == sorted(map(id, ring))
    copied = _write(tmp_path / "a.mp4", frames, pix_fmt).read_bytes()
    assert (tmp_path / "b.mp4").read_bytes() == copied


def test_fresh_frames_are_copied_and_not_kept(tmp_path):
    writer = PyAVStreamWriter(WriterSpec(tmp_path / "a.mp4", W, H, 10.0, "yuv420p"))
    for frame in _frames(5):
        writer.write(frame.copy())  # a new array every frame, dropped by the caller
    assert not writer._adopted and len(writer._seen) == 0
    writer.close()
    assert _decode(tmp_path / "a.mp4") == 5


def test_abort_leaves_nothing(tmp_path):
    writer = PyAVStreamWriter(WriterSpec(tmp_path / "a.mp4", W, H, 10.0, "yuv420p"))
    for frame in _frames(5):
        writer.write(frame)
    writer.abort()
    writer.abort()  # idempotent
    assert list(tmp_path.iterdir()) == []


def test_wrong_frame_size_and_geometry_are_rejected(tmp_path):
    from robot_sf_gym_video.video.writer import EncoderFailedError

    with pytest.raises(ValueError, match="even"):
        PyAVStreamWriter(WriterSpec(tmp_path / "a.mp4", 63, 48, 10.0, "yuv420p"))
    writer = PyAVStreamWriter(WriterSpec(tmp_path / "b.mp4", W, H, 10.0, "yuv420p"))
    with pytest.raises(EncoderFailedError, match="bytes"):
        writer.write(np.zeros(10, dtype=np.uint8))
    writer.abort()


def test_unwritable_folder(tmp_path):
    blocker = tmp_path / "videos"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(PathUnwritableError):
        PyAVStreamWriter(WriterSpec(blocker / "a.mp4", W, H, 10.0, "yuv420p"))
