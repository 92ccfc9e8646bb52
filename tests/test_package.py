"""Package-level promises: cheap import, registration, typed, no optional deps pulled in."""

import json
import subprocess
import sys
from pathlib import Path

import gymnasium

import robot_sf_gym_video

ROOT = Path(__file__).resolve().parents[1]


def test_import_registers_env():
    assert robot_sf_gym_video.ENV_ID in gymnasium.registry


def test_py_typed_is_shipped():
    assert (Path(robot_sf_gym_video.__file__).parent / "py.typed").exists()


def test_import_does_not_pull_optional_dependencies():
    code = (
        "import sys, json, robot_sf_gym_video;"
        "print(json.dumps([m for m in ('moviepy', 'pygame', 'av', 'tqdm') if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_unknown_attribute_raises_attribute_error():
    try:
        robot_sf_gym_video.does_not_exist  # noqa: B018
    except AttributeError as exc:
        assert "does_not_exist" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
