import inspect

import pytest

from robot_sf_gym_video.benchmark.config import (
    CONFIG_KEYS,
    RunConfig,
    load_config_file,
    parse_video_size,
)
from robot_sf_gym_video.benchmark.options import RUN_OPTIONS
from robot_sf_gym_video.errors import UsageError


def test_config_keys_are_run_batch_arguments():
    from robot_sf_gym_video.benchmark.runner import run_batch

    assert tuple(inspect.signature(run_batch).parameters) == CONFIG_KEYS
    for name, param in inspect.signature(run_batch).parameters.items():
        option = RUN_OPTIONS.get(name)
        if option.required:
            assert param.default is inspect.Parameter.empty, name
        else:
            assert param.default == option.default, name


def test_build_defaults(tmp_path):
    cfg = RunConfig.build(out_dir=tmp_path)
    assert cfg.episodes == 1 and cfg.workers == 1 and not cfg.video_on
    assert RunConfig.build(out_dir=tmp_path, video_enabled=True).video_on
    assert not RunConfig.build(out_dir=tmp_path, video_enabled=True, video_renderer="none").video_on


def test_video_options_without_video_are_named_in_a_warning(tmp_path, caplog):
    with caplog.at_level("WARNING", logger="robot_sf_gym_video"):
        RunConfig.build(out_dir=tmp_path, video_size="320x240", video_episodes="failures")
    assert [r.getMessage() for r in caplog.records] == [
        "--video-size, --video-episodes: no effect without video (add --video)"
    ]
    caplog.clear()
    with caplog.at_level("WARNING", logger="robot_sf_gym_video"):
        RunConfig.build(out_dir=tmp_path, video_enabled=True, video_size="320x240")
        RunConfig.build(out_dir=tmp_path)
    assert caplog.records == []


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"episodes": 0}, "episodes must be >= 1"),
        ({"workers": 0}, "workers must be >= 1"),
        ({"episodes": True}, "episodes must be an integer"),
        ({"video_renderer": "opengl"}, "video_renderer 'opengl' is not one of synthetic, sim-view"),
        ({"policy": "smart"}, "policy 'smart' is not a built-in"),
        ({"resume": True, "overwrite": True}, "--resume and --overwrite"),
        ({"max_steps": 0}, "max_steps must be >= 1"),
        ({"scenarios": []}, "at least one scenario"),
        ({"scenarios_file": "/nonexistent/s.toml"}, "does not exist"),
        ({"video_size": "320x241"}, "even integers"),
        ({"video_size": "64x48"}, "bad frame size 64x48"),
        ({"video_size": "big"}, "is not WxH"),
        ({"bogus": 1}, "unknown option 'bogus'"),
    ],
)
def test_build_rejects_bad_values_in_one_line(tmp_path, kwargs, needle):
    with pytest.raises(UsageError) as info:
        RunConfig.build(out_dir=tmp_path, **kwargs)
    assert needle in str(info.value)
    assert "\n" not in str(info.value)


def test_scenarios_string_and_duplicates(tmp_path):
    assert RunConfig.build(out_dir=tmp_path, scenarios="crossing").scenarios == ("crossing",)
    cfg = RunConfig.build(out_dir=tmp_path, scenarios=["a", "b", "a"])
    assert cfg.scenarios == ("a", "b")


def test_video_size_forms():
    assert parse_video_size("320x240") == (320, 240)
    assert parse_video_size([160, 120]) == (160, 120)
    assert parse_video_size((96, 72)) == (96, 72)
    assert parse_video_size(None) is None


def test_config_file_paths_relative_to_file(tmp_path):
    sub = tmp_path / "cfg"
    sub.mkdir()
    (sub / "batch.toml").write_text(
        'out_dir = "out"\nscenarios = ["crossing"]\nepisodes = 3\nvideo_enabled = true\n'
        'video_size = "160x120"\n'
    )
    data = load_config_file(sub / "batch.toml")
    assert data["out_dir"] == sub / "out"
    assert data["episodes"] == 3 and data["video_enabled"] is True


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("episods = 3\n", "unknown key 'episods'; allowed: out_dir, scenarios"),
        ('episodes = "3"\n', "key 'episodes' must be an integer"),
        ("video_enabled = 1\n", "key 'video_enabled' must be true or false"),
        ("episodes = true\n", "key 'episodes' must be an integer"),
        ("episodes = [\n", "not valid TOML"),
        ("episodes = 0\n", "episodes must be >= 1"),
        ('policy = "clever"\n', "policy 'clever' is not a built-in"),
    ],
)
def test_config_file_errors_name_file_and_key(tmp_path, text, needle):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(UsageError) as info:
        load_config_file(path)
    assert str(path) in str(info.value) and needle in str(info.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(UsageError, match="cannot read config file"):
        load_config_file(tmp_path / "none.toml")
