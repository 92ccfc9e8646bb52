"""Adapters that give every policy the runner's shape: ``policy(obs) -> action`` + ``reset``.

- ``CallablePolicy``: a user function ``obs -> action``.
- ``PredictPolicy``: an object with SB3-style ``predict(obs, deterministic=True)``.
- ``adapt(policy, label)``: pick the adapter for what a factory returned (or refuse it).
- ``CheckedPolicy``: checks the first action against the action space, so a policy that
  returns the wrong shape or dtype fails with one line naming it, the space and the value,
  instead of a numpy error deep inside ``env.step``.

Every adapter forwards ``reset(seed=...)`` to the wrapped policy when it has one: the runner
calls it at each episode start with the episode seed, so a stochastic policy can seed itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import numpy as np

from robot_sf_gym_video.errors import UsageError

__all__ = ["CallablePolicy", "CheckedPolicy", "PredictPolicy", "adapt"]


def _forward_reset(target: Any, seed: int | None) -> None:
    reset = getattr(target, "reset", None)
    if callable(reset):
        reset(seed=seed)


class CallablePolicy:
    """Adapter for a user function ``obs -> action``."""

    def __init__(self, fn: Callable[[np.ndarray], Any]) -> None:
        self.fn = fn

    def reset(self, seed: int | None = None) -> None:
        """Forward to the function's own ``reset(seed=...)`` when it has one."""
        _forward_reset(self.fn, seed)

    def raw(self, obs: np.ndarray) -> Any:
        """Return the function's own value, unconverted (what ``CheckedPolicy`` inspects)."""
        return self.fn(obs)

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Call the function and return its action as a float32 array."""
        return np.asarray(self.fn(obs), dtype=np.float32)


class PredictPolicy:
    """Adapter for objects with ``predict(obs)`` (stable-baselines3 models and the like).

    ``predict`` may return ``(action, state)`` or just the action; models whose
    ``predict`` accepts ``deterministic`` are asked for deterministic actions, as an
    evaluation should be.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        try:
            params = inspect.signature(model.predict).parameters
        except (TypeError, ValueError):
            params = {}
        self._kwargs = (
            {"deterministic": True}
            if "deterministic" in params
            or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
            else {}
        )

    def reset(self, seed: int | None = None) -> None:
        """Forward to the model's own ``reset(seed=...)`` when it has one."""
        _forward_reset(self.model, seed)

    def raw(self, obs: np.ndarray) -> Any:
        """Return the model's action as it gave it (without the recurrent state)."""
        result = self.model.predict(obs, **self._kwargs)
        return result[0] if isinstance(result, tuple) else result

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Ask the model for an action."""
        return np.asarray(self.raw(obs), dtype=np.float32)


def adapt(policy: Any, label: str) -> CallablePolicy | PredictPolicy:
    """Wrap what a factory returned: ``predict`` objects first, then plain callables.

    Raises:
        UsageError: ``policy`` is neither callable nor has ``predict`` (``label`` names it).
    """
    if callable(getattr(policy, "predict", None)):
        return PredictPolicy(policy)
    if callable(policy):
        return CallablePolicy(policy)
    raise UsageError(
        f"policy {label!r} is not usable: got {type(policy).__name__} {_short(policy)}; "
        "expected a callable obs -> action or an object with predict(obs, deterministic=True)"
    )


class CheckedPolicy:
    """Check the first action a policy returns against the action space, then step aside.

    Only the first call is checked (a policy's output type does not change between steps,
    and the hot loop should not pay for a check on every step); the action is passed on
    unchanged, so a checked policy acts exactly like the unchecked one.

    Args:
        policy: A callable ``obs -> action`` with ``reset(seed=None)``.
        action_space: The env's action space.
        label: How the error names the policy (its spec).
    """

    def __init__(self, policy: Any, action_space: gym.Space[Any], label: str) -> None:
        self.policy = policy
        self.action_space = action_space
        self.label = label
        self._checked = False

    def reset(self, seed: int | None = None) -> None:
        """Forward to the wrapped policy."""
        _forward_reset(self.policy, seed)

    def __call__(self, obs: np.ndarray) -> Any:
        """Return the wrapped policy's action; the first one is checked."""
        if self._checked:
            return self.policy(obs)
        raw = getattr(self.policy, "raw", None)
        action = raw(obs) if callable(raw) else self.policy(obs)
        self._check(action)
        self._checked = True
        return np.asarray(action, dtype=np.float32) if callable(raw) else action

    def _check(self, action: Any) -> None:
        shape = getattr(self.action_space, "shape", None)
        try:
            value = np.asarray(action)
        except (TypeError, ValueError):  # ragged sequences and the like
            self._fail(f"returned {_short(action)}")
        if value.dtype.kind not in "biuf":
            self._fail(f"returned dtype {value.dtype} ({_short(action)})")
        if shape is not None and value.shape != tuple(shape):
            self._fail(f"returned shape {value.shape} ({_short(action)})")
        if not np.isfinite(value).all():
            self._fail(f"returned non-finite values ({_short(action)})")

    def _fail(self, what: str) -> None:
        raise self._error(what)

    def _error(self, what: str) -> UsageError:
        text = (
            f"policy {self.label!r} {what} on its first step; "
            f"the action space is {self.action_space}"
        )
        return UsageError(" ".join(text.split()))


def _short(value: Any, limit: int = 60) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
