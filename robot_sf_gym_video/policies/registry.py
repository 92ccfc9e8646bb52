"""The registry of built-in policies: one entry per name, the single list of them.

- ``BuiltinPolicy``: a name, one line of description, whether it reads simulator state
  beyond the observation (``privileged``), and how to build it for an env.
- ``POLICIES``: the registry (``robot_sf_gym_video.registry.Registry``), in the order the
  docs and the benchmark list them.
- ``POLICY_NAMES``: the names, for messages and ``choices``.
- ``build_builtin(name, env, seed=None)``: a ready policy (callable with ``reset``).

Adding a built-in means one entry here (and its section in ``docs/policies.md``); the CLI,
the config check, the records and ``benchmarks/bench_policies.py`` all read this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gymnasium as gym

from robot_sf_gym_video.policies.baselines import OrcaPolicy, SocialForcePolicy, sim_of
from robot_sf_gym_video.policies.builtin import GoalPolicy, RandomPolicy, ZeroPolicy, layout_of
from robot_sf_gym_video.registry import Registry

__all__ = ["POLICIES", "POLICY_NAMES", "BuiltinPolicy", "build_builtin"]


@dataclass(frozen=True)
class BuiltinPolicy:
    """One built-in policy.

    Attributes:
        name: The spec that selects it (``--policy NAME``).
        summary: One line for ``--help`` and the docs.
        privileged: True when it reads the simulator's state (pedestrian positions and
            velocities, map) instead of only the observation an agent gets.
        build: ``build(env, seed)`` returns the policy for ``env``.
    """

    name: str
    summary: str
    privileged: bool
    build: Callable[[gym.Env[Any, Any], int | None], Any]


POLICIES: Registry[BuiltinPolicy] = Registry(
    "policy",
    [
        BuiltinPolicy(
            "goal",
            "reactive lidar controller: free heading closest to the goal (observation only)",
            False,
            lambda env, seed: GoalPolicy(layout_of(env, "goal")),
        ),
        BuiltinPolicy(
            "social_force",
            "moves by the pedestrians' own social-force model towards its goal (privileged)",
            True,
            lambda env, seed: SocialForcePolicy(env, sim_of(env, "social_force")),
        ),
        BuiltinPolicy(
            "orca",
            "velocity obstacles (ORCA-style): fastest safe velocity towards the goal (privileged)",
            True,
            lambda env, seed: OrcaPolicy(env, sim_of(env, "orca")),
        ),
        BuiltinPolicy(
            "random",
            "uniform random actions, seeded by the episode seed",
            False,
            lambda env, seed: RandomPolicy(env.action_space, seed),
        ),
        BuiltinPolicy(
            "zero",
            "always the zero action: the robot stays put (a crowd-only baseline)",
            False,
            lambda env, seed: ZeroPolicy(env.action_space),
        ),
    ],
)

POLICY_NAMES: tuple[str, ...] = POLICIES.names()


def build_builtin(name: str, env: gym.Env[Any, Any], seed: int | None = None) -> Any:
    """Build the built-in policy ``name`` for ``env``.

    Raises:
        UsageError: ``name`` is not a built-in (the message lists them), or the policy
            needs a SocialNav env and ``env`` is not one.
    """
    return POLICIES.get(name).build(env, seed)
