"""One registry per vocabulary: every tuple, Literal, CLI choice and schema enum agrees with it.

These tests are what makes the "how to add a renderer / skip reason" recipes of
``docs/design.md`` true: a name added to a registry and nowhere else must reach every
spelling (or a test here names the one that was missed).
"""

import json
import os
import shutil
import subprocess
import sys
import typing

import pytest

from robot_sf_gym_video import policies
from robot_sf_gym_video.benchmark import cli, schema_sync
from robot_sf_gym_video.benchmark.config import VIDEO_RENDERERS
from robot_sf_gym_video.env import social_nav_env
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.registry import Registry
from robot_sf_gym_video.render import RENDERER_NAMES, create_renderer
from robot_sf_gym_video.render.registry import RENDERERS, RendererChoice, RendererName
from robot_sf_gym_video.sim.snapshot import OUTCOME_REGISTRY, OUTCOMES
from robot_sf_gym_video.video import wrapper
from robot_sf_gym_video.video.artifact import RENDERER_LABELS, SKIP_REASONS, SKIPS, VideoSkip
from robot_sf_gym_video.video.encoder import ENCODER_BACKENDS, ENCODER_CHOICES, ENCODERS


def test_registry_lookup_and_one_line_error():
    assert RENDERERS.get("synthetic").name == "synthetic"
    with pytest.raises(UsageError) as info:
        RENDERERS.get("opengl")
    assert str(info.value) == f"unknown renderer 'opengl'; allowed: {', '.join(RENDERERS)}"
    with pytest.raises(ValueError, match="duplicate"):
        Registry("x", [OUTCOME_REGISTRY.get("success")] * 2)


def test_tuples_derive_from_their_registries():
    assert RENDERER_NAMES == RENDERERS.names() == social_nav_env.RENDERERS
    assert (*RENDERERS.names(), "env") == RENDERER_LABELS
    assert VIDEO_RENDERERS == wrapper.RENDERER_CHOICES == (*RENDERERS.names(), "none")
    assert SKIPS.names() == SKIP_REASONS
    assert OUTCOME_REGISTRY.names() == OUTCOMES
    assert ENCODERS.names() == ENCODER_BACKENDS and ("auto", *ENCODERS) == ENCODER_CHOICES
    assert policies.POLICIES.names() == policies.POLICY_NAMES


def _literal_values(hint) -> tuple:
    """The values of the ``Literal`` types inside ``hint`` (``Optional`` and unions too)."""
    if typing.get_origin(hint) is typing.Literal:
        return typing.get_args(hint)
    return tuple(v for arg in typing.get_args(hint) for v in _literal_values(arg))


def test_renderer_literals_equal_the_registry():
    assert typing.get_args(RendererName) == RENDERER_NAMES
    assert typing.get_args(RendererChoice) == VIDEO_RENDERERS


def test_wrapper_literals_equal_their_registries():
    hints = typing.get_type_hints(wrapper.VideoArtifactWrapper.__init__)
    assert _literal_values(hints["renderer"]) == wrapper.RENDERER_CHOICES
    assert _literal_values(hints["finalize"]) == wrapper.FINALIZE_MODES
    backend = typing.get_type_hints(wrapper.RecorderOptions)
    assert _literal_values(backend["encoder"]) == ENCODER_CHOICES


def test_every_renderer_has_a_default_size():
    for spec in RENDERERS.entries():
        width_px, height_px = spec.default_size()
        assert width_px % 2 == 0 and height_px % 2 == 0


def _choices(parser, *path):
    for name in path:
        sub = next(a for a in parser._actions if a.dest == "command")
        parser = sub.choices[name]
    return {a.option_strings[0]: a.choices for a in parser._actions if a.option_strings}


def test_cli_choices_equal_their_registries():
    run = _choices(cli.main_parser(), "run")
    assert tuple(run["--video-renderer"]) == VIDEO_RENDERERS
    perf = _choices(cli.main_parser(), "perf")
    assert tuple(perf["--renderer"]) == RENDERER_NAMES


@pytest.mark.parametrize(
    "file", schema_sync.schema_files(), ids=lambda f: f"{f.parent.name}/{f.name}"
)
def test_every_schema_enum_equals_its_registry(file):
    assert schema_sync.enum_problems(file) == []


def test_both_schema_copies_exist():
    names = [f"{f.parent.parent.name}/{f.name}" for f in schema_sync.schema_files()]
    assert any(n.startswith("robot_sf_gym_video/") for n in names)  # packaged copy
    assert len(names) >= 2


@pytest.mark.parametrize("source", schema_sync.schema_files(), ids=lambda f: f.name)
def test_sync_rewrites_only_the_stale_enum(tmp_path, source):
    text = source.read_text(encoding="utf-8")
    stale = text.replace('"encode-error"', '"encode-error", "gone"', 1)
    assert stale != text
    copy = tmp_path / source.name
    copy.write_text(stale, encoding="utf-8")
    assert schema_sync.enum_problems(copy)
    assert schema_sync.sync_enums(copy) is True
    assert copy.read_text(encoding="utf-8") == text  # every other byte kept
    assert schema_sync.sync_enums(copy) is False


