"""Crash-safe JSON Lines I/O for ``episodes.jsonl``.

- ``RecordWriter``: appends one record per ``write()``: a complete line in a single
  ``os.write`` on an ``O_APPEND`` descriptor, then ``fsync``; a torn tail left by a crash is
  closed off with a newline first, so it can never swallow the next record.
- ``append_record(path, record)``: one-off append with the same guarantees.
- ``read_records(path)``: parse a file, tolerating a torn last line (reported, not raised).
- ``rewrite_records(path, records)``: replace the file atomically (``fileops.atomic_writer``: the
  file keeps its mode).
- ``ReadResult`` / ``LineProblem``: what ``read_records`` found.

Why one ``write`` per line: a process killed between two writes would otherwise leave half
a record that looks like a complete line to the next append. With one write of the whole
line, a kill leaves either nothing, the whole line, or (on a full disk or power loss) a
prefix without its newline, which is exactly the torn tail the reader expects.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from robot_sf_gym_video.fileops import atomic_writer

__all__ = [
    "RECORDS_FILENAME",
    "LineProblem",
    "ReadResult",
    "RecordWriter",
    "append_record",
    "dumps_record",
    "read_records",
    "rewrite_records",
]

logger = logging.getLogger(__name__)

#: File name of a run's records inside its run directory.
RECORDS_FILENAME = "episodes.jsonl"


def dumps_record(record: Mapping[str, Any]) -> str:
    """Serialise ``record`` as one JSON line (with its newline); NaN/inf are refused.

    numpy scalars and arrays (common in metrics) are written as plain numbers and lists.
    """
    text = json.dumps(
        record, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_plain
    )
    return text + "\n"


def _plain(value: Any) -> Any:
    """Convert numpy scalars/arrays (anything with ``tolist``) for ``json.dumps``."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


@dataclasses.dataclass(frozen=True)
class LineProblem:
    """A line of the file that is not a JSON object.

    Attributes:
        line_no: 1-based line number.
        message: What is wrong with it.
        torn: True for an unterminated last line (the trace of a crash mid-write).
    """

    line_no: int
    message: str
    torn: bool = False


@dataclasses.dataclass(frozen=True)
class ReadResult:
    """Records parsed from a JSONL file, in file order, plus the lines that were not.

    Attributes:
        records: ``(line_no, record)`` pairs of the lines that are JSON objects.
        problems: Lines that could not be used, in file order.
    """

    records: list[tuple[int, dict[str, Any]]]
    problems: list[LineProblem]

    @property
    def torn_tail(self) -> bool:
        """True when the last line is a torn (unterminated, unparsable) write."""
        return any(p.torn for p in self.problems)


def read_records(path: str | os.PathLike[str]) -> ReadResult:
    """Parse ``path`` line by line; a missing file reads as empty.

    A last line without its newline that does not parse is a torn write: it is reported as
    a problem with ``torn=True`` (a warning for resume, an error for ``validate``), never an
    exception. A complete line that is not a JSON object is reported the same way.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return ReadResult([], [])
    records: list[tuple[int, dict[str, Any]]] = []
    problems: list[LineProblem] = []
    lines = data.split(b"\n")
    # data ending in "\n" leaves one empty string after the last complete line.
    tail_unterminated = lines[-1] != b""
    if not tail_unterminated:
        lines.pop()
    for index, raw in enumerate(lines):
        line_no = index + 1
        is_tail = tail_unterminated and index == len(lines) - 1
        if not raw.strip():
            if not is_tail:
                problems.append(LineProblem(line_no, "empty line"))
            continue
        try:
            value = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            if is_tail:
                problems.append(LineProblem(line_no, "torn last line (incomplete write)", True))
            else:
                problems.append(LineProblem(line_no, _decode_problem(exc)))
            continue
        if not isinstance(value, dict):
            problems.append(LineProblem(line_no, "not a JSON object"))
            continue
        records.append((line_no, value))
    return ReadResult(records, problems)


def _decode_problem(exc: Exception) -> str:
    """One phrase for a line that cannot be decoded, whatever the decoder raised."""
    if isinstance(exc, UnicodeDecodeError):
        return f"not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at column {exc.start + 1})"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg})"
    return "not valid JSON (nested too deeply)"


class RecordWriter:
    """Append-only writer of ``episodes.jsonl``; use one per run, from one process.

    Each ``write`` is durable when it returns (``fsync``), so a record seen in the file
    always describes a finished episode whose video, if any, is already final.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        if _ends_unterminated(self.path):
            logger.warning("%s ends with a torn line; closing it off before appending", self.path)
            self._write_bytes(b"\n")

    def write(self, record: Mapping[str, Any]) -> None:
        """Append ``record`` as one line, flushed to disk before returning."""
        if self._fd < 0:
            raise ValueError(f"RecordWriter for {self.path} is closed")
        self._write_bytes(dumps_record(record).encode("utf-8"))

    def _write_bytes(self, data: bytes) -> None:
        try:
            written = os.write(self._fd, data)
            while written < len(data):  # only on exotic filesystems; O_APPEND keeps order
                written += os.write(self._fd, data[written:])
            os.fsync(self._fd)
        except OSError as exc:  # e.g. a full disk: name the file, not just the errno
            raise OSError(exc.errno, exc.strerror, os.fspath(self.path)) from exc

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> RecordWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def append_record(path: str | os.PathLike[str], record: Mapping[str, Any]) -> None:
    """Append one record to ``path`` durably (see ``RecordWriter``)."""
    with RecordWriter(path) as writer:
        writer.write(record)


def rewrite_records(path: str | os.PathLike[str], records: Iterable[Mapping[str, Any]]) -> None:
    """Replace ``path`` by exactly ``records`` atomically: readers see the old or new file.

    Used at ``--resume`` start to drop records that will be rerun and a torn tail, so the
    rerun cannot leave a duplicate line behind.
    """
    with atomic_writer(path) as handle:
        for record in records:
            handle.write(dumps_record(record).encode("utf-8"))


def _ends_unterminated(path: Path) -> bool:
    """Return True when the file is non-empty and its last byte is not a newline."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() == 0:
                return False
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) != b"\n"
    except OSError:
        return False
