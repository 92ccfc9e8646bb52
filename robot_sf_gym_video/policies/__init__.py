"""Policies: the built-ins, their registry, policy specs and the adapters for user policies.

- ``POLICY_NAMES`` / ``POLICIES``: the built-in names and their registry entries
  (``registry.py``): ``goal``, ``social_force``, ``orca``, ``random``, ``zero``.
- ``resolve_policy(value)`` / ``build_policy(source, env)``: the spec grammar of
  ``--policy`` and ``run_batch(policy=...)`` (``spec.py``).
- ``make_policy(policy, env, seed=None)``: a name, a callable ``obs -> action`` or an
  object with ``predict(obs)`` as a callable ``obs -> action`` with ``reset(seed=None)``,
  for scripts that drive an env themselves.
- ``GoalPolicy``, ``RandomPolicy``, ``ZeroPolicy`` (``builtin.py``), ``SocialForcePolicy``,
  ``OrcaPolicy`` (``baselines.py``), ``CallablePolicy``, ``PredictPolicy``,
  ``CheckedPolicy`` (``adapters.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.policies.adapters import (
    CallablePolicy,
    CheckedPolicy,
    PredictPolicy,
    adapt,
)
from robot_sf_gym_video.policies.baselines import OrcaPolicy, SocialForcePolicy
from robot_sf_gym_video.policies.builtin import GoalPolicy, RandomPolicy, ZeroPolicy
from robot_sf_gym_video.policies.registry import POLICIES, POLICY_NAMES, build_builtin
from robot_sf_gym_video.policies.spec import PolicySource, build_policy, resolve_policy

__all__ = [
    "POLICIES",
    "POLICY_NAMES",
    "CallablePolicy",
    "CheckedPolicy",
    "GoalPolicy",
    "OrcaPolicy",
    "PolicySource",
    "PredictPolicy",
    "RandomPolicy",
    "SocialForcePolicy",
    "ZeroPolicy",
    "build_policy",
    "make_policy",
    "resolve_policy",
]


def make_policy(
    policy: str | Callable[[np.ndarray], Any] | Any,
    env: gym.Env[Any, Any],
    *,
    seed: int | None = None,
) -> Callable[[np.ndarray], np.ndarray]:
    """Build a callable ``obs -> action`` for ``env``.

    Unlike ``run_batch(policy=...)``, where a callable is a factory, a callable here IS
    the policy: this is for code that already holds its policy and drives the env itself.

    Args:
        policy: A built-in name (``POLICY_NAMES``); a callable ``obs -> action``; or an
            object with ``predict(obs)``.
        env: The env the policy acts in (wrappers are fine).
        seed: Seed of the ``random`` policy (see ``RandomPolicy``).

    Returns:
        A callable with a ``reset(seed=None)`` method.

    Raises:
        UsageError: Unknown name or an object that is neither callable nor has ``predict``.
    """
    if isinstance(policy, str):
        return build_builtin(policy, env, seed)
    if not callable(policy) and not callable(getattr(policy, "predict", None)):
        raise UsageError(
            f"policy must be one of {', '.join(POLICY_NAMES)}, a callable obs -> action or an "
            f"object with predict(obs); got {type(policy).__name__}"
        )
    return adapt(policy, type(policy).__name__)
