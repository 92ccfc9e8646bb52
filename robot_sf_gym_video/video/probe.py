"""What this machine can encode: the ffmpeg probe and the moviepy check, once per process.

- ``EncoderStatus``: ok, or why not (``codec-unavailable`` / ``moviepy-missing``).
- ``probe_encoder()``: is there a working ffmpeg with libx264? Cached per process (per
  ``IMAGEIO_FFMPEG_EXE`` value, so a test that points it elsewhere gets a fresh probe).
- ``moviepy_status()``: can moviepy's writer be imported? Asked only by paths that need
  it (``video.backend``); the check really imports the module, so a broken install counts.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from dataclasses import dataclass

__all__ = ["EncoderStatus", "moviepy_status", "probe_encoder"]

log = logging.getLogger(__name__)

_PROBE_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class EncoderStatus:
    """Result of the once-per-process encoder probe.

    Attributes:
        ok: True when episodes can be encoded.
        exe: Path of the ffmpeg binary (None when not found).
        reason: ``moviepy-missing`` or ``codec-unavailable`` when not ok.
        message: One line explaining the status (and how to fix it).
    """

    ok: bool
    exe: str | None
    reason: str | None
    message: str


_probe_cache: dict[str | None, EncoderStatus] = {}
_probe_lock = threading.Lock()


def probe_encoder() -> EncoderStatus:
    """Return whether MP4 encoding works here; the probe runs once per process.

    Checks that ``imageio_ffmpeg.get_ffmpeg_exe()`` resolves and that ``ffmpeg -encoders``
    runs and lists libx264. moviepy is checked apart (``moviepy_status``), only where a
    path needs it. The result is cached per value of ``IMAGEIO_FFMPEG_EXE`` so a test that points
    it elsewhere gets a fresh probe.
    """
    key = os.environ.get("IMAGEIO_FFMPEG_EXE")
    with _probe_lock:
        status = _probe_cache.get(key)
        if status is None:
            status = _probe_uncached()
            _probe_cache[key] = status
            log.debug("encoder probe: %s", status)
        return status


_moviepy_cache: list[EncoderStatus] = []


def moviepy_status() -> EncoderStatus:
    """Return whether moviepy's streaming writer can be imported (checked once per process).

    The module is really imported (``find_spec`` would miss a broken install), but only
    on a path that needs it, so SocialNav runs encoding through PyAV never pay for it.
    """
    with _probe_lock:
        if not _moviepy_cache:
            try:
                from moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter  # noqa: F401
            except Exception as exc:  # ImportError, or a broken install failing on import
                status = EncoderStatus(
                    False,
                    None,
                    "moviepy-missing",
                    f'moviepy is not importable ({exc!r}); run: pip install "moviepy>=2"',
                )
            else:
                status = EncoderStatus(True, None, None, "moviepy importable")
            _moviepy_cache.append(status)
        return _moviepy_cache[0]


def _probe_uncached() -> EncoderStatus:
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:
        return EncoderStatus(False, None, "codec-unavailable", f"no ffmpeg binary: {exc}")
    try:
        done = subprocess.run(
            [exe, "-hide_banner", "-encoders"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=_PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return EncoderStatus(False, exe, "codec-unavailable", f"ffmpeg {exe!r} unusable: {exc}")
    if done.returncode != 0:
        return EncoderStatus(
            False, exe, "codec-unavailable", f"ffmpeg {exe!r} exited {done.returncode}"
        )
    if b"libx264" not in done.stdout:
        return EncoderStatus(
            False, exe, "codec-unavailable", f"ffmpeg {exe!r} has no libx264 encoder"
        )
    return EncoderStatus(True, exe, None, f"ffmpeg {exe!r} with libx264")
