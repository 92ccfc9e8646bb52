"""Deterministic episode seeds.

- ``derive_seed(base_seed, scenario, episode_idx)``: the seed passed to ``env.reset`` for one
  episode.

The seed must not depend on the process, the worker that runs the episode or the order of
completion, so reruns and ``--workers N`` give identical records. Python's ``hash()`` is
salted per process, so a SHA-256 of a versioned, unambiguous text is used instead.
"""

from __future__ import annotations

import hashlib

__all__ = ["SEED_BITS", "derive_seed"]

#: Episode seeds lie in ``[0, 2**SEED_BITS)``: safe for every seeding API (int32 included).
SEED_BITS = 31
_NAMESPACE = "robot_sf_gym_video/episode-seed/v1"


def derive_seed(base_seed: int, scenario: str, episode_idx: int) -> int:
    """Return the episode seed for ``(base_seed, scenario, episode_idx)``.

    Stable across processes, platforms and Python versions; different scenarios or indices
    give unrelated seeds.
    """
    text = f"{_NAMESPACE}\x1f{int(base_seed)}\x1f{scenario}\x1f{int(episode_idx)}"
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - SEED_BITS)
