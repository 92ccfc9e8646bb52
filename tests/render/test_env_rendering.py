"""Rendering never changes a rollout, and env.render() frames come from these renderers."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import robot_sf_gym_video  # noqa: F401  (registers the env)


def rollout(renderer: str, render: bool, steps: int = 40) -> tuple[list, object]:
    env = gym.make(
        "robot_sf_gym_video/SocialNav-v0",
        scenario="crossing",
        render_mode="rgb_array",
        renderer=renderer,
    )
    obs, info = env.reset(seed=7)
    actions = np.random.default_rng(3).uniform(-1.0, 1.0, (steps, 2))
    record: list = [obs.copy()]
    frames = []
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        record.append((obs.copy(), reward, terminated, truncated, sorted(info)))
        if render:
            frames.append(env.render())
        if terminated or truncated:
            break
    state = env.unwrapped.np_random.bit_generator.state
    env.close()
    return [*record, state], frames


@pytest.mark.parametrize("renderer", ["synthetic", "sim-view"])
def test_rendering_every_step_changes_nothing(renderer):
    plain, _ = rollout(renderer, render=False)
    drawn, frames = rollout(renderer, render=True)
    assert len(plain) == len(drawn)
    for a, b in zip(plain, drawn, strict=True):
        if isinstance(a, tuple):
            assert np.array_equal(a[0], b[0]) and a[1:] == b[1:]
        elif isinstance(a, np.ndarray):
            assert np.array_equal(a, b)
        else:
            assert a == b  # RNG state
    assert frames and all(
        f.dtype == np.uint8 and f.shape[0] % 2 == f.shape[1] % 2 == 0 for f in frames
    )
    assert not np.array_equal(frames[0], frames[-1])
