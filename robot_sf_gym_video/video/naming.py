"""File names of episode videos: sanitising, episode ids, paths that cannot escape.

- ``sanitize_component(text)``: one safe path component (``[A-Za-z0-9._-]`` only, never
  ``""``, ``"."``, ``".."`` or a hidden name, at most ``MAX_COMPONENT_CHARS`` characters).
- ``MAX_SCENARIO_CHARS`` (``L``) and ``check_scenario_name(name)``: the longest scenario
  name whose every derived file name fits 255 bytes; longer ones are refused.
- ``episode_id(scenario, seed, episode_idx)``: ``"<scenario>__<seed>__<episode_idx>"``.
- ``unseeded_seed_part(token)`` / ``is_unseeded_id(eid)``: ``u<token>``, the seed part of
  an episode reset without a seed (it claims no seed).
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
from robot_sf_gym_video.fileops import TEMP_OVERHEAD_BYTES

__all__ = [
    "MAX_COMPONENT_CHARS",
    "MAX_SCENARIO_CHARS",
    "check_scenario_name",
    "clip_id",
    "episode_id",
    "is_unseeded_id",
    "sanitize_component",
    "unseeded_seed_part",
    "video_path",
]

#: File-name limit of common file systems (ext4, APFS, NTFS: 255 bytes or UTF-16 units).
NAME_MAX_BYTES = 255
#: Widest seed part: a 64-bit seed, or ``u`` plus an unseeded token.
MAX_SEED_CHARS = 20
#: Widest episode index (a wrapper's own counter can grow past the runner's cap).
MAX_INDEX_CHARS = 12
#: Longest suffix after an episode id among the files named after it (the poster).
LONGEST_SUFFIX = ".poster.png"
#: ``L``: the longest scenario name (sanitised, ASCII) for which ``<id><suffix>`` and its
#: temp name (``fileops.TEMP_OVERHEAD_BYTES`` more) fit ``NAME_MAX_BYTES`` with the widest
#: seed and index. Longer names are refused, never cut, so a file name always equals its
#: episode id and a run always passes its own ``validate``.
MAX_SCENARIO_CHARS = (
    NAME_MAX_BYTES
    - TEMP_OVERHEAD_BYTES
    - len(LONGEST_SUFFIX)
    - 2 * len("__")
    - MAX_SEED_CHARS
    - MAX_INDEX_CHARS
)
#: Longest episode id (or clip id): its files and their temp names fit ``NAME_MAX_BYTES``.
MAX_ID_CHARS = NAME_MAX_BYTES - TEMP_OVERHEAD_BYTES - len(LONGEST_SUFFIX)
#: Longest sanitised component; longer ones (only hand-made ids: scenario names are
#: checked first) are cut and get a short digest so they stay unique.
MAX_COMPONENT_CHARS = MAX_SCENARIO_CHARS
_UNSEEDED_PREFIX = "u"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_LEADING_DOTS = re.compile(r"^\.+")


def check_scenario_name(name: str) -> None:
    """Refuse a scenario name too long for the file names derived from it.

    Raises:
        UsageError: the sanitised name is longer than ``MAX_SCENARIO_CHARS``.
    """
    length = len(_UNSAFE.sub("-", str(name)))
    if length > MAX_SCENARIO_CHARS:
        raise UsageError(
            f"scenario name {str(name)[:40]!r}... is {length} characters; the limit is "
            f"{MAX_SCENARIO_CHARS} so that its video, poster and temp file names fit "
            f"{NAME_MAX_BYTES} bytes"
        )


def unseeded_seed_part(token: str) -> str:
    """Return the seed part ``u<token>`` of an episode reset without a seed."""
    return f"{_UNSEEDED_PREFIX}{token}"


def is_unseeded_id(eid: str) -> bool:
    """Return True when ``eid`` (or a file name starting with it) names an unseeded episode."""
    parts = eid.split("__")
    return len(parts) >= 3 and parts[-2].startswith(_UNSEEDED_PREFIX)


def sanitize_component(text: object, limit: int = MAX_COMPONENT_CHARS) -> str:
    """Return ``text`` as one safe file-name component.

    Characters outside ``[A-Za-z0-9._-]`` become ``-`` (one per character), leading dots
    become ``-`` (no hidden files, no ``.``/``..``) and an empty result becomes ``-``.
    Components longer than ``limit`` are cut and end with an 8-hex digest of
    the original, so two long names that share a prefix do not collide.

    Args:
        text: Any value; it is converted with ``str()`` first (so seeds may be ints).
        limit: Longest result; longer ones are cut and get the digest.

    Returns:
        A non-empty string that is a valid, non-hidden file name on POSIX and Windows.
    """
    raw = str(text)
    safe = _UNSAFE.sub("-", raw)
    safe = _LEADING_DOTS.sub(lambda m: "-" * len(m.group()), safe)
    if not safe:
        safe = "-"
    if len(safe) > limit:
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        safe = f"{safe[: limit - 9]}-{digest}"
    return safe


def episode_id(scenario: object, seed: object, episode_idx: object) -> str:
    """Return ``"<scenario>__<seed>__<episode_idx>"`` with every part sanitised.

    Args:
        scenario: Scenario name (or env id for non-SocialNav envs).
        seed: Reset seed; ``None`` is written as ``"none"``.
        episode_idx: Episode index.
    """
    seed_text = "none" if seed is None else seed
    parts = (sanitize_component(scenario), sanitize_component(seed_text, MAX_SEED_CHARS))
    return f"{parts[0]}__{parts[1]}__{sanitize_component(episode_idx, MAX_INDEX_CHARS)}"


def video_path(video_dir: str | os.PathLike[str], episode_id: str) -> Path:
    """Return the MP4 path of ``episode_id``, guaranteed to lie directly in ``video_dir``.

    The returned path keeps ``video_dir`` as given (relative stays relative) so records can
    show it as the user wrote it; the check is done on the resolved directory.

    Raises:
        UsageError: if the joined path would leave ``video_dir`` (cannot happen for ids
            built by ``episode_id``; this guards ids assembled by hand).
    """
    name = f"{sanitize_component(episode_id, MAX_ID_CHARS)}.mp4"
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
