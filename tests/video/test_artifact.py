import pytest

from robot_sf_gym_video.video.artifact import SKIP_REASONS, VideoArtifact, VideoSkip


def test_artifact_dict_without_notes():
    art = VideoArtifact("v/a.mp4", filesize_bytes=10, frames=3, renderer="env", sha256="ab")
    assert art.to_dict() == {
        "path": "v/a.mp4",
        "format": "mp4",
        "filesize_bytes": 10,
        "frames": 3,
        "renderer": "env",
        "sha256": "ab",
    }


def test_artifact_dict_with_notes():
    art = VideoArtifact("a.mp4", 1, 1, "synthetic", "cd", notes="pygame missing")
    assert art.to_dict()["notes"] == "pygame missing"


def test_skip_dict_and_reasons():
    skip = VideoSkip("no-frames", "none", "synthetic", 0)
    assert skip.to_dict() == {
        "reason": "no-frames",
        "message": "none",
        "renderer": "synthetic",
        "steps": 0,
    }
    assert set(SKIP_REASONS) == {
        "moviepy-missing",
        "codec-unavailable",
        "no-frames",
        "unwritable-path",
        "encode-error",
        "not-selected",
    }


def test_bad_values_rejected():
    with pytest.raises(ValueError):
        VideoSkip("disk-full", "x", "env", 1)
    with pytest.raises(ValueError):
        VideoArtifact("a", 1, 1, "opengl", "x")
