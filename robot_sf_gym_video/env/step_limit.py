"""``SpecStepLimit``: hands ``gym.make(..., max_episode_steps=N)`` to the env as its own limit.

Gymnasium keeps ``max_episode_steps`` for itself: ``make`` records it in the spec and wraps
the env in a ``TimeLimit`` that truncates without telling the env, so the last step would
lack the env's ``outcome`` and ``metrics``. The env is built before ``TimeLimit`` and never
sees the limit. This wrapper is registered with the env (``additional_wrappers``), so
``make`` applies it just outside ``TimeLimit``; at construction it reads the limit from the
spec below it and passes it down once. It changes nothing per step. The env then ends the
episode itself on that step (the smaller of its own limit and the spec's wins), with
metrics, and ``TimeLimit`` agrees.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

__all__ = ["SpecStepLimit"]


class SpecStepLimit(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Give the unwrapped env the ``max_episode_steps`` of the spec it was made with."""

    def __init__(self, env: gym.Env) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)
        spec = env.spec
        limit = spec.max_episode_steps if spec is not None else None
        setter: Any = getattr(env.unwrapped, "set_spec_step_limit", None)
        if callable(setter):
            setter(limit)
