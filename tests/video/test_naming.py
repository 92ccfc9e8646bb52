from pathlib import Path

import pytest

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.video.naming import (
    MAX_COMPONENT_CHARS,
    episode_id,
    sanitize_component,
    video_path,
)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("crossing", "crossing"),
        ("CartPole-v1", "CartPole-v1"),
        ("robot_sf_gym_video/SocialNav-v0", "robot_sf_gym_video-SocialNav-v0"),
        ("a b\tc", "a-b-c"),
        ("ünï", "-n-"),
        ("", "-"),
        (".", "-"),
        ("..", "--"),
        ("../../etc/passwd", "---..-etc-passwd"),
        (".hidden", "-hidden"),
        ("a..b", "a..b"),
        ("C:\\win", "C--win"),
        (42, "42"),
    ],
)
def test_sanitize_component(raw, safe):
    assert sanitize_component(raw) == safe


def test_long_components_are_cut_but_stay_unique():
    a, b = "x" * 300 + "a", "x" * 300 + "b"
    sa, sb = sanitize_component(a), sanitize_component(b)
    assert len(sa) == len(sb) == MAX_COMPONENT_CHARS
    assert sa != sb


def test_episode_id_shape():
    assert episode_id("crossing", 7, 0) == "crossing__7__0"
    assert episode_id("a/b", None, 3) == "a-b__none__3"


@pytest.mark.parametrize(
    "scenario", ["../../escape", "/abs/path", "..", ".", "", "a/../../b", "..\\..\\x", "\x00nul"]
)
def test_hostile_names_stay_inside(tmp_path, scenario):
    path = video_path(tmp_path / "videos", episode_id(scenario, 1, 2))
    assert path.parent == tmp_path / "videos"
    assert path.resolve().parent == (tmp_path / "videos").resolve()
    assert path.name.endswith("__1__2.mp4")
    assert not path.name.startswith(".")


def test_video_path_keeps_relative_dir():
    assert video_path("results/videos", "s__1__0") == Path("results/videos/s__1__0.mp4")


def test_video_path_rejects_nothing_built_by_episode_id(tmp_path):
    # The check is a guard; a hand-made id is sanitised rather than rejected.
    assert video_path(tmp_path, "../x").parent == tmp_path


def test_usage_error_is_value_error():
    assert issubclass(UsageError, ValueError)
