"""reset(options={"scenario": ...}) gives exactly the episode of a fresh env for that scenario."""

import numpy as np
import pytest

from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.errors import ScenarioError
from robot_sf_gym_video.policies import make_policy


def _rollout(env, seed, options=None):
    obs, info = env.reset(seed=seed, options=options)
    policy = make_policy("goal", env)
    trace = [(obs.copy(), info)]
    done = False
    while not done:
        obs, reward, terminated, truncated, info = env.step(policy(obs))
        trace.append((obs.copy(), reward, terminated, truncated, info))
        done = terminated or truncated
    return trace


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x[0], y[0])
        assert repr(x[1:]) == repr(y[1:])


def test_switching_scenario_equals_a_fresh_env():
    shared = SocialNavEnv(scenario="crossing", max_episode_steps=60)
    for scenario, seed in (("doorway", 3), ("open_crowd", 4), ("crossing", 5)):
        fresh = SocialNavEnv(scenario=scenario, max_episode_steps=60)
        _assert_same(_rollout(shared, seed, {"scenario": scenario}), _rollout(fresh, seed))
        assert shared.scenario_name == scenario
        assert shared.observation_space == fresh.observation_space


def test_unknown_scenario_in_options_is_a_scenario_error():
    env = SocialNavEnv(scenario="crossing")
    with pytest.raises(ScenarioError, match="nowhere"):
        env.reset(seed=0, options={"scenario": "nowhere"})
