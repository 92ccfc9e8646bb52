"""examples/quickstart.ipynb: committed without outputs, executed end to end with nbclient."""

from __future__ import annotations

import re

import pytest

from robot_sf_gym_video.benchmark.validate import validate_run

from .conftest import EXAMPLES, count_frames

NOTEBOOK = EXAMPLES / "quickstart.ipynb"


def test_committed_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


@pytest.mark.slow
def test_notebook_runs_and_makes_its_videos(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # "python3" resolves to this interpreter: jupyter_client runs a kernel spec's "python"
    # as sys.executable, and ipykernel provides the spec when none is installed.
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()

    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    ran = re.findall(r"seed (\d): \w+ after (\d+) steps -> (\S+\.mp4)", text)
    assert [(seed, path) for seed, _, path in ran] == [
        ("1", "quickstart_out/videos/crossing__1__0.mp4"),
        ("2", "quickstart_out/videos/crossing__2__1.mp4"),
    ]
    for _, steps, path in ran:
        assert count_frames(tmp_path / path) == int(steps)
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the matplotlib frame
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("data:video/mp4;base64," in h for h in html)  # the embedded MP4
    assert validate_run(tmp_path / "quickstart_out" / "batch", decode=True) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quickstart_out"]
