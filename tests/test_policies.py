"""Built-in policies and the adapters for user policies."""

import gymnasium as gym
import numpy as np
import pytest

from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.policies import POLICY_NAMES, make_policy


@pytest.fixture
def env():
    env = SocialNavEnv("crossing")
    env.reset(seed=0)
    return env


def test_policy_names():
    assert POLICY_NAMES == ("goal", "social_force", "orca", "random", "zero")


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_builtin_policies_give_valid_actions(env, name):
    policy = make_policy(name, env)
    obs, _ = env.reset(seed=1)
    policy.reset(seed=1)
    for _ in range(20):
        action = policy(obs)
        assert env.action_space.contains(action)
        obs, *_ = env.step(action)


def test_unknown_name_lists_allowed(env):
    with pytest.raises(UsageError) as exc:
        make_policy("greedy", env)
    assert "'greedy'" in str(exc.value)
    assert "goal, social_force, orca, random, zero" in str(exc.value)


def test_not_a_policy(env):
    with pytest.raises(UsageError, match="callable"):
        make_policy(42, env)


def test_zero_policy_is_zero(env):
    assert np.array_equal(make_policy("zero", env)(None), np.zeros(2, np.float32))


def test_random_policy_is_reproducible(env):
    a = make_policy("random", env, seed=3)
    b = make_policy("random", env, seed=3)
    first = [a(None) for _ in range(5)]
    assert all(np.array_equal(x, b(None)) for x in first)
    a.reset(seed=3)
    assert np.array_equal(a(None), first[0])
    a.reset(seed=4)
    assert not np.array_equal(a(None), first[0])
    # Without a seed it samples the env's action space, seeded by the user.
    unseeded = make_policy("random", env)
    env.action_space.seed(9)
    x = unseeded(None)
    env.action_space.seed(9)
    assert np.array_equal(x, unseeded(None))


def test_callable_policy(env):
    calls = []

    def drive(obs):
        calls.append(obs)
        return [0.5, 0.0]

    policy = make_policy(drive, env)
    obs, _ = env.reset(seed=0)
    action = policy(obs)
    assert action.dtype == np.float32 and action.tolist() == [0.5, 0.0]
    assert calls[0] is obs
    policy.reset(seed=1)  # a plain function has no reset: nothing happens


class Sb3Like:
    def __init__(self):
        self.deterministic = None

    def predict(self, observation, state=None, episode_start=None, deterministic=False):
        self.deterministic = deterministic
        return np.array([0.1, -0.2]), state


class BareModel:
    def predict(self, obs):
        return [0.3, 0.3]


def test_predict_adapters(env):
    obs, _ = env.reset(seed=0)
    model = Sb3Like()
    action = make_policy(model, env)(obs)
    np.testing.assert_allclose(action, [0.1, -0.2], rtol=1e-6)
    assert model.deterministic is True  # evaluation asks for deterministic actions
    np.testing.assert_allclose(make_policy(BareModel(), env)(obs), [0.3, 0.3])


def test_goal_policy_needs_a_social_nav_env():
    with pytest.raises(UsageError, match="SocialNav"):
        make_policy("goal", gym.make("CartPole-v1"))


def test_goal_policy_works_through_wrappers():
    env = gym.make("robot_sf_gym_video/SocialNav-v0", scenario="empty")
    policy = make_policy("goal", env)
    obs, _ = env.reset(seed=0)
    assert env.action_space.contains(policy(obs))


@pytest.mark.parametrize("scenario", ["empty", "crossing"])
def test_goal_policy_reaches_the_goal(scenario):
    env = SocialNavEnv(scenario)
    policy = make_policy("goal", env)
    outcomes = []
    for seed in range(3):
        obs, _ = env.reset(seed=seed)
        while True:
            obs, _, terminated, truncated, info = env.step(policy(obs))
            if terminated or truncated:
                break
        outcomes.append(info["outcome"])
    assert outcomes.count("success") >= 2, outcomes


def test_goal_policy_steers_around_an_obstacle_ahead():
    from robot_sf_gym_video.sim.scenarios import RobotSpec, ScenarioSpec

    spec = ScenarioSpec(
        name="pillar",
        bounds_m=(0.0, 0.0, 14.0, 10.0),
        robot=RobotSpec(start_m=(2.0, 5.0), goal_m=(12.0, 5.0)),
        max_episode_steps=250,
        obstacles_m=(((6.0, 4.0), (8.0, 4.0), (8.0, 6.0), (6.0, 6.0)),),
    )
    env = SocialNavEnv(spec)
    policy = make_policy("goal", env)
    obs, _ = env.reset(seed=0)
    while True:
        obs, _, terminated, truncated, info = env.step(policy(obs))
        if terminated or truncated:
            break
    assert info["outcome"] == "success"
    assert info["metrics"]["min_obstacle_clearance_m"] > 0.1


def test_every_builtin_is_documented_with_what_it_sees():
    from pathlib import Path

    from robot_sf_gym_video.policies import POLICIES

    text = (Path(__file__).resolve().parents[1] / "docs" / "policies.md").read_text()
    for entry in POLICIES.entries():
        assert f"| `{entry.name}` |" in text, entry.name
        if entry.privileged:
            assert f"### `{entry.name}` (privileged)" in text, entry.name
