"""Policy specs end to end: real ``python -m robot_sf_gym_video run`` processes.

Every spec form runs with 1 and 2 workers and gives the same records; every mistake is one
line on stderr, exit 2, no traceback, and no episode (no ``episodes.jsonl``).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.errors import UsageError

REPO = Path(__file__).resolve().parents[2]

POLICY_MODULE = textwrap.dedent(
    """
    import json, os
    import numpy as np

    class Forward:
        def __init__(self, log):
            self.log = log

        def reset(self, seed=None):
            if self.log:
                with open(self.log, "a") as f:
                    f.write(json.dumps(seed) + "\\n")

        def __call__(self, obs):
            bearing = np.arctan2(obs[-1], obs[-2])
            return np.array([0.8 * max(np.cos(bearing), 0.0), np.clip(2 * bearing, -1, 1)])

    def make(env):
        return Forward(os.environ.get("POLICY_SEED_LOG"))

    def make_wrong_shape(env):
        return lambda obs: np.zeros(3)

    def make_wrong_dtype(env):
        return lambda obs: ["fast", "left"]

    NOT_A_FACTORY = 3
    """
)


def run_cli(cwd, *args, env_extra=None, isolated=False):
    """Run the real CLI in ``cwd``; ``isolated``: no working dir on sys.path (as a script)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), **(env_extra or {})}
    flags = ["-P"] if isolated else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "robot_sf_gym_video", "run", "--quiet", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def records(run_dir):
    lines = (Path(run_dir) / "episodes.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def comparable(rows):
    return sorted(
        ({k: v for k, v in r.items() if k != "wall_time_s"} for r in rows),
        key=lambda r: r["episode_id"],
    )


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "examples").mkdir()
    shutil.copy(REPO / "examples" / "my_policy.py", tmp_path / "examples" / "my_policy.py")
    (tmp_path / "mypolicies.py").write_text(POLICY_MODULE)
    return tmp_path


def test_file_spec_runs_with_one_and_two_workers_and_records_hash(workdir):
    spec = "examples/my_policy.py:make_policy"
    args = ["--policy", spec, "--scenario", "crossing", "--episodes", "2", "--max-steps", "60"]
    one = run_cli(workdir, *args, "--out", "one")
    two = run_cli(workdir, *args, "--out", "two", "--workers", "2")
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    digest = hashlib.sha256((workdir / "examples" / "my_policy.py").read_bytes()).hexdigest()
    rows = records(workdir / "one")
    assert [(r["policy"], r["policy_sha256"]) for r in rows] == [(spec, digest)] * 2
    assert comparable(rows) == comparable(records(workdir / "two"))


def test_module_spec_imports_from_the_working_directory(workdir):
    args = ["--policy", "mypolicies:make", "--scenario", "empty", "--episodes", "2"]
    # -P: the working directory is not on sys.path, as for the robot-sf-bench script.
    one = run_cli(workdir, *args, "--out", "one", isolated=True)
    two = run_cli(workdir, *args, "--out", "two", "--workers", "2", isolated=True)
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    rows = records(workdir / "one")
    assert {r["policy"] for r in rows} == {"mypolicies:make"}
    assert all("policy_sha256" not in r for r in rows)
    assert {r["outcome"] for r in rows} == {"success"}
    assert comparable(rows) == comparable(records(workdir / "two"))


def test_reset_gets_each_episode_seed(workdir):
    log = workdir / "seeds.log"
    done = run_cli(
        workdir,
        *("--policy", "mypolicies:make", "--scenario", "empty", "--scenario", "crossing"),
        *("--episodes", "2", "--max-steps", "5", "--out", "run"),
        env_extra={"POLICY_SEED_LOG": str(log)},
    )
    assert done.returncode == 0, done.stderr
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    assert seen == [r["seed"] for r in records(workdir / "run")]


