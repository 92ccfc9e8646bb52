"""File names of episode videos: sanitising, episode ids, paths that cannot escape.

- ``sanitize_component(text)``: one safe path component (``[A-Za-z0-9._-]`` only, never
  ``""``, ``"."``, ``".."`` or a hidden name, at most ``MAX_COMPONENT_CHARS`` characters).
- ``episode_id(scenario, seed, episode_idx)``: ``"<scenario>__<seed>__<episode_idx>"``.
- ``video_path(video_dir, episode_id)``: ``video_dir / "<episode_id>.mp4"``, checked to lie
  directly inside ``video_dir``.

Names come from user input (scenario names, env ids), so every part is sanitised
separately and the joined path is verified: a file can never land outside ``video_dir``.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from robot_sf_gym_video.errors import UsageError

__all__ = ["MAX_COMPONENT_CHARS", "clip_id", "episode_id", "sanitize_component", "video_path"]

#: Longest sanitised component; longer ones are cut and get a short digest so they stay
#: unique and the file name (plus the temporary ``.partial`` suffix) stays below the
#: 255-byte limit of common file systems.
MAX_COMPONENT_CHARS = 72

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_LEADING_DOTS = re.compile(r"^\.+")


def sanitize_component(text: object) -> str:
    """Return ``text`` as one safe file-name component.

    Characters outside ``[A-Za-z0-9._-]`` become ``-`` (one per character), leading dots
    become ``-`` (no hidden files, no ``.``/``..``) and an empty result becomes ``-``.
    Components longer than ``MAX_COMPONENT_CHARS`` are cut and end with an 8-hex digest of
    the original, so two long names that share a prefix do not collide.

    Args:
        text: Any value; it is converted with ``str()`` first (so seeds may be ints).

    Returns:
        A non-empty string that is a valid, non-hidden file name on POSIX and Windows.
    """
    raw = str(text)
    safe = _UNSAFE.sub("-", raw)
    safe = _LEADING_DOTS.sub(lambda m: "-" * len(m.group()), safe)
    if not safe:
        safe = "-"
    if len(safe) > MAX_COMPONENT_CHARS:
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        safe = f"{safe[: MAX_COMPONENT_CHARS - 9]}-{digest}"
    return safe


def episode_id(scenario: object, seed: object, episode_idx: object) -> str:
    """Return ``"<scenario>__<seed>__<episode_idx>"`` with every part sanitised.

    Args:
        scenario: Scenario name (or env id for non-SocialNav envs).
        seed: Reset seed; ``None`` is written as ``"none"``.
        episode_idx: Episode index.
    """
    seed_text = "none" if seed is None else seed
    parts = (sanitize_component(scenario), sanitize_component(seed_text))
    return f"{parts[0]}__{parts[1]}__{sanitize_component(episode_idx)}"


def video_path(video_dir: str | os.PathLike[str], episode_id: str) -> Path:
    """Return the MP4 path of ``episode_id``, guaranteed to lie directly in ``video_dir``.

    The returned path keeps ``video_dir`` as given (relative stays relative) so records can
    show it as the user wrote it; the check is done on the resolved directory.

    Raises:
        UsageError: if the joined path would leave ``video_dir`` (cannot happen for ids
            built by ``episode_id``; this guards ids assembled by hand).
    """
    name = f"{sanitize_component(episode_id)}.mp4"
    base = Path(video_dir)
    base_abs = base.resolve()
    joined = Path(os.path.normpath(base_abs / name))
    if joined.parent != base_abs or joined.name != name:
        raise UsageError(f"video file name {name!r} would leave video_dir {str(base)!r}")
    return base / name


def clip_id(scenario: object, first_step: int, k: int) -> str:
    """Return ``"<scenario>__clip-<first_step>__<k>"``: never an episode id's shape.

    Args:
        scenario: Scenario name (or env id / ``name_prefix``).
        first_step: Global step index of the clip's first frame.
        k: The clip's number in the wrapper's life (0, 1, ...).
    """
    return f"{sanitize_component(scenario)}__clip-{int(first_step)}__{int(k)}"
