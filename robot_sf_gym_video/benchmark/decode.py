"""Count the frames of a video file by decoding it, for ``robot-sf-bench validate --decode``.

- ``count_frames(path)``: decoded video frame count, with PyAV when it is installed, else
  with the ffmpeg binary bundled by ``imageio-ffmpeg`` (``-f null``), so it works after a
  plain ``pip install`` too.
- ``DecodeError``: the file could not be decoded.

Decoding (not reading the container's frame count) is the point: a header can claim frames
that a truncated file no longer holds.
"""

from __future__ import annotations

import os
import subprocess

from robot_sf_gym_video._optional import is_available
from robot_sf_gym_video.errors import RobotSfError

__all__ = ["DecodeError", "count_frames"]


class DecodeError(RobotSfError):
    """The file is not a decodable video (or no decoder is available)."""


def count_frames(path: str | os.PathLike[str]) -> int:
    """Return the number of frames decoded from the first video stream of ``path``."""
    if is_available("av"):
        return _count_with_pyav(os.fspath(path))
    return _count_with_ffmpeg(os.fspath(path))


def _count_with_pyav(path: str) -> int:
    import av

    try:
        with av.open(path) as container:
            return sum(1 for _ in container.decode(video=0))
    except (av.FFmpegError, IndexError, OSError) as exc:
        raise DecodeError(f"cannot decode {path}: {exc}") from exc


def _count_with_ffmpeg(path: str) -> int:
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise DecodeError(f"no decoder available for {path} (install av): {exc}") from exc
    cmd = [exe, "-nostdin", "-v", "error", "-nostats", "-i", path, "-map", "0:v:0"]
    cmd += ["-f", "null", "-progress", "pipe:1", "-"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DecodeError(f"cannot run ffmpeg on {path}: {exc}") from exc
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["unknown error"])[0]
        raise DecodeError(f"cannot decode {path}: {first}")
    frames = [line for line in done.stdout.splitlines() if line.startswith("frame=")]
    if not frames:
        raise DecodeError(f"cannot decode {path}: ffmpeg reported no frame count")
    return int(frames[-1].split("=", 1)[1])