BAD_SPECS = [
    ("nosuchmodule:make", "no module named 'nosuchmodule'"),
    ("mypolicies:nothing", "has no attribute 'nothing'"),
    ("mypolicies:NOT_A_FACTORY", "not callable; expected a factory"),
    ("missing/agent.py:make", "file missing/agent.py does not exist"),
    ("broken:make", "importing broken failed: ModuleNotFoundError: No module named 'torchy'"),
    ("sb3:PPO:missing.zip", "model file missing.zip does not exist"),
    ("sb3:PPO", "must be sb3:ALGO:path/to/model.zip"),
    ("sb3:PPO:notazip.zip", "cannot load the model"),
    ("sb3:XYZ:notazip.zip", "'XYZ' is not a stable-baselines3 algorithm; allowed: A2C"),
    ("greedy", "is not a built-in (goal, social_force, orca, random, zero) nor a spec"),
    ("mypolicies:make_wrong_shape", "returned shape (3,)"),
    ("mypolicies:make_wrong_dtype", "returned dtype <U4"),
]


@pytest.mark.parametrize(("spec", "needle"), BAD_SPECS)
def test_bad_spec_is_one_line_exit_2_before_any_episode(workdir, spec, needle):
    (workdir / "broken.py").write_text("import torchy\n")
    (workdir / "notazip.zip").write_text("not a model\n")
    done = run_cli(workdir, "--policy", spec, "--scenario", "empty", "--out", "run")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("error: ") and needle in lines[0], lines[0]
    assert spec in lines[0]
    assert not (workdir / "run" / "episodes.jsonl").exists() or not records(workdir / "run")


def test_first_step_error_names_the_action_space(workdir):
    done = run_cli(workdir, "--policy", "mypolicies:make_wrong_shape", "--out", "run")
    assert "Box(-1.0, 1.0, (2,), float32)" in done.stderr


def test_sb3_spec_without_the_extra_names_the_pip_command(workdir):
    # A stand-in package that fails to import the way a missing install does.
    shadow = workdir / "shadow" / "stable_baselines3"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ModuleNotFoundError('No module named torch')\n")
    (workdir / "model.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    pythonpath = os.pathsep.join((str(workdir / "shadow"), str(REPO)))
    done = run_cli(
        workdir,
        *("--policy", "sb3:PPO:model.zip", "--out", "run"),
        env_extra={"PYTHONPATH": pythonpath},
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert 'pip install "robot_sf_gym_video[sb3]"' in done.stderr


def _factory(env):
    return lambda obs: np.array([0.5, 0.0], dtype=np.float32)


def test_api_takes_a_factory_and_an_object(tmp_path):
    seeds = []

    class Model:
        def predict(self, obs, deterministic=False):
            assert deterministic is True
            return np.array([0.5, 0.0], dtype=np.float32), None

        def reset(self, seed=None):
            seeds.append(seed)

    kwargs = {"scenarios": ["empty"], "episodes": 2, "max_steps": 20}
    run_batch(tmp_path / "factory", policy=_factory, workers=2, **kwargs)
    run_batch(tmp_path / "object", policy=Model(), **kwargs)
    by_factory, by_object = records(tmp_path / "factory"), records(tmp_path / "object")
    assert {r["policy"] for r in by_factory} == {f"{__name__}:_factory"}
    assert seeds == [r["seed"] for r in by_object]

    def metrics(rows):  # two workers record in completion order
        return {r["episode_id"]: r["metrics"] for r in rows}

    assert metrics(by_factory) == metrics(by_object)


def test_api_refuses_what_cannot_reach_worker_processes(tmp_path):
    with pytest.raises(UsageError, match="picklable"):
        run_batch(tmp_path / "a", policy=lambda env: _factory(env), workers=2)

    class Model:
        def predict(self, obs):
            return np.zeros(2)

    with pytest.raises(UsageError, match="ready object; workers > 1 and Ray need a spec"):
        run_batch(tmp_path / "b", policy=Model(), workers=2)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
