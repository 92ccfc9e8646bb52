"""robot_sf_gym_video: a social-navigation Gymnasium env that films every evaluation episode.

Public API (imported lazily so ``import robot_sf_gym_video`` stays cheap and never pulls in
moviepy or pygame):

- ``SocialNavEnv``: the environment, registered as ``robot_sf_gym_video/SocialNav-v0``.
- ``list_scenarios()``: names of the built-in scenarios.
- ``VideoArtifactWrapper``: streams one MP4 per episode next to the env's metrics.
- ``run_batch()``: the benchmark runner behind the ``robot-sf-bench`` CLI.
"""

from __future__ import annotations

import logging
import sys
from types import TracebackType
from typing import TYPE_CHECKING, Any


def _interrupt_in_one_line(previous: Any) -> Any:
    """Return an excepthook printing ``interrupted`` for a Ctrl-C, else ``previous``'s.

    Why: a Ctrl-C in the first fraction of a second of the CLI lands in this import (numpy
    and gymnasium load here), before any code of the CLI can catch it; Python would print
    a traceback from deep inside numpy. Installed only when that happened.
    """

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.stderr.write("interrupted\n")  # an excepthook writes to stderr itself
        else:
            previous(kind, value, tb)

    return hook


try:
    import gymnasium
except KeyboardInterrupt:
    sys.excepthook = _interrupt_in_one_line(sys.excepthook)
    raise

__version__ = "0.1.0"
ENV_ID = "robot_sf_gym_video/SocialNav-v0"

__all__ = [
    "ENV_ID",
    "SocialNavEnv",
    "VideoArtifactWrapper",
    "__version__",
    "list_scenarios",
    "run_batch",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

if ENV_ID not in gymnasium.registry:
    gymnasium.register(
        id=ENV_ID,
        entry_point="robot_sf_gym_video.env.social_nav_env:SocialNavEnv",
        disable_env_checker=False,
        # gym.make(..., max_episode_steps=N) reaches the env as its own limit (step_limit.py)
        additional_wrappers=(
            gymnasium.envs.registration.WrapperSpec(
                "SpecStepLimit", "robot_sf_gym_video.env.step_limit:SpecStepLimit", {}
            ),
        ),
    )

_LAZY = {
    "SocialNavEnv": ("robot_sf_gym_video.env.social_nav_env", "SocialNavEnv"),
    "list_scenarios": ("robot_sf_gym_video.sim.scenarios", "list_scenarios"),
    "VideoArtifactWrapper": ("robot_sf_gym_video.video.wrapper", "VideoArtifactWrapper"),
    "run_batch": ("robot_sf_gym_video.benchmark.runner", "run_batch"),
}

if TYPE_CHECKING:
    from robot_sf_gym_video.benchmark.runner import run_batch
    from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
    from robot_sf_gym_video.sim.scenarios import list_scenarios
    from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper


def __getattr__(name: str) -> Any:
    """Import public names on first use (PEP 562)."""
    if name in _LAZY:
        import importlib

        module_name, attr = _LAZY[name]
        value = getattr(importlib.import_module(module_name), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'robot_sf_gym_video' has no attribute {name!r}")
