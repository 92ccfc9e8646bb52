import json
import os

import pytest

from robot_sf_gym_video.records.jsonl import (
    RecordWriter,
    append_record,
    read_records,
    rewrite_records,
)


def test_append_and_read_round_trip(tmp_path):
    path = tmp_path / "episodes.jsonl"
    with RecordWriter(path) as writer:
        writer.write({"a": 1})
        writer.write({"b": "é"})
    append_record(path, {"c": [1, 2]})
    result = read_records(path)
    assert [r for _, r in result.records] == [{"a": 1}, {"b": "é"}, {"c": [1, 2]}]
    assert result.problems == []
    assert path.read_bytes().endswith(b"\n")


def test_each_record_is_one_write_call(tmp_path, monkeypatch):
    calls = []
    real_write = os.write

    def spy(fd, data):
        calls.append(bytes(data))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", spy)
    with RecordWriter(tmp_path / "e.jsonl") as writer:
        writer.write({"x": 1, "y": "long" * 100})
    assert len(calls) == 1 and calls[0].endswith(b"\n") and calls[0].count(b"\n") == 1


def test_each_record_is_fsynced(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    with RecordWriter(tmp_path / "e.jsonl") as writer:
        writer.write({"x": 1})
        writer.write({"x": 2})
    assert len(synced) == 2


def test_nan_is_refused(tmp_path):
    with RecordWriter(tmp_path / "e.jsonl") as writer, pytest.raises(ValueError):
        writer.write({"x": float("nan")})


def test_torn_tail_is_reported_not_raised(tmp_path):
    path = tmp_path / "episodes.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2')
    result = read_records(path)
    assert [r for _, r in result.records] == [{"a": 1}]
    assert result.torn_tail
    assert result.problems[0].line_no == 2


def test_bad_middle_line_is_not_torn(tmp_path):
    path = tmp_path / "episodes.jsonl"
    path.write_bytes(b'{"a": 1}\nnot json\n[1]\n{"b": 2}\n')
    result = read_records(path)
    assert [r for _, r in result.records] == [{"a": 1}, {"b": 2}]
    assert not result.torn_tail
    assert [p.line_no for p in result.problems] == [2, 3]


def test_complete_last_line_without_newline_is_kept(tmp_path):
    path = tmp_path / "episodes.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}')
    result = read_records(path)
    assert len(result.records) == 2 and not result.problems


def test_append_after_torn_tail_keeps_new_record_intact(tmp_path):
    path = tmp_path / "episodes.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2')
    append_record(path, {"c": 3})
    result = read_records(path)
    assert [r for _, r in result.records] == [{"a": 1}, {"c": 3}]
    assert len(result.problems) == 1 and not result.torn_tail


def test_missing_file_reads_empty(tmp_path):
    result = read_records(tmp_path / "nope.jsonl")
    assert result.records == [] and result.problems == []


def test_rewrite_is_atomic_and_leaves_no_temp(tmp_path):
    path = tmp_path / "episodes.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2')
    rewrite_records(path, [{"a": 1}])
    assert path.read_text() == json.dumps({"a": 1}, separators=(",", ":")) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episodes.jsonl"]


def test_rewrite_failure_keeps_old_file(tmp_path):
    path = tmp_path / "episodes.jsonl"
    path.write_text('{"a": 1}\n')
    with pytest.raises(ValueError):
        rewrite_records(path, [{"a": float("inf")}])
    assert path.read_text() == '{"a": 1}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episodes.jsonl"]


def test_numpy_values_are_written_as_plain_json(tmp_path):
    import numpy as np

    path = tmp_path / "e.jsonl"
    append_record(path, {"a": np.float64(1.5), "b": np.int64(2), "c": np.arange(2)})
    assert read_records(path).records[0][1] == {"a": 1.5, "b": 2, "c": [0, 1]}
