"""Which episodes a batch consists of, and their identities.

- ``EpisodeSpec``: one episode to run (scenario, index, derived seed, episode id).
- ``build_plan(scenarios, episodes, base_seed)``: every episode of the batch, in order.

Identity is computed once, here, in the parent process; workers only execute specs, so
which worker runs an episode never changes its seed, its id or its video's name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from robot_sf_gym_video.benchmark.seeds import derive_seed
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.video.naming import episode_id

__all__ = ["EpisodeSpec", "build_plan"]


@dataclasses.dataclass(frozen=True)
class EpisodeSpec:
    """One episode of the batch (picklable: it is sent to worker processes).

    Attributes:
        scenario: Scenario name as the user wrote it.
        episode_idx: 0-based index within the scenario.
        seed: Seed for ``env.reset``, derived from the batch seed.
        episode_id: ``<scenario>__<seed>__<episode_idx>`` (sanitised): record key and video stem.
        actions: Logged actions to replay instead of running the policy (``film``); None
            for a normal episode. Not part of the identity (excluded from ``==``/hash).
    """

    scenario: str
    episode_idx: int
    seed: int
    episode_id: str
    actions: Any = dataclasses.field(default=None, compare=False, repr=False)


def build_plan(scenarios: Sequence[str], episodes: int, base_seed: int) -> list[EpisodeSpec]:
    """Return ``episodes`` specs per scenario, scenario by scenario.

    Raises:
        UsageError: two scenario names sanitise to the same episode id (their videos would
            overwrite each other), e.g. ``"a/b"`` and ``"a-b"`` with colliding seeds.
    """
    plan: list[EpisodeSpec] = []
    owners: dict[str, str] = {}
    for scenario in scenarios:
        for idx in range(episodes):
            seed = derive_seed(base_seed, scenario, idx)
            spec = EpisodeSpec(scenario, idx, seed, episode_id(scenario, seed, idx))
            other = owners.setdefault(spec.episode_id, scenario)
            if other != scenario:
                raise UsageError(
                    f"scenarios {other!r} and {scenario!r} give the same episode id "
                    f"{spec.episode_id!r}; rename one"
                )
            plan.append(spec)
    return plan
