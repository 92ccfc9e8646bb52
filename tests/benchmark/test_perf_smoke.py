"""``robot-sf-bench perf --quick`` end to end, so the command cannot rot (never enforced)."""

import json
import os
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_perf_quick_runs_and_writes_a_sample(tmp_path):
    env = {**os.environ, "ROBOT_SF_PERF_ENFORCE": "0"}
    out = tmp_path / "perf"
    proc = subprocess.run(
        [sys.executable, "-m", "robot_sf_gym_video", "perf", "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "overhead not judged" in proc.stdout and "recorder CPU per frame" in proc.stdout
    assert "%" not in proc.stdout  # a 0.1 s batch gets per-frame figures, never a percentage
    assert "WARNING" not in proc.stderr
    sample = json.loads((out / "perf_sample.json").read_text())
    single = sample["single_worker"]
    assert single["pairs"] == 1 and single["steps_per_run"] > 0
    assert single["median_wall_s_without_video"] > 0 and single["median_wall_s_with_video"] > 0
    assert single["recorder_cpu_ms_per_frame"] > 0 and single["env_thread_ms_per_step"] > 0
    assert sample["machine"]["python"] and sample["machine"]["packages"]["numpy"]
    assert not (out / "runs").exists()  # the paired runs are cleaned up
    assert sorted(p.name for p in tmp_path.iterdir()) == ["perf"]  # nothing outside --out
