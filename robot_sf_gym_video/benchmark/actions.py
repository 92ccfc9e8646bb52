"""Action logs: the exact actions of each episode, so it can be replayed without its policy.

- ``ACTIONS_DIRNAME``: ``"actions"``, the folder inside the run directory.
- ``ActionRecorder``: collects one episode's actions as the policy returns them.
- ``write_action_log(run_dir, episode_id, actions)``: ``DIR/actions/<episode_id>.npy``,
  written atomically; returns the record's ``actions`` entry (path, sha256, steps, dtype).
- ``read_action_log(run_dir, record)``: the actions of a record, after checking that the
  file lies inside the run directory and matches the recorded sha256, steps and dtype.
- ``ActionLogError``: a missing, foreign or altered action log (exit 1 at the CLI).

The env is deterministic given its seed and the actions it receives, so the seed, the
scenario, the step limit and this file fully determine an episode. Actions are stored as
the policy gave them (``.npy`` keeps the dtype, e.g. float32), never converted, so a
replay feeds the env exactly the same numbers. The file is written by the process that
writes records, before the record, so a record never points at a log that is not there.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from robot_sf_gym_video.errors import RobotSfError
from robot_sf_gym_video.fileops import claim_temp, commit

__all__ = [
    "ACTIONS_DIRNAME",
    "ActionLogError",
    "ActionRecorder",
    "read_action_log",
    "write_action_log",
]

ACTIONS_DIRNAME = "actions"


class ActionLogError(RobotSfError):
    """An episode's action log is missing, lies outside the run, or was altered."""


class ActionRecorder:
    """Collect one episode's actions; ``array()`` stacks them as ``(steps, *shape)``.

    Each action is copied (a policy may reuse one buffer) without changing its dtype.
    """

    def __init__(self) -> None:
        self._actions: list[np.ndarray] = []

    def add(self, action: Any) -> None:
        """Remember the action given to ``env.step`` (a copy, dtype kept)."""
        self._actions.append(np.array(action, copy=True))

    def array(self) -> np.ndarray:
        """All actions so far; an empty ``(0,)`` float32 array before the first step."""
        if not self._actions:
            return np.zeros((0,), dtype=np.float32)
        return np.stack(self._actions)


def action_log_bytes(actions: np.ndarray) -> bytes:
    """Return the ``.npy`` bytes of ``actions`` (the same actions give the same bytes)."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(actions), allow_pickle=False)
    return buffer.getvalue()


def write_action_log(
    run_dir: str | os.PathLike[str], episode_id: str, actions: np.ndarray
) -> dict[str, Any]:
    """Write ``DIR/actions/<episode_id>.npy`` atomically and return its record entry.

    Atomic (temp name, then rename) but not fsynced: the record written next is, and after
    a power cut a log whose bytes were lost fails its sha256 check on ``--resume``, so the
    episode simply runs again. Two disk flushes per episode would buy nothing more.

    Returns:
        ``{"path": "actions/<episode_id>.npy", "sha256": ..., "steps": ..., "dtype": ...}``.
    """
    folder = Path(run_dir) / ACTIONS_DIRNAME
    folder.mkdir(exist_ok=True)
    data = action_log_bytes(actions)
    final = folder / f"{episode_id}.npy"
    temp = claim_temp(final)
    try:
        temp.write_bytes(data)
        commit(temp, final)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return {
        "path": f"{ACTIONS_DIRNAME}/{final.name}",
        "sha256": hashlib.sha256(data).hexdigest(),
        "steps": int(actions.shape[0]) if actions.ndim else 0,
        "dtype": str(actions.dtype),
    }


def read_action_log(run_dir: str | os.PathLike[str], record: Mapping[str, Any]) -> np.ndarray:
    """Return the actions of ``record``, verified against its ``actions`` entry.

    Raises:
        ActionLogError: no entry, a path outside ``DIR/actions``, a missing file, or a file
            whose sha256, step count or dtype differs from the record.
    """
    episode = record.get("episode_id", "?")
    entry = record.get("actions")
    if not isinstance(entry, Mapping):
        raise ActionLogError(f"episode {episode} has no action log (recorded without one)")
    root = (Path(run_dir) / ACTIONS_DIRNAME).resolve()
    file = (Path(run_dir) / str(entry.get("path", ""))).resolve()
    if file.parent != root:
        raise ActionLogError(
            f"episode {episode}: action log path {entry.get('path')!r} "
            f"is not inside {ACTIONS_DIRNAME}/"
        )
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ActionLogError(
            f"episode {episode}: cannot read {entry['path']}: {exc.strerror or exc}"
        ) from exc
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise ActionLogError(
            f"episode {episode}: action log {entry['path']} does not match "
            "the sha256 in its record (altered or replaced)"
        )
    try:
        actions = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as exc:
        raise ActionLogError(f"episode {episode}: {entry['path']} is not a .npy array") from exc
    if actions.shape[:1] != (entry.get("steps"),) or str(actions.dtype) != entry.get("dtype"):
        raise ActionLogError(
            f"episode {episode}: {entry['path']} holds {actions.shape[0]} {actions.dtype} "
            f"actions, the record says {entry.get('steps')} {entry.get('dtype')}"
        )
    return actions
