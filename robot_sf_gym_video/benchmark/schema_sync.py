"""The episode schemas kept in step: enums from the registries, one source for both copies.

- ``SCHEMA_ENUMS``: JSON path of every enum in the episode schemas -> the registry names it
  must equal (outcomes, renderers, renderer labels, skip reasons).
- ``schema_files()``: the schema files to keep in step (the packaged copies and, in a source
  checkout, the repository's top-level ``schemas/``).
- ``enum_problems(path)``: one line per enum of a schema file that differs from its
  registry, or that no registry claims.
- ``sync_enums(path)``: rewrite the differing enums in place (only the enum lists change;
  the rest of the file keeps its bytes).
- ``copy_problems()`` / ``copy_schemas()``: the repository's top-level ``schemas/`` must be
  byte-identical copies of the packaged ones (the packaged file is the one to edit).
- ``main(argv)``: ``python -m robot_sf_gym_video.benchmark.schema_sync [--check]``: write
  the enums into the packaged schemas, then copy them to ``schemas/``.

Why generated: a JSON Schema file cannot import a Python tuple, and hand-copying names
into four files is how they drift. Adding a renderer or skip reason is one registry entry
plus running this module; a record field is one edit of the packaged schema plus running
it. ``tests/test_registries.py`` and ``tests/records/test_schema.py`` fail until they agree.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "SCHEMA_ENUMS",
    "copy_problems",
    "copy_schemas",
    "enum_problems",
    "main",
    "schema_files",
    "sync_enums",
]


def _outcomes() -> tuple[str, ...]:
    from robot_sf_gym_video.sim.snapshot import OUTCOMES

    return OUTCOMES


def _renderers() -> tuple[str, ...]:
    from robot_sf_gym_video.render.registry import RENDERER_NAMES

    return RENDERER_NAMES


def _renderer_labels() -> tuple[str, ...]:
    from robot_sf_gym_video.video.artifact import RENDERER_LABELS

    return RENDERER_LABELS


def _skip_reasons() -> tuple[str, ...]:
    from robot_sf_gym_video.video.artifact import SKIP_REASONS

    return SKIP_REASONS


def _event_kinds() -> tuple[str, ...]:
    from robot_sf_gym_video.sim.metrics import EVENT_KINDS

    return EVENT_KINDS


def _with_types() -> tuple[str, ...]:
    from robot_sf_gym_video.sim.metrics import WITH_TYPES

    return WITH_TYPES


#: Every enum of the episode schemas, by JSON path, and where its values come from.
SCHEMA_ENUMS: dict[str, Callable[[], tuple[str, ...]]] = {
    "$.properties.outcome": _outcomes,
    "$.properties.video_renderer": _renderers,
    "$.properties.video.properties.renderer": _renderer_labels,
    "$.properties.video_skip.properties.reason": _skip_reasons,
    "$.$defs.video_renderer_used": _renderer_labels,
    "$.$defs.video_skip_reason": _skip_reasons,
    "$.$defs.event.properties.kind": _event_kinds,
    "$.$defs.event.properties.with.oneOf[1].properties.type": _with_types,
}

_ENUM_TEXT = re.compile(r'"enum"(\s*):(\s*)\[[^\]]*\]')


_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _packaged() -> list[Path]:
    return sorted((_PACKAGE_DIR / "schemas").glob("episode.schema.*.json"))


def _top_level_dir() -> Path | None:
    """Return the checkout's ``schemas/`` (None after a plain install: it does not exist)."""
    folder = _PACKAGE_DIR.parent / "schemas"
    return folder if folder.is_dir() else None


def schema_files() -> list[Path]:
    """Return the episode schema files: packaged ones, then the checkout's top-level ones."""
    top = _top_level_dir()
    return _packaged() + (sorted(top.glob("episode.schema.*.json")) if top else [])


def copy_problems() -> list[str]:
    """Return one line per top-level schema that is not a copy of the packaged one."""
    top = _top_level_dir()
    if top is None:
        return []
    problems = []
    for source in _packaged():
        copy = top / source.name
        if not copy.is_file() or copy.read_bytes() != source.read_bytes():
            problems.append(f"{copy} differs from {source} (the packaged file is the source)")
    return problems


def copy_schemas() -> list[Path]:
    """Copy each packaged schema to the top-level ``schemas/``; return the files written."""
    top = _top_level_dir()
    written = []
    for source in _packaged() if top is not None else []:
        copy = top / source.name
        if not copy.is_file() or copy.read_bytes() != source.read_bytes():
            copy.write_bytes(source.read_bytes())
            written.append(copy)
    return written


def _enums(node: Any, path: str = "$") -> Iterator[tuple[str, list[Any]]]:
    """Yield ``(json_path, values)`` of every ``enum`` in document order."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "enum" and isinstance(value, list):
                yield path, value
            else:
                yield from _enums(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _enums(value, f"{path}[{index}]")


def _expected(path: str) -> tuple[str, ...] | None:
    source = SCHEMA_ENUMS.get(path)
    return None if source is None else source()


def enum_problems(file: Path) -> list[str]:
    """Return one line per enum of ``file`` that differs from (or lacks) its registry."""
    problems = []
    for path, values in _enums(json.loads(file.read_text(encoding="utf-8"))):
        expected = _expected(path)
        if expected is None:
            problems.append(
                f"{file}: enum at {path} has no registry; add it to SCHEMA_ENUMS in "
                "robot_sf_gym_video/benchmark/schema_sync.py"
            )
        elif tuple(values) != expected:
            problems.append(f"{file}: enum at {path} is {values}, its registry says {[*expected]}")
    return problems


def sync_enums(file: Path) -> bool:
    """Rewrite the enums of ``file`` that differ from their registry; True if it changed.

    The ``i``-th ``"enum": [...]`` in the text is the ``i``-th enum of the parsed document
    (both in document order), so only those list literals are replaced.
    """
    text = file.read_text(encoding="utf-8")
    found = list(_enums(json.loads(text)))
    matches = list(_ENUM_TEXT.finditer(text))
    if len(matches) != len(found):
        raise ValueError(f"{file}: cannot match enum lists to the text; edit it by hand")
    out, last = [], 0
    for match, (path, values) in zip(matches, found, strict=True):
        expected = _expected(path)
        if expected is None or tuple(values) == expected:
            continue
        out += [text[last : match.start()], f'"enum"{match[1]}:{match[2]}']
        out.append(_list_text([*expected], text, match))
        last = match.end()
    if not out:
        return False
    file.write_text("".join(out) + text[last:], encoding="utf-8")
    return True


def _list_text(values: list[str], text: str, match: re.Match[str]) -> str:
    """Format ``values`` as the old list was: on one line, or one item per line."""
    if "\n" not in match[0]:
        return json.dumps(values)
    line_start = text.rfind("\n", 0, match.start()) + 1
    indent = text[line_start : match.start()]
    indent = indent[: len(indent) - len(indent.lstrip())]
    return json.dumps(values, indent=2).replace("\n", "\n" + indent)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the registries' names into the schemas (``--check``: only report, exit 1)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report differences, write nothing")
    args = parser.parse_args(argv)
    if not args.check:
        for file in _packaged():
            if sync_enums(file):
                print(f"updated {file}")
        for file in copy_schemas():
            print(f"updated {file}")
    problems = [line for file in schema_files() for line in enum_problems(file)]
    problems += copy_problems()
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover - command line
    raise SystemExit(main())
