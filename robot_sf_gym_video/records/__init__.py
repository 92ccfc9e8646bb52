"""Episode records: model, JSON Schema validation and crash-safe JSONL I/O.

- ``model``: ``EpisodeRecord`` (one line of ``episodes.jsonl``) and ``comparable``.
- ``schema``: the packaged JSON Schema, ``check_record`` / ``record_errors``.
- ``jsonl``: ``RecordWriter`` (atomic fsynced appends), ``read_records`` (torn-tail
  tolerant), ``rewrite_records`` (atomic replace).

Plain data only: nothing here opens a video. Checking a run's files against its records
(sizes, digests, decoded frame counts) is ``benchmark.validate`` / ``benchmark.decode``.
"""

from robot_sf_gym_video.records.jsonl import RecordWriter, read_records, rewrite_records
from robot_sf_gym_video.records.model import EpisodeRecord, comparable
from robot_sf_gym_video.records.schema import (
    SCHEMA_VERSION,
    InvalidRecordError,
    check_record,
    record_errors,
)

__all__ = [
    "SCHEMA_VERSION",
    "EpisodeRecord",
    "InvalidRecordError",
    "RecordWriter",
    "check_record",
    "comparable",
    "read_records",
    "record_errors",
    "rewrite_records",
]
