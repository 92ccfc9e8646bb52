"""Poster images: a small PNG of each video's last frame, written next to the video.

- ``make_poster``: write one poster (bundled ffmpeg binary, else PyAV); True on success.
- ``attach_posters``: make posters for every playable row, a few at a time, and record them.

Why the last frame: it shows how the episode ended (at the goal, in a collision, stuck),
which is what a reader scanning the table wants to see before pressing play.
Posters are a nicety: any failure is logged and the row simply has no poster.
A poster newer than its video is reused, so re-running the report is cheap.
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath

from robot_sf_gym_video.fileops import commit, temp_path_for
from robot_sf_gym_video.report.model import EpisodeRow, VideoState, poster_path_for

__all__ = ["attach_posters", "make_poster"]

logger = logging.getLogger(__name__)

#: Posters wider than this are scaled down (aspect kept); they are thumbnails.
MAX_POSTER_WIDTH_PX = 480
_FFMPEG_TIMEOUT_S = 60.0


def _ffmpeg_exe() -> str | None:
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # missing package, or IMAGEIO_FFMPEG_EXE pointing nowhere
        logger.debug("no ffmpeg binary for posters: %s", exc)
        return None


def _poster_ffmpeg(exe: str, video: Path, out: Path, from_end_s: float | None) -> bool:
    """Decode the last ``from_end_s`` seconds (all if None) into ``out``.

    ``-update 1`` overwrites ``out`` with every decoded frame, so the file left is the last.
    """
    cmd = [exe, "-nostdin", "-v", "error", "-y"]
    if from_end_s is not None:
        cmd += ["-sseof", f"-{from_end_s}"]
    cmd += ["-i", os.fspath(video), "-an"]
    cmd += ["-vf", f"scale='min({MAX_POSTER_WIDTH_PX},iw)':-2"]
    cmd += ["-update", "1", "-f", "image2", "-c:v", "png", os.fspath(out)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=_FFMPEG_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.debug("ffmpeg poster for %s failed: %s", video, exc)
        return False
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        logger.debug("ffmpeg poster for %s exited %s: %s", video, proc.returncode, err[-1:])
    return proc.returncode == 0 and out.is_file() and out.stat().st_size > 0


def _poster_pyav(video: Path, out: Path) -> bool:
    """Decode every frame with PyAV, keep the last, encode it as PNG."""
    try:
        import av
    except ImportError:
        return False
    try:
        last = None
        with av.open(os.fspath(video)) as container:
            for frame in container.decode(video=0):
                last = frame
        if last is None:
            return False
        width = min(MAX_POSTER_WIDTH_PX, last.width)
        height = max(2, round(last.height * width / last.width / 2) * 2)
        rgb = last.reformat(width=width, height=height, format="rgb24")
        with av.open(os.fspath(out), "w", format="image2") as sink:
            stream = sink.add_stream("png")
            stream.width, stream.height, stream.pix_fmt = width, height, "rgb24"
            for packet in [*stream.encode(rgb), *stream.encode(None)]:
                sink.mux(packet)
    except Exception as exc:  # corrupt file, codec missing: no poster, not an error
        logger.debug("PyAV poster for %s failed: %s", video, exc)
        return False
    return out.is_file() and out.stat().st_size > 0


def make_poster(video: Path, poster: Path, *, ffmpeg_exe: str | None = None) -> bool:
    """Write ``poster`` (PNG) from the last frame of ``video``, atomically.

    Args:
        video: An MP4 file.
        poster: Where the PNG goes (its folder must exist).
        ffmpeg_exe: ffmpeg binary; default ``imageio_ffmpeg.get_ffmpeg_exe()``. When none
            is usable, PyAV is tried.

    Returns:
        True when ``poster`` holds a fresh (or already up-to-date) image.
    """
    try:
        if poster.is_file() and poster.stat().st_mtime >= video.stat().st_mtime:
            return poster.stat().st_size > 0
    except OSError:
        return False
    tmp = temp_path_for(poster)  # -f image2 is explicit: no .png suffix needed
    try:
        exe = ffmpeg_exe or _ffmpeg_exe()
        # A video shorter than the seek window makes -sseof fail on some inputs: retry whole.
        made = exe is not None and (
            _poster_ffmpeg(exe, video, tmp, 0.5) or _poster_ffmpeg(exe, video, tmp, None)
        )
        made = made or _poster_pyav(video, tmp)
        if made:
            commit(tmp, poster)
        return made
    except OSError as exc:  # e.g. read-only videos/ folder
        logger.debug("cannot write poster %s: %s", poster, exc)
        return False
    finally:
        tmp.unlink(missing_ok=True)


def attach_posters(run_dir: Path, rows: Iterable[EpisodeRow], *, workers: int = 2) -> int:
    """Make a poster for each playable video and set ``row.poster_path``; return how many.

    Each poster is one short ffmpeg process, so a small thread pool overlaps them. Rows
    sharing a video share one poster job (two jobs on one file would race).
    """
    by_video: dict[str, list[EpisodeRow]] = {}
    for row in rows:
        if row.video_state is VideoState.OK and row.video_path:
            by_video.setdefault(row.video_path, []).append(row)
    if not by_video:
        return 0
    exe = _ffmpeg_exe()

    def one(video_path: str) -> bool:
        rel = poster_path_for(video_path)
        ok = make_poster(
            run_dir.joinpath(*PurePosixPath(video_path).parts),
            run_dir.joinpath(*PurePosixPath(rel).parts),
            ffmpeg_exe=exe,
        )
        if not ok:
            logger.warning("no poster for video %s", video_path)
            return False
        for row in by_video[video_path]:
            row.poster_path = rel
        return True

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return sum(pool.map(one, list(by_video)))