def test_every_renderer_entry_builds_and_names_itself():
    for spec in RENDERERS.entries():
        renderer, note = create_renderer(spec.name, size=(128, 96))
        try:
            assert renderer.name == (spec.name if note is None else spec.fallback)
        finally:
            renderer.close()


def test_every_skip_reason_makes_a_valid_skip():
    for reason in SKIPS.entries():
        assert (
            VideoSkip(reason.name, reason.meaning, "synthetic", 0).to_dict()["reason"]
            == reason.name
        )
    with pytest.raises(ValueError):
        VideoSkip("nope", "", "synthetic", 0)


def test_top_level_schemas_are_copies_and_main_check_passes(capsys):
    assert schema_sync.copy_problems() == []
    assert schema_sync.main(["--check"]) == 0
    assert capsys.readouterr().out == ""


_FLAT_MODULE = """
from robot_sf_gym_video.render.synthetic import DEFAULT_SIZE, SyntheticRenderer

__all__ = ["DEFAULT_SIZE", "FlatRenderer"]


class FlatRenderer(SyntheticRenderer):
    name = "flat"
"""

_CHECK_THIRD_RENDERER = """
import json, sys
import gymnasium as gym
import robot_sf_gym_video
from robot_sf_gym_video import run_batch
from robot_sf_gym_video.benchmark import cli
from robot_sf_gym_video.benchmark.validate import validate_run
out = sys.argv[1]
args = cli.main_parser().parse_args(["run", "--video-renderer", "flat", "--out", out])
summary = run_batch(out, episodes=1, max_steps=6, video_enabled=True, video_renderer="flat")
env = gym.make(robot_sf_gym_video.ENV_ID, render_mode="rgb_array", renderer="flat")
env.reset(seed=0)
print(json.dumps([args.video_renderer, summary.videos_written, validate_run(out, decode=True),
                  list(env.render().shape), open(out + "/episodes.jsonl").read()]))
"""


def _package_copy(tmp_path):
    """Copy the package and the top-level schemas to ``tmp_path``; return it and an env."""
    repo = schema_sync._PACKAGE_DIR.parent
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(repo / "robot_sf_gym_video", tmp_path / "robot_sf_gym_video", ignore=ignore)
    shutil.copytree(repo / "schemas", tmp_path / "schemas")
    return tmp_path / "robot_sf_gym_video", {**os.environ, "PYTHONPATH": str(tmp_path)}


def _edit(path, *replacements):
    text = path.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text)


def _schema_sync(tmp_path, env):
    sync = [sys.executable, "-m", "robot_sf_gym_video.benchmark.schema_sync"]
    subprocess.run(sync, env=env, cwd=tmp_path, check=True, capture_output=True, timeout=60)


def test_recipe_a_third_renderer_is_a_module_and_a_registry_entry(tmp_path):
    """docs/design.md's renderer recipe, applied to a copy of the package, really works."""
    package, env = _package_copy(tmp_path)
    (package / "render" / "flat.py").write_text(_FLAT_MODULE)  # file 1: the renderer
    entry = 'RendererSpec(name="flat", factory="robot_sf_gym_video.render.flat:FlatRenderer"),'
    marker = "    ],\n)\nRENDERER_NAMES"
    _edit(  # file 2: its entry (and its name in the two Literals)
        package / "render" / "registry.py",
        (marker, f"        {entry}\n{marker}"),
        ('"sim-view"]', '"sim-view", "flat"]'),
        ('"sim-view", "none"]', '"sim-view", "flat", "none"]'),
    )
    _schema_sync(tmp_path, env)
    code = [sys.executable, "-c", _CHECK_THIRD_RENDERER, str(tmp_path / "run")]
    done = subprocess.run(code, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    choice, videos, problems, shape, records = json.loads(done.stdout.splitlines()[-1])
    assert choice == "flat" and videos == 1 and problems == [] and shape == [192, 256, 3]
    assert json.loads(records)["video"]["renderer"] == "flat"


_CHECK_NEW_SKIP = """
from robot_sf_gym_video.records.schema import record_errors
from robot_sf_gym_video.video.artifact import VideoSkip
skip = VideoSkip("lens-cap", "the lens cap was on", "synthetic", 3).to_dict()
record = {"schema_version": "episode.v2", "episode_id": "crossing__1__0", "scenario": "crossing",
          "seed": 1, "episode_idx": 0, "steps": 3, "outcome": "timeout", "metrics": {},
          "wall_time_s": 0.1, "video_skip": skip}
print(record_errors(record))
"""


def test_recipe_a_new_skip_reason_is_one_registry_entry(tmp_path):
    """docs/design.md's skip-reason recipe: one entry, then schema_sync; records accept it."""
    package, env = _package_copy(tmp_path)
    marker = '        SkipReason("encode-error",'
    entry = '        SkipReason("lens-cap", "the lens cap was on"),\n'
    _edit(package / "video" / "artifact.py", (marker, entry + marker))
    _schema_sync(tmp_path, env)
    code = [sys.executable, "-c", _CHECK_NEW_SKIP]
    done = subprocess.run(code, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
