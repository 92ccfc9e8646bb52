"""Every example is documented, has --help, and is executed by a test.

Scripts with a dedicated test file are listed in ``DEDICATED``; any other script under
``examples/`` is still executed here with its defaults and ``--out`` (every example writes
only under ``--out``), and its videos must decode.
"""

from __future__ import annotations

import pytest

from .conftest import EXAMPLES, REPO, count_frames

SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))
DEDICATED = {
    "evaluate_policy.py": "test_example_evaluate_policy.py",
    "training_loop.py": "test_example_training_loop.py",
    "vector_env.py": "test_example_vector_env.py",
    "quickstart.ipynb": "test_example_notebook.py",
}


def test_every_example_is_listed_in_docs():
    docs = (REPO / "docs" / "examples.md").read_text()
    for path in EXAMPLES.iterdir():
        if path.suffix in (".py", ".ipynb"):
            assert f"examples/{path.name}" in docs, f"{path.name} missing from docs/examples.md"


def test_dedicated_tests_exist():
    here = {p.name for p in (REPO / "tests" / "examples").glob("test_*.py")}
    assert set(DEDICATED.values()) <= here
    assert set(DEDICATED) <= {p.name for p in EXAMPLES.iterdir()}


@pytest.mark.parametrize("script", SCRIPTS)
def test_help(run_example, script):
    proc = run_example(script, "--help")
    assert proc.stdout.startswith("usage:")


@pytest.mark.slow
@pytest.mark.parametrize("script", [s for s in SCRIPTS if s not in DEDICATED])
def test_other_scripts_run_with_defaults(run_example, tmp_path, script):
    out = tmp_path / "out"
    run_example(script, "--out", str(out))
    videos = sorted(out.rglob("*.mp4"))
    assert videos, f"{script} made no video under --out"
    assert all(count_frames(v) > 0 for v in videos)
    assert list(run_example.cwd.iterdir()) == []  # nothing outside --out
