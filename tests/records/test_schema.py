import copy
import json
from pathlib import Path

import jsonschema
import pytest

from robot_sf_gym_video.records import EpisodeRecord, InvalidRecordError, check_record
from robot_sf_gym_video.records.schema import (
    SCHEMA_FILES,
    SCHEMA_VERSION,
    load_schema,
    record_errors,
)

REPO = Path(__file__).resolve().parents[2]

VALID = {
    "schema_version": "episode.v2",
    "episode_id": "crossing__123__0",
    "scenario": "crossing",
    "seed": 123,
    "episode_idx": 0,
    "steps": 30,
    "outcome": "timeout",
    "metrics": {"path_length_m": 3.2},
    "wall_time_s": 0.5,
}
VIDEO = {
    "path": "videos/crossing__123__0.mp4",
    "format": "mp4",
    "filesize_bytes": 1000,
    "frames": 30,
    "renderer": "synthetic",
    "sha256": "a" * 64,
}
SKIP = {"reason": "no-frames", "message": "no frame", "renderer": "synthetic", "steps": 0}


@pytest.mark.parametrize(("version", "filename"), sorted(SCHEMA_FILES.items()))
def test_repo_schema_and_packaged_copy_are_identical(version, filename):
    top = (REPO / "schemas" / filename).read_bytes()
    packaged = (REPO / "robot_sf_gym_video" / "schemas" / filename).read_bytes()
    assert top == packaged
    assert json.loads(top) == load_schema(version)
    assert load_schema(version)["properties"]["schema_version"]["const"] == version


@pytest.mark.parametrize("version", sorted(SCHEMA_FILES))
def test_schema_is_valid_draft_2020_12(version):
    schema = load_schema(version)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_records_are_written_as_v2_and_v1_records_are_still_valid():
    assert SCHEMA_VERSION == "episode.v2"
    v1 = {**VALID, "schema_version": "episode.v1"}
    assert record_errors({**v1, "video": VIDEO}) == []
    assert record_errors({**v1, "video_skip": SKIP}) == []
    # a v2-only field is not part of v1: each record is checked against its own version
    assert record_errors({**v1, "policy_sha256": "b" * 64})
    assert record_errors({**VALID, "policy_sha256": "b" * 64}) == []
    assert record_errors({**VALID, "policy_sha256": "B" * 64})


def test_v2_keeps_every_v1_field():
    v1, v2 = load_schema("episode.v1"), load_schema("episode.v2")
    assert set(v1["properties"]) <= set(v2["properties"])
    assert v1["required"] == v2["required"]
    assert set(v1["properties"]["video"]["properties"]) <= set(v2["$defs"]["video"]["properties"])


@pytest.mark.parametrize("extra", [{}, {"video": VIDEO}, {"video_skip": SKIP}])
def test_valid_records_pass(extra):
    assert record_errors({**VALID, **extra}) == []


def test_video_and_skip_together_are_rejected():
    assert record_errors({**VALID, "video": VIDEO, "video_skip": SKIP})


@pytest.mark.parametrize("field", list(VALID))
def test_each_required_field_is_required(field):
    record = dict(VALID)
    del record[field]
    assert any(field in e for e in record_errors(record))


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("schema_version",), "episode.v3"),
        (("outcome",), "crashed"),
        (("seed",), -1),
        (("metrics",), []),
        (("episode_id",), "a/b__1__0"),
        (("video", "format"), "webm"),
        (("video", "filesize_bytes"), 0),
        (("video", "frames"), -1),
        (("video", "renderer"), "opengl"),
        (("video", "path"), "/abs/x.mp4"),
        (("video", "path"), "../x.mp4"),
        (("video", "path"), "videos/../../x.mp4"),
        (("video", "path"), "videos\\x.mp4"),
        (("video", "sha256"), "XYZ"),
        (("video", "surprise"), 1),
    ],
)
def test_bad_values_are_rejected(path, value):
    record = copy.deepcopy({**VALID, "video": VIDEO})
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert record_errors(record)


def test_bad_skip_reason_rejected():
    assert record_errors({**VALID, "video_skip": {**SKIP, "reason": "tired"}})


def test_check_record_raises_one_line():
    with pytest.raises(InvalidRecordError) as info:
        check_record({**VALID, "outcome": "nope"})
    assert "\n" not in str(info.value)
    assert "outcome" in str(info.value)


def test_episode_record_round_trip_is_valid_and_drops_unknown_video_keys():
    rec = EpisodeRecord(
        episode_id="crossing__123__0",
        scenario="crossing",
        seed=123,
        episode_idx=0,
        steps=30,
        outcome="success",
        metrics={"a": 1},
        wall_time_s=0.1,
        policy="goal",
        video={**VIDEO, "encoder_stats": {"ms": 1}},
    ).to_dict()
    assert "encoder_stats" not in rec["video"]
    assert rec["max_steps"] is None
    assert record_errors(rec) == []


def test_episode_record_refuses_both():
    with pytest.raises(ValueError):
        EpisodeRecord("x__1__0", "x", 1, 0, 1, "success", {}, 0.0, video=VIDEO, video_skip=SKIP)
