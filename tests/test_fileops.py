"""The shared file primitives: one temp scheme, atomic writes that keep the mode, warn-once."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from robot_sf_gym_video import fileops
from robot_sf_gym_video.records.jsonl import append_record, rewrite_records


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    fileops.atomic_write(target, "new")
    assert target.read_text() == "new"
    assert _mode(target) == 0o640
    assert list(tmp_path.glob(fileops.TEMP_GLOB)) == []


def test_a_new_file_gets_the_umask_mode_not_private(tmp_path):
    old = os.umask(0o022)
    try:
        fileops.atomic_write(tmp_path / "b.bin", b"x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "b.bin") == 0o644


def test_records_rewrite_keeps_644(tmp_path):
    path = tmp_path / "episodes.jsonl"
    append_record(path, {"a": 1})
    os.chmod(path, 0o644)
    rewrite_records(path, [{"a": 2}])
    assert _mode(path) == 0o644
    assert path.read_text() == '{"a":2}\n'


def test_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "c.txt"
    target.write_text("keep")
    with pytest.raises(RuntimeError), fileops.atomic_writer(target) as handle:
        handle.write(b"half")
        raise RuntimeError("boom")
    assert target.read_text() == "keep"
    assert os.listdir(tmp_path) == ["c.txt"]


def test_every_temp_name_matches_the_one_glob_and_fits_its_overhead(tmp_path):
    final = tmp_path / ("n" * 100 + ".mp4")
    temp = fileops.claim_temp(final)
    assert fileops.is_temp_name(temp.name)
    assert list(tmp_path.glob(fileops.TEMP_GLOB)) == [temp]
    assert len(temp.name) - len(final.name) <= fileops.TEMP_OVERHEAD_BYTES
    assert fileops.remove_temps(tmp_path) == 1
    assert list(tmp_path.iterdir()) == []


def test_commit_without_replace_never_overwrites(tmp_path):
    final = tmp_path / "v.mp4"
    final.write_bytes(b"first")
    temp = fileops.claim_temp(final)
    temp.write_bytes(b"second")
    with pytest.raises(FileExistsError):
        fileops.commit(temp, final, replace=False)
    assert final.read_bytes() == b"first"
    fileops.commit(temp, final)
    assert final.read_bytes() == b"second"


def test_inside_refuses_a_link_out(tmp_path):
    root, outside = tmp_path / "run", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "videos").symlink_to(outside)
    with pytest.raises(fileops.ContainmentError):
        fileops.inside(root, "videos/x.mp4")
    assert fileops.inside(root, "episodes.jsonl") == root.resolve() / "episodes.jsonl"


def test_warn_once_warns_once_per_key(caplog):
    fileops.reset_warnings()
    log = logging.getLogger("robot_sf_gym_video.test")
    with caplog.at_level(logging.DEBUG, logger=log.name):
        for _ in range(3):
            fileops.warn_once(log, "k", "problem %d", 1)
        fileops.warn_once(log, "other", "second")
    levels = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert levels == [
        (logging.WARNING, "problem 1"),
        (logging.DEBUG, "problem 1"),
        (logging.DEBUG, "problem 1"),
        (logging.WARNING, "second"),
    ]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_a_full_disk_error_names_the_records_file():
    import errno

    from robot_sf_gym_video.records.jsonl import RecordWriter

    with RecordWriter("/dev/full") as writer, pytest.raises(OSError) as info:
        writer.write({"a": 1})
    assert info.value.errno == errno.ENOSPC and info.value.filename == "/dev/full"
