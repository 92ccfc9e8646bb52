"""create_renderer: deterministic selection, errors, and the sim-view -> synthetic fallback."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap

import pytest

from robot_sf_gym_video import fileops
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.render import RENDERER_NAMES, Renderer, create_renderer
from robot_sf_gym_video.render.base import RendererUnavailable
from robot_sf_gym_video.render.synthetic import SyntheticRenderer

from .conftest import make_snap, make_static


def test_names():
    # The contract's two, synthetic first (the default); more may be registered.
    assert RENDERER_NAMES[:2] == ("synthetic", "sim-view")


def test_synthetic_by_default():
    renderer, note = create_renderer()
    assert isinstance(renderer, SyntheticRenderer) and note is None
    assert renderer.size == (256, 192)
    assert isinstance(renderer, Renderer)
    sized, _ = create_renderer("synthetic", size=(256, 192), show_trail=False)
    assert sized.size == (256, 192) and sized.show_trail is False


def test_sim_view_when_pygame_works():
    renderer, note = create_renderer("sim-view", size=(320, 240), show_lidar=False)
    assert renderer.name == "sim-view" and note is None
    assert isinstance(renderer, Renderer)
    assert renderer.render(make_static(), make_snap()).shape == (240, 320, 3)
    renderer.close()


def test_unknown_name_is_a_usage_error():
    with pytest.raises(UsageError) as err:
        create_renderer("opengl")
    allowed = ", ".join(RENDERER_NAMES)
    assert str(err.value) == f"unknown renderer 'opengl'; allowed: {allowed}"


@pytest.mark.parametrize("name", RENDERER_NAMES)
def test_bad_size_and_options_are_usage_errors(name):
    with pytest.raises(UsageError, match="321x240"):
        create_renderer(name, size=(321, 240))
    with pytest.raises(UsageError, match=r"unknown option.*colour"):
        create_renderer(name, colour="red")


def test_fallback_when_pygame_cannot_start(monkeypatch, caplog):
    from robot_sf_gym_video.render import sim_view

    def broken() -> None:
        raise RendererUnavailable("pygame could not start: SDL exploded")

    monkeypatch.setattr(sim_view, "load_pygame", broken)
    monkeypatch.setattr(fileops, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="robot_sf_gym_video.render.factory"):
        first, note = create_renderer("sim-view", size=(640, 480), show_lidar=True)
        second, again = create_renderer("sim-view")
    assert isinstance(first, SyntheticRenderer) and first.size == (640, 480)
    assert isinstance(second, SyntheticRenderer) and second.size == (256, 192)
    assert (
        note
        == again
        == "sim-view unavailable (pygame could not start: SDL exploded); used synthetic"
    )
    assert [r.getMessage() for r in caplog.records] == [note]  # warned once


def test_fallback_when_pygame_is_not_importable(tmp_path):
    code = textwrap.dedent(
        """
        import json, logging, sys
        sys.modules["pygame"] = None  # any "import pygame" now raises ImportError
        logging.basicConfig(level=logging.WARNING, format="%(name)s|%(message)s")
        from robot_sf_gym_video.render.factory import create_renderer
        from robot_sf_gym_video.render.synthetic import SyntheticRenderer
        a, note_a = create_renderer("sim-view")
        b, note_b = create_renderer("sim-view", size=(640, 480))
        frame = a.render_for_encoder(*__import__("pickle").loads(sys.stdin.buffer.read()))
        print(json.dumps({
            "types": [type(a).__name__, type(b).__name__],
            "names": [a.name, b.name],
            "notes": [note_a, note_b],
            "sizes": [a.size, b.size],
            "bytes": int(frame.size),
        }))
        """
    )
    import pickle

    done = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps((make_static(), make_snap())),
        cwd=tmp_path,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert result["types"] == ["SyntheticRenderer", "SyntheticRenderer"]
    assert result["names"] == ["synthetic", "synthetic"]
    note = result["notes"][0]
    assert note == result["notes"][1]
    assert note.startswith("sim-view unavailable (") and note.endswith("); used synthetic")
    assert "pygame" in note
    assert result["sizes"] == [[256, 192], [640, 480]]
    assert result["bytes"] == 256 * 192 * 3 // 2
    warnings = [
        line for line in done.stderr.decode().splitlines() if "sim-view unavailable" in line
    ]
    assert len(warnings) == 1 and warnings[0].startswith("robot_sf_gym_video.render.factory|")
