"""Replay: re-simulate an episode from its scenario, seed, step limit and logged actions.

- ``ActionFeed``: stands in for the policy, handing the env the logged actions in order.
- ``replay_episode(env, scenario, seed, actions)``: step ``env`` (bare or wrapped for
  video) through ``actions``; returns the ``Replayed`` steps, outcome and metrics.
- ``first_difference(expected, replayed)``: the first of steps, outcome and each metric
  that differs between a record (or a live result) and its replay, as one phrase; None
  when they are equal.
- ``ReplayMismatch``: a replay that does not reproduce its episode (exit 1 at the CLI).

Equal means equal after the record's own JSON round trip: the record holds what JSON
kept of each float, so the replayed metrics are compared in that same form. The env is
deterministic given its seed and actions, so any difference means the log, the scenario
or the code is not the one that made the record, and the replay must not be presented as
that episode.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np

from robot_sf_gym_video.errors import RobotSfError
from robot_sf_gym_video.records.jsonl import dumps_record

__all__ = ["ActionFeed", "ReplayMismatch", "Replayed", "first_difference", "replay_episode"]

#: ``outcome`` of a replay whose actions ran out before the episode ended.
UNFINISHED = "unfinished"


class ReplayMismatch(RobotSfError):
    """Replaying an episode's actions did not reproduce its record."""


@dataclasses.dataclass(frozen=True)
class Replayed:
    """What a replay produced.

    Attributes:
        steps: ``env.step`` calls made.
        outcome: The env's outcome, or ``"unfinished"`` when the actions ran out first.
        metrics: ``info["metrics"]`` of the last step (empty when unfinished).
        info: The last step's full ``info`` (holds the video artifact when filmed).
    """

    steps: int
    outcome: str
    metrics: dict[str, Any]
    info: dict[str, Any]


class ActionFeed:
    """A policy that returns the logged actions one per call, then reports exhaustion."""

    def __init__(self, actions: np.ndarray) -> None:
        self.actions = actions
        self.used = 0

    @property
    def exhausted(self) -> bool:
        """True once every logged action has been handed out."""
        return self.used >= len(self.actions)

    def __call__(self, obs: Any = None) -> np.ndarray:
        """Return the next logged action (the observation is ignored)."""
        action = self.actions[self.used]
        self.used += 1
        return action


def replay_episode(env: gymnasium.Env, scenario: str, seed: int, actions: np.ndarray) -> Replayed:
    """Reset ``env`` to ``scenario`` with ``seed`` and step it through ``actions``.

    Stops when the episode ends or the actions run out (outcome ``"unfinished"``); a log
    longer than the episode shows as fewer ``steps`` than logged actions.
    """
    env.reset(seed=seed, options={"scenario": scenario})
    feed = ActionFeed(actions)
    info: dict[str, Any] = {}
    ended = False
    while not (ended or feed.exhausted):
        _obs, _reward, terminated, truncated, info = env.step(feed())
        ended = terminated or truncated
    if not ended:
        return Replayed(feed.used, UNFINISHED, {}, info)
    return Replayed(feed.used, str(info["outcome"]), dict(info.get("metrics", {})), info)


def first_difference(expected: Mapping[str, Any], replayed: Replayed) -> str | None:
    """Name the first field where ``replayed`` differs from ``expected``, or None.

    ``expected`` has the record's ``steps``, ``outcome`` and ``metrics``; metrics are
    compared in record order, then any the replay has and the record lacks.
    """
    if replayed.steps != expected.get("steps"):
        return f"steps: {expected.get('steps')} in the record, {replayed.steps} replayed"
    if replayed.outcome != expected.get("outcome"):
        return f"outcome: {expected.get('outcome')} in the record, {replayed.outcome} replayed"
    want = _json_form(expected.get("metrics", {}))
    got = _json_form(replayed.metrics)
    for name in [*want, *(k for k in got if k not in want)]:
        if want.get(name, _MISSING) != got.get(name, _MISSING):
            return (
                f"metric {name}: {_show(want.get(name, _MISSING))} in the record, "
                f"{_show(got.get(name, _MISSING))} replayed"
            )
    return None


def mismatch_message(episode_id: str, difference: str) -> str:
    """Return the one-line error for a replay that does not reproduce ``episode_id``."""
    return (
        f"replay of episode {episode_id} does not reproduce its record ({difference}); "
        "the action log, scenario or package version differs from the run's"
    )


_MISSING = object()


def _json_form(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """``metrics`` as the record stores them (numpy values and floats through JSON)."""
    return json.loads(dumps_record(dict(metrics)))


def _show(value: Any) -> str:
    return "absent" if value is _MISSING else repr(value)
