"""The episode record's JSON Schema: loading it from the package and checking records.

- ``SCHEMA_VERSION``: the ``schema_version`` value of every record this package writes.
- ``SCHEMA_FILENAME``: file name of that version's schema, shipped in
  ``robot_sf_gym_video/schemas/`` (and, identical, in the repository's top-level
  ``schemas/``).
- ``SCHEMA_FILES``: every version this package reads, mapped to its schema file.
- ``InvalidRecordError``: a record does not match the schema (a bug, never user input).
- ``load_schema(version)``: the parsed schema (cached; read from package data so
  ``validate`` works after a plain ``pip install``).
- ``record_errors(record)``: one readable message per schema violation, checked against the
  schema of the record's own ``schema_version``.
- ``check_record(record)``: raise ``InvalidRecordError`` unless the record is valid.

Why several versions: run directories outlive the package that wrote them. A v1 record
stays valid under the v1 schema forever; v2 only adds optional fields, so everything that
reads records (``validate``, ``report``, ``summary``, ``compare``) reads both. New fields
go into v2 (its ``$defs`` hold the objects that grow), not into a v3.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from robot_sf_gym_video.errors import RobotSfError

__all__ = [
    "SCHEMA_FILENAME",
    "SCHEMA_FILES",
    "SCHEMA_VERSION",
    "InvalidRecordError",
    "check_record",
    "load_schema",
    "record_errors",
]

SCHEMA_VERSION = "episode.v2"
SCHEMA_FILES: dict[str, str] = {
    "episode.v1": "episode.schema.v1.json",
    "episode.v2": "episode.schema.v2.json",
}
SCHEMA_FILENAME = SCHEMA_FILES[SCHEMA_VERSION]


class InvalidRecordError(RobotSfError):
    """A record about to be written does not match the episode schema.

    Raised before anything reaches ``episodes.jsonl``, so a bad record can never be
    persisted; it signals a bug in the code that built the record, hence exit code 1.
    """


@functools.cache
def load_schema(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    """Return the schema of record format ``version`` parsed from the package's data files."""
    # one name per "/" (multi-argument joinpath needs Python 3.11)
    schema_file = resources.files("robot_sf_gym_video") / "schemas" / SCHEMA_FILES[version]
    text = schema_file.read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def _validator(version: str) -> Any:
    """Build the (reusable, thread-safe) Draft 2020-12 validator once per process."""
    import jsonschema

    schema = load_schema(version)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def record_errors(record: Any) -> list[str]:
    """Return one message per schema violation of ``record`` (empty when it is valid).

    The record is checked against the schema of its own ``schema_version`` (v1 and v2 are
    both read); a missing or unknown version is checked against the current schema, which
    then names the field. Each message starts with the JSON path of the offending field
    (``$`` for the record itself) so a user can find it in a long line.
    """
    version = record.get("schema_version") if isinstance(record, Mapping) else None
    if not isinstance(version, str) or version not in SCHEMA_FILES:
        version = SCHEMA_VERSION
    errors = _validator(version).iter_errors(record)
    messages = []
    for error in sorted(errors, key=lambda e: list(e.absolute_path)):
        messages.append(f"{error.json_path}: {_short(error.message)}")
    return messages


def check_record(record: Mapping[str, Any]) -> None:
    """Raise ``InvalidRecordError`` naming the first violations unless ``record`` is valid."""
    errors = record_errors(dict(record))
    if errors:
        episode = record.get("episode_id", "?") if isinstance(record, Mapping) else "?"
        raise InvalidRecordError(
            f"record {episode} does not match {SCHEMA_FILENAME}: " + "; ".join(errors[:3])
        )


def _short(message: str, limit: int = 160) -> str:
    """Keep messages on one line and short: jsonschema quotes whole objects in some."""
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."
