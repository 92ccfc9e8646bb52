"""Posters: last frame of the MP4, next to it, never fatal."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from robot_sf_gym_video.report import posters, write_report

av = pytest.importorskip("av")
imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")


def _ramp_mp4(path: Path, frames: int, size: tuple[int, int] = (64, 48)) -> Path:
    """Frame i is a flat grey of level 20 + i * step, so the last frame is the brightest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = imageio_ffmpeg.write_frames(
        str(path),
        size,
        fps=10,
        codec="libx264",
        pix_fmt_out="yuv420p",
        macro_block_size=1,
        ffmpeg_log_level="error",
        output_params=["-crf", "1"],
    )
    writer.send(None)
    step = 200 // max(1, frames - 1)
    for i in range(frames):
        level = 20 + i * step
        writer.send(np.full((size[1], size[0], 3), level, np.uint8).tobytes())
    writer.close()
    return path


def _mean_level(png: Path) -> float:
    with av.open(str(png)) as container:
        frame = next(container.decode(video=0))
    return float(frame.to_ndarray(format="rgb24").mean())


@pytest.mark.parametrize("frames", [3, 25])  # 3 frames = 0.3 s, shorter than the seek window
def test_poster_is_last_frame(tmp_path: Path, frames: int) -> None:
    video = _ramp_mp4(tmp_path / "v.mp4", frames)
    last_level = 20 + (frames - 1) * (200 // (frames - 1))
    poster = tmp_path / "v.poster.png"
    assert posters.make_poster(video, poster)
    assert _mean_level(poster) == pytest.approx(last_level, abs=3)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_pyav_fallback_when_ffmpeg_is_unusable(tmp_path: Path) -> None:
    video = _ramp_mp4(tmp_path / "v.mp4", 10)
    poster = tmp_path / "v.poster.png"
    assert posters.make_poster(video, poster, ffmpeg_exe=str(tmp_path / "no-ffmpeg"))
    assert _mean_level(poster) == pytest.approx(20 + 9 * 22, abs=3)


def test_poster_is_scaled_down(tmp_path: Path) -> None:
    video = _ramp_mp4(tmp_path / "v.mp4", 3, size=(800, 600))
    poster = tmp_path / "p.png"
    assert posters.make_poster(video, poster)
    with av.open(str(poster)) as container:
        frame = next(container.decode(video=0))
    assert (frame.width, frame.height) == (posters.MAX_POSTER_WIDTH_PX, 360)


def test_fresh_poster_is_reused(tmp_path: Path) -> None:
    video = _ramp_mp4(tmp_path / "v.mp4", 5)
    poster = tmp_path / "v.poster.png"
    assert posters.make_poster(video, poster)
    os.utime(poster, (1e10, 1e10))  # newer than the video: must not be rewritten
    assert posters.make_poster(video, poster)
    assert poster.stat().st_mtime == 1e10


def test_broken_video_gives_no_poster(tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42 not really a video")
    assert not posters.make_poster(video, tmp_path / "v.poster.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]


def test_unwritable_poster_is_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = _ramp_mp4(tmp_path / "v.mp4", 3)

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError("read-only folder")

    monkeypatch.setattr(posters.os, "replace", refuse)
    assert not posters.make_poster(video, tmp_path / "v.poster.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]


def test_report_writes_posters_next_to_videos(
    tmp_path: Path, make_record, write_records, video_of
) -> None:
    _ramp_mp4(tmp_path / "videos" / "a__1__0.mp4", 6)
    (tmp_path / "videos" / "a__2__1.mp4").write_bytes(b"garbage")
    good = make_record("a", 1, 0, "success", steps=6)
    good["video"] = video_of(tmp_path, "videos/a__1__0.mp4", 6)
    bad = make_record("a", 2, 1, "success", steps=6)
    bad["video"] = video_of(tmp_path, "videos/a__2__1.mp4", 6)
    twin = {**good, "episode_id": "a__1__0-again"}  # same file twice: one poster job
    write_records(tmp_path, [good, bad, twin])
    page = write_report(tmp_path).read_text(encoding="utf-8")
    assert (tmp_path / "videos" / "a__1__0.poster.png").is_file()
    assert not (tmp_path / "videos" / "a__2__1.poster.png").exists()
    assert page.count('poster="videos/a__1__0.poster.png"') == 2
    assert page.count("<video ") == 3 and page.count("poster=") == 2
