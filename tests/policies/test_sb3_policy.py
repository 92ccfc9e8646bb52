"""``sb3:PPO:model.zip``: a PPO model trained here for a few hundred steps runs through the CLI.

stable-baselines3 and torch are in the ``test`` extra (pyproject.toml), so this test runs in
CI; without them the spec is refused with the pip command (``test_policy_specs.py``).
"""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from robot_sf_gym_video.benchmark.seeds import derive_seed
from robot_sf_gym_video.env.social_nav_env import SocialNavEnv

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_ppo_zip_runs_through_the_cli_deterministically(tmp_path):
    from stable_baselines3 import PPO

    train_env = SocialNavEnv("empty", max_episode_steps=50)
    model = PPO("MlpPolicy", train_env, n_steps=128, batch_size=64, n_epochs=2, seed=0)
    model.learn(total_timesteps=256)
    model.save(tmp_path / "ppo.zip")

    args = ["--policy", "sb3:PPO:ppo.zip", "--scenario", "empty", "--episodes", "2"]
    args += ["--max-steps", "40", "--out", "run"]
    done = subprocess.run(
        [sys.executable, "-m", "robot_sf_gym_video", "run", "--quiet", *args],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "run" / "episodes.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    digest = hashlib.sha256((tmp_path / "ppo.zip").read_bytes()).hexdigest()
    assert [(r["policy"], r["policy_sha256"]) for r in records] == [("sb3:PPO:ppo.zip", digest)] * 2

    # The runner asked for deterministic actions: replaying them here gives its metrics.
    loaded = PPO.load(tmp_path / "ppo.zip", device="cpu")
    env = SocialNavEnv("empty", max_episode_steps=40)
    for record in records:
        assert record["seed"] == derive_seed(0, "empty", record["episode_idx"])
        obs, _ = env.reset(seed=record["seed"])
        done_episode, info = False, {}
        while not done_episode:
            action, _ = loaded.predict(obs, deterministic=True)
            obs, _, terminated, truncated, info = env.step(np.asarray(action))
            done_episode = terminated or truncated
        assert info["metrics"] == record["metrics"]
