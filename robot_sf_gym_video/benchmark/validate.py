"""Check a run's ``episodes.jsonl`` and its videos, for ``robot-sf-bench validate``.

- ``validate_run(path, decode=False, checked=None)``: one message per problem (empty list:
  all good); ``checked`` (a ``Checked``) is filled with what was looked at, so the CLI can
  say what an "ok" covers.
- ``resolve_run_paths(path)``: ``(run_dir, jsonl_path)`` for a run directory or a JSONL file.

Checks, per line: JSON, the episode schema, a unique ``episode_id`` that matches
``scenario``/``seed``/``episode_idx``; per ``video``: ``frames == steps``, the file lies
inside the run directory, exists, its size equals ``filesize_bytes`` and its SHA-256 equals
``sha256``; with ``decode`` also the decoded frame count; per ``actions``: the log lies in
``actions/``, exists and matches its sha256, step count and dtype. A torn last line is a
problem here (resume only warns about it).

This lives in the benchmark layer, not in ``records/``, because it reads and decodes
video files: ``records/`` stays plain data (model, schema, JSONL).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from robot_sf_gym_video.benchmark.decode import DecodeError, count_frames
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.records.jsonl import RECORDS_FILENAME, read_records
from robot_sf_gym_video.records.schema import record_errors

__all__ = ["RECORDS_FILENAME", "Checked", "file_sha256", "resolve_run_paths", "validate_run"]


@dataclasses.dataclass
class Checked:
    """What one ``validate_run`` looked at.

    Attributes:
        records: Records read (each checked against the schema and its identity).
        videos: Video files found and compared with their record (size and sha256).
        decoded_videos: Videos decoded (``decode=True``).
        decoded_frames: Frames decoded over those videos.
        action_logs: Action logs compared with their record (sha256, steps, dtype).
    """

    records: int = 0
    videos: int = 0
    decoded_videos: int = 0
    decoded_frames: int = 0
    action_logs: int = 0

    def line(self) -> str:
        """One line for humans, e.g. ``3 records, 3 videos (size, sha256), ...``."""
        text = f"{self.records} records (schema, ids), {self.videos} videos (size, sha256)"
        if self.action_logs:
            text += f", {self.action_logs} action logs (sha256)"
        if self.decoded_videos:
            text += f", {self.decoded_frames} frames decoded in {self.decoded_videos} videos"
        return text


def resolve_run_paths(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Return ``(run_dir, jsonl_path)`` for a run directory or an ``episodes.jsonl`` path."""
    path = Path(path)
    if path.is_dir():
        return path, path / RECORDS_FILENAME
    if path.is_file():
        if path.suffix != ".jsonl":  # run.json, a video...: not records, line by line
            raise UsageError(
                f"{path} is not a records file (*.jsonl); give a run directory or its "
                f"{RECORDS_FILENAME}"
            )
        return path.parent, path
    raise UsageError(f"{path} does not exist; give a run directory or its {RECORDS_FILENAME}")


def validate_run(
    path: str | os.PathLike[str], *, decode: bool = False, checked: Checked | None = None
) -> list[str]:
    """Return one human-readable line per problem found in the run at ``path``."""
    checked = checked if checked is not None else Checked()
    run_dir, jsonl = resolve_run_paths(path)
    if not jsonl.is_file():  # a folder that is not a run: a usage error, like report's
        raise UsageError(
            f"{run_dir} has no {RECORDS_FILENAME}; give a run directory or its {RECORDS_FILENAME}"
        )
    result = read_records(jsonl)
    if not result.records and not result.problems:
        return [f"{jsonl}: no records (an empty run has nothing to validate)"]
    problems = [f"{jsonl.name}:{p.line_no}: {p.message}" for p in result.problems]
    seen: dict[str, int] = {}
    for line_no, record in result.records:
        checked.records += 1
        where = f"{jsonl.name}:{line_no}: {record.get('episode_id', '?')}"
        errors = record_errors(record)
        problems += [f"{where}: {e}" for e in errors]
        episode = record.get("episode_id")
        if isinstance(episode, str):
            if episode in seen:
                problems.append(f"{where}: duplicate of line {seen[episode]}")
            seen.setdefault(episode, line_no)
        if not errors:
            problems += [f"{where}: {p}" for p in _identity_problems(record)]
            if "video" in record:
                found = _video_problems(run_dir, record, decode, checked)
                problems += [f"{where}: {p}" for p in found]
            if "actions" in record:
                problems += [f"{where}: {p}" for p in _action_log_problems(run_dir, record)]
                checked.action_logs += 1
    return problems


def _action_log_problems(run_dir: Path, record: Mapping[str, Any]) -> list[str]:
    """Check the action log: inside ``actions/``, present, its sha256, steps and dtype."""
    from robot_sf_gym_video.benchmark.actions import ActionLogError, read_action_log

    try:
        actions = read_action_log(run_dir, record)
    except ActionLogError as exc:
        return [str(exc).removeprefix(f"episode {record['episode_id']}: ")]
    if len(actions) != record["steps"]:
        return [f"action log holds {len(actions)} actions, the episode {record['steps']} steps"]
    return []


def _identity_problems(record: Mapping[str, Any]) -> list[str]:
    """Check that the episode id (so the video name) follows from scenario, seed and index."""
    from robot_sf_gym_video.video.naming import episode_id

    expected = episode_id(record["scenario"], record["seed"], record["episode_idx"])
    if record["episode_id"] != expected:
        return [f"episode_id should be {expected!r}"]
    return []


def _video_problems(
    run_dir: Path, record: Mapping[str, Any], decode: bool, checked: Checked
) -> list[str]:
    video = record["video"]
    problems = []
    if video["frames"] != record["steps"]:
        problems.append(f"video.frames {video['frames']} != steps {record['steps']}")
    if Path(video["path"]).name != f"{record['episode_id']}.mp4":
        problems.append(f"video.path {video['path']!r} is not named after the episode_id")
    root = run_dir.resolve()
    file = (run_dir / video["path"]).resolve()
    if not file.is_relative_to(root):
        return [*problems, f"video.path {video['path']!r} points outside the run directory"]
    if not file.is_file():
        return [*problems, f"video file {video['path']} is missing"]
    checked.videos += 1
    size = file.stat().st_size
    if size != video["filesize_bytes"]:
        problems.append(f"video file size {size} != filesize_bytes {video['filesize_bytes']}")
    elif file_sha256(file) != video["sha256"]:
        problems.append(f"video file sha256 does not match the record ({video['path']})")
    if decode:
        try:
            frames = count_frames(file)
        except DecodeError as exc:
            problems.append(str(exc))
        else:
            checked.decoded_videos += 1
            checked.decoded_frames += frames
            if frames != video["frames"]:
                problems.append(f"decoded {frames} frames, record says {video['frames']}")
    return problems


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
