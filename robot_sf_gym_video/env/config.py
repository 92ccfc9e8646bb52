"""Typed configuration of ``SocialNavEnv`` (no dict of strings where a typo passes silently).

- ``RewardConfig``: weights of the reward terms.
- ``EnvConfig``: simulation settings (``SimConfig``), reward weights and the metric
  thresholds; pass one as ``SocialNavEnv(config=...)`` to change the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from robot_sf_gym_video.sim.simulator import SimConfig

__all__ = ["EnvConfig", "RewardConfig"]


@dataclass(frozen=True)
class RewardConfig:
    """Reward per step: ``progress + goal bonus - collision penalty - time penalty``.

    Attributes:
        progress_per_m: Reward per metre the robot got closer to the goal centre (negative
            when it moved away), so the return of a direct run is about the start distance.
        goal_bonus: Added on the step the goal is reached.
        collision_penalty: Subtracted on a collision step (the episode ends there).
        time_penalty: Subtracted every step (0 by default; set > 0 to reward haste).
    """

    progress_per_m: float = 1.0
    goal_bonus: float = 10.0
    collision_penalty: float = 10.0
    time_penalty: float = 0.0


@dataclass(frozen=True)
class EnvConfig:
    """Everything about the env that is not scenario data.

    Attributes:
        sim: Time step, robot limits, social-force constants, lidar and trail settings.
        reward: Reward weights.
        near_miss_m: Surface distance below which a step counts as a near miss.
        personal_space_m: Surface distance below which a step intrudes on personal space.
        stall_speed_mps: Robot speed below which a step counts as stalled.
    """

    sim: SimConfig = field(default_factory=SimConfig)
    reward: RewardConfig = field(default_factory=RewardConfig)
    near_miss_m: float = 0.25
    personal_space_m: float = 0.45
    stall_speed_mps: float = 0.05
