"""``benchmarks/bench_policies.py`` prints the success table it documents (a tiny run)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_prints_one_row_per_scenario_and_one_column_per_policy(tmp_path):
    args = ["--out", str(tmp_path), "--episodes", "1", "--scenario", "empty"]
    args += ["--policy", "goal", "--policy", "zero"]
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_policies.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1] == "| scenario | `goal` | `zero` |"
    assert lines[3] == "| `empty` | 100% (0/0) | 0% (0/100) |"
    assert (tmp_path / "success_table.md").read_text().splitlines() == lines[1:]
