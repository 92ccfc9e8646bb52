"""Action logs and replay: the logged actions reproduce an episode exactly, tampering shows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from robot_sf_gym_video.benchmark.actions import (
    ActionLogError,
    ActionRecorder,
    read_action_log,
    write_action_log,
)
from robot_sf_gym_video.benchmark.replay import first_difference, replay_episode
from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.policies import make_policy
from robot_sf_gym_video.records.jsonl import dumps_record


def _live(env, scenario, seed, policy="goal"):
    obs, _ = env.reset(seed=seed, options={"scenario": scenario})
    act = make_policy(policy, env)
    act.reset(seed=seed)
    log = ActionRecorder()
    done = False
    while not done:
        action = act(obs)
        log.add(action)
        obs, _, terminated, truncated, info = env.step(action)
        done = terminated or truncated
    record = {"steps": info["step"], "outcome": info["outcome"], "metrics": info["metrics"]}
    return json.loads(dumps_record(record)), log.array()


def test_replay_in_a_reused_env_reproduces_every_episode():
    """Episodes of several scenarios and policies, replayed in one env in reverse order."""
    live_env = SocialNavEnv("crossing", max_steps=200)
    replay_env = SocialNavEnv("empty", max_steps=200)
    episodes = [
        (scenario, seed, policy, *_live(live_env, scenario, seed, policy))
        for scenario in ("empty", "corridor", "doorway")
        for seed, policy in ((1, "goal"), (2, "random"))
    ]
    assert {e[3]["outcome"] for e in episodes} >= {"success", "timeout"}
    for scenario, seed, _policy, record, actions in reversed(episodes):
        replayed = replay_episode(replay_env, scenario, seed, actions)
        assert first_difference(record, replayed) is None, (scenario, seed)
        assert replayed.steps == len(actions) == record["steps"]


def test_a_changed_action_names_the_first_metric_that_differs():
    env = SocialNavEnv("crossing", max_steps=80)
    record, actions = _live(env, "crossing", 3, "random")
    tampered = actions.copy()
    tampered[10] = -tampered[10]
    difference = first_difference(record, replay_episode(env, "crossing", 3, tampered))
    assert difference is not None and difference.startswith("metric ")
    assert "in the record" in difference and "replayed" in difference
    short = first_difference(record, replay_episode(env, "crossing", 3, actions[:-5]))
    assert short == f"steps: {record['steps']} in the record, {record['steps'] - 5} replayed"


def test_action_log_round_trip_keeps_dtype_and_bytes(tmp_path):
    actions = np.array([[0.5, -0.25], [1.0, 0.1]], dtype=np.float32)
    entry = write_action_log(tmp_path, "crossing__1__0", actions)
    assert entry["path"] == "actions/crossing__1__0.npy"
    assert (entry["steps"], entry["dtype"]) == (2, "float32")
    record = {"episode_id": "crossing__1__0", "actions": entry}
    loaded = read_action_log(tmp_path, record)
    assert loaded.dtype == np.float32 and np.array_equal(loaded, actions)
    (tmp_path / "other").mkdir()
    again = write_action_log(tmp_path / "other", "crossing__1__0", actions.copy())
    assert again["sha256"] == entry["sha256"]  # the same actions give the same file
    assert [p.name for p in (tmp_path / "actions").iterdir()] == ["crossing__1__0.npy"]


def test_altered_missing_or_foreign_logs_are_refused(tmp_path):
    entry = write_action_log(tmp_path, "e__1__0", np.zeros((3, 2), dtype=np.float32))
    record = {"episode_id": "e__1__0", "actions": entry}
    file = tmp_path / entry["path"]
    data = bytearray(file.read_bytes())
    data[-1] ^= 1
    file.write_bytes(bytes(data))
    with pytest.raises(ActionLogError, match="does not match the sha256"):
        read_action_log(tmp_path, record)
    with pytest.raises(ActionLogError, match="not inside actions/"):
        read_action_log(tmp_path, {**record, "actions": {**entry, "path": "../x.npy"}})
    file.unlink()
    with pytest.raises(ActionLogError, match="cannot read"):
        read_action_log(tmp_path, record)
    with pytest.raises(ActionLogError, match="no action log"):
        read_action_log(tmp_path, {"episode_id": "e__1__0"})


def test_validate_checks_action_logs(tmp_path):
    from robot_sf_gym_video.benchmark.runner import run_batch
    from robot_sf_gym_video.benchmark.validate import Checked, validate_run

    out = tmp_path / "run"
    run_batch(out, scenarios=["empty"], episodes=2, max_steps=10)
    checked = Checked()
    assert validate_run(out, checked=checked) == [] and checked.action_logs == 2
    record = json.loads((out / "episodes.jsonl").read_text().splitlines()[1])
    (out / record["actions"]["path"]).write_bytes(b"not numpy")
    problems = validate_run(out)
    assert len(problems) == 1 and record["episode_id"] in problems[0] and "sha256" in problems[0]
