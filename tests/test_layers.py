"""The layering promises, checked on the source: who may import whom.

- ``records/`` is plain data: no video decoding, hashing or subprocesses, and no import of
  the layers above it (benchmark, video, render, env).
- ``sim/`` (physics) never imports graphics or video.
"""

import ast
from pathlib import Path

import pytest

import robot_sf_gym_video

PACKAGE = Path(robot_sf_gym_video.__file__).parent


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _forbidden(layer: str, banned: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in _imports(path):
            if any(name == b or name.startswith(b + ".") for b in banned):
                found.append(f"{path.relative_to(PACKAGE)} imports {name}")
    return found


@pytest.mark.parametrize(
    ("layer", "banned"),
    [
        (
            "records",
            (
                "av",
                "hashlib",
                "subprocess",
                "imageio_ffmpeg",
                "robot_sf_gym_video.benchmark",
                "robot_sf_gym_video.video",
                "robot_sf_gym_video.render",
                "robot_sf_gym_video.env",
            ),
        ),
        ("sim", ("pygame", "av", "robot_sf_gym_video.render", "robot_sf_gym_video.video")),
    ],
)
def test_layer_imports(layer, banned):
    assert _forbidden(layer, banned) == []
