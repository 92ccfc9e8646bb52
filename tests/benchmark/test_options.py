"""Every run option is declared once (``RUN_OPTIONS``); the API, CLI and config file agree."""

import inspect
import typing

import pytest

from robot_sf_gym_video.benchmark import cli
from robot_sf_gym_video.benchmark.config import (
    BACKENDS,
    VIDEO_RENDERERS,
    RunConfig,
    VideoSettings,
    load_config_file,
)
from robot_sf_gym_video.benchmark.options import RUN_OPTIONS
from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.benchmark.selection import VideoSelection
from robot_sf_gym_video.policies.spec import PolicySource

# One valid sample per option: (CLI arguments, TOML line, the RunConfig attribute it sets,
# its expected value). A new option without a sample here fails test_every_option_sampled.
SAMPLES = {
    "out_dir": (["--out", "o"], 'out_dir = "o"', "out_dir", None),
    "scenarios": (
        ["--scenario", "corridor"],
        'scenarios = ["corridor"]',
        "scenarios",
        ("corridor",),
    ),
    "episodes": (["--episodes", "3"], "episodes = 3", "episodes", 3),
    "seed": (["--seed", "7"], "seed = 7", "seed", 7),
    "max_steps": (["--max-steps", "9"], "max_steps = 9", "max_steps", 9),
    "policy": (
        ["--policy", "zero"],
        'policy = "zero"',
        "policy",
        PolicySource(spec="zero", kind="builtin", target="zero"),
    ),
    "workers": (["--workers", "2"], "workers = 2", "workers", 2),
    "video_enabled": (["--video"], "video_enabled = true", "video", VideoSettings("synthetic")),
    "video_renderer": (
        ["--video-renderer", "sim-view"],
        'video_renderer = "sim-view"\nvideo_enabled = true',
        "video",
        VideoSettings("sim-view"),
    ),
    "resume": (["--resume"], "resume = true", "resume", True),
    "overwrite": (["--overwrite"], "overwrite = true", "overwrite", True),
    "scenarios_file": (
        ["--scenarios", "s.toml"],
        'scenarios_file = "s.toml"',
        "scenarios_file",
        None,
    ),
    "video_size": (
        ["--video", "--video-size", "160x120"],
        'video_size = "160x120"\nvideo_enabled = true',
        "video",
        VideoSettings("synthetic", (160, 120)),
    ),
    "video_lidar": (
        ["--video-renderer", "sim-view", "--video-lidar"],
        'video_lidar = true\nvideo_renderer = "sim-view"\nvideo_enabled = true',
        "video",
        VideoSettings("sim-view", None, True),
    ),
    "video_stall_timeout_s": (
        ["--video", "--video-stall-timeout", "2.5"],
        "video_stall_timeout_s = 2.5\nvideo_enabled = true",
        "video",
        VideoSettings("synthetic", stall_timeout_s=2.5),
    ),
    "progress": ([], "progress = true", "progress", True),
    "report": (["--report"], "report = true", "report", True),
    "backend": (["--backend", "ray"], 'backend = "ray"', "backend", "ray"),
    "ray_address": (
        ["--backend", "ray", "--ray-address", "auto"],
        'ray_address = "auto"\nbackend = "ray"',
        "ray_address",
        "auto",
    ),
    "video_episodes": (
        ["--video", "--video-episodes", "every:3"],
        'video_episodes = "every:3"\nvideo_enabled = true',
        "video",
        VideoSettings("synthetic", None, False, VideoSelection("every", 3)),
    ),
}
#: Options the CLI sets with dedicated flags instead of one generic flag each.
SPECIAL_CLI = {"video_enabled": "--video/--no-video", "progress": "--quiet"}


def test_every_option_sampled_and_run_batch_signature_matches():
    assert set(SAMPLES) == set(RUN_OPTIONS)
    params = inspect.signature(run_batch).parameters
    assert tuple(params) == RUN_OPTIONS.names()
    for name, param in params.items():
        option = RUN_OPTIONS.get(name)
        if option.required:
            assert param.default is inspect.Parameter.empty, name
        else:
            assert param.default == option.default, name


def test_run_batch_literals_equal_their_registries():
    hints = typing.get_type_hints(run_batch)
    assert typing.get_args(hints["video_renderer"]) == VIDEO_RENDERERS
    assert typing.get_args(hints["backend"]) == BACKENDS
    assert RUN_OPTIONS.get("video_renderer").cli["choices"] == VIDEO_RENDERERS


def _run_parser():
    parser = cli.main_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sub.choices["run"]


@pytest.mark.parametrize("name", RUN_OPTIONS.names())
def test_every_option_reaches_run_batch_from_the_cli(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.toml").write_text("")
    args, _, attr, expected = SAMPLES[name]
    dests = {a.dest for a in _run_parser()._actions}
    assert name in dests or name in SPECIAL_CLI
    if name == "progress":  # on by default on the CLI; --quiet turns it off
        args, expected = ["--quiet"], False
    argv = ["run", *(["--out", "o"] if name != "out_dir" else []), *args]
    config = RunConfig.build(**cli.run_kwargs(cli.main_parser().parse_args(argv)))
    value = getattr(config, attr)
    if name in ("out_dir", "scenarios_file"):
        expected = tmp_path / ("o" if name == "out_dir" else "s.toml")
        value = value.resolve()
    assert value == expected


@pytest.mark.parametrize("name", RUN_OPTIONS.names())
def test_every_option_reaches_run_batch_from_a_config_file(tmp_path, name):
    (tmp_path / "s.toml").write_text("")
    _, toml, attr, expected = SAMPLES[name]
    cfg = tmp_path / "batch.toml"
    cfg.write_text(toml + ("\n" if name == "out_dir" else '\nout_dir = "o"\n'))
    config = RunConfig.build(**load_config_file(cfg))
    if name in ("out_dir", "scenarios_file"):
        expected = tmp_path / ("o" if name == "out_dir" else "s.toml")
    assert getattr(config, attr) == expected


def test_video_is_none_or_settings(tmp_path):
    assert RunConfig.build(out_dir=tmp_path).video is None
    off = RunConfig.build(out_dir=tmp_path, video_enabled=True, video_renderer="none")
    assert off.video is None and not off.video_on and off.video_renderer == "none"
    on = RunConfig.build(out_dir=tmp_path, video_enabled=True, video_size=[128, 96])
    assert on.video == VideoSettings("synthetic", (128, 96)) and on.video_on
