"""One small exception family, so the CLI can map library errors to exit codes in one place.

- ``RobotSfError``: base class of every error this package raises on purpose.
- ``UsageError``: the user asked for something invalid (bad scenario name, bad flag value,
  malformed file). The CLI prints its message as one line and exits with code 2.
- ``ScenarioError``: a scenario file or name is invalid (a ``UsageError``).
- ``DependencyNotInstalled``: an optional dependency is missing; the message names the extra.
"""

from __future__ import annotations

__all__ = ["DependencyNotInstalled", "RobotSfError", "ScenarioError", "UsageError"]


class RobotSfError(Exception):
    """Base class of the errors raised on purpose by ``robot_sf_gym_video``."""


class UsageError(RobotSfError, ValueError):
    """Invalid user input; the message is one line naming the bad value and what is allowed."""


class ScenarioError(UsageError):
    """A scenario name or scenario file is invalid."""


class DependencyNotInstalled(RobotSfError, ImportError):
    """An optional dependency is missing; the message says which pip extra installs it."""
