"""``gym.make(..., max_episode_steps=N)``: the env ends at step N itself, with its metrics."""

import gymnasium as gym
import pytest

import robot_sf_gym_video

ENV = robot_sf_gym_video.ENV_ID


def _run(env, seed=0):
    env.reset(seed=seed)
    env.action_space.seed(seed)
    steps = 0
    while True:
        *_, terminated, truncated, info = env.step(env.action_space.sample())
        steps += 1
        if terminated or truncated:
            return steps, info


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"max_episode_steps": 50}, 50),
        ({"max_episode_steps": 50, "max_steps": 30}, 30),  # the smaller limit wins
        ({"max_episode_steps": 50, "max_steps": 80}, 50),
    ],
)
def test_make_limit_ends_with_metrics(kwargs, expected):
    env = gym.make(ENV, scenario="empty", **kwargs)
    steps, info = _run(env)
    env.close()
    assert steps == expected
    assert info["outcome"] == "timeout" and info["metrics"]
    assert env.unwrapped.max_episode_steps == expected


def test_same_episode_as_the_envs_own_limit():
    """A make-limit gives exactly the episode of the same max_steps (obs, metrics)."""
    a = gym.make(ENV, scenario="crossing", max_episode_steps=40)
    b = gym.make(ENV, scenario="crossing", max_steps=40)
    sa, ia = _run(a, seed=3)
    sb, ib = _run(b, seed=3)
    assert (sa, ia["metrics"]) == (sb, ib["metrics"])


def test_limit_survives_make_from_spec():
    env = gym.make(ENV, scenario="empty", max_episode_steps=12)
    again = gym.make(env.spec)
    assert _run(again)[0] == 12
    assert "metrics" in _run(again)[1]
