"""Small modules, short functions: the size rule of the package's layers as a ratchet.

A module of more than ``MAX_MODULE_LINES`` lines or a function of more than
``MAX_FUNCTION_LINES`` lines (its docstring not counted) in those layers must be listed in
``KNOWN_OFFENDERS``; the test fails when a new offender appears and when a listed one no
longer offends (delete it from the list: the list only shrinks). Run
``python tests/test_code_size.py`` to print the current offenders with their sizes.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "robot_sf_gym_video"
LAYERS = ("video", "render", "benchmark", "sim", "env", "report", "records", "policies")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50

#: ``"path"`` (a module) or ``"path::qualname"`` (a function), with its size when listed.
KNOWN_OFFENDERS: frozenset[str] = frozenset(
    {
        "sim/pedestrians.py::Crowd._acceleration",  # 58
    }
)


def _function_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines of ``node`` from ``def`` to its end, without its docstring."""
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def offenders() -> dict[str, int]:
    """Return every module and function over the limits, with its size in lines."""
    found: dict[str, int] = {}
    for layer in LAYERS:
        for path in sorted((PACKAGE / layer).glob("*.py")):
            text = path.read_text(encoding="utf-8")
            name = path.relative_to(PACKAGE).as_posix()
            lines = len(text.splitlines())
            if lines > MAX_MODULE_LINES:
                found[name] = lines
            stack: list[tuple[ast.AST, str]] = [(ast.parse(text), "")]
            while stack:
                node, prefix = stack.pop()
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        qualname = f"{prefix}{child.name}"
                        if not isinstance(child, ast.ClassDef):
                            size = _function_lines(child)
                            if size > MAX_FUNCTION_LINES:
                                found[f"{name}::{qualname}"] = size
                        stack.append((child, qualname + "."))
    return found


def test_no_new_offenders():
    new = {k: v for k, v in offenders().items() if k not in KNOWN_OFFENDERS}
    assert new == {}, "split these (modules <= 400 lines, functions <= 50)"


def test_fixed_offenders_leave_the_list():
    fixed = sorted(KNOWN_OFFENDERS - set(offenders()))
    assert fixed == [], "no longer too long: delete them from KNOWN_OFFENDERS"


if __name__ == "__main__":
    for key, size in sorted(offenders().items()):
        print(f"{size:5d}  {key}")
