"""Every Python snippet in the README and ``docs/*.md`` runs as written.

Each fenced ``python`` block is run on its own, in a fresh interpreter whose working
directory is a temporary folder (so snippets that write ``results/`` write there). A block
that is not meant to run (a signature, a shell session) must use another fence (``text``,
``bash``). Snippets added later are collected too: a doc that does not run fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _snippets() -> list[tuple[str, str]]:
    out = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            line = text[: match.start()].count("\n") + 1
            out.append((f"{doc.relative_to(ROOT)}:{line}", match.group(1)))
    return out


SNIPPETS = _snippets()


def test_the_docs_have_snippets():
    assert any(where.startswith("README.md") for where, _ in SNIPPETS)
    assert any(where.startswith("docs/wrapper.md") for where, _ in SNIPPETS)


@pytest.mark.parametrize(("where", "code"), SNIPPETS, ids=[w for w, _ in SNIPPETS])
def test_snippet_runs(tmp_path, where, code):
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": path, "SDL_VIDEODRIVER": "dummy"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, f"{where} failed:\n{done.stderr[-3000:]}"


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "docs").glob("*.md")))
def test_every_doc_is_linked_from_the_index_and_readme(page):
    """A page nobody links to is a page nobody reads."""
    if page == "index.md":
        return
    assert f"]({page})" in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    if page != "TODO.md":
        assert f"](docs/{page})" in (ROOT / "README.md").read_text(encoding="utf-8")
