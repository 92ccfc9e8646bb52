"""Lazy access to optional dependencies (moviepy, pygame, tqdm, ray, av).

Optional modules are imported only where they are needed; their absence is a handled case.
``is_available`` probes without importing (cheap, no side effects); ``require`` imports and
raises ``DependencyNotInstalled`` with a message naming the pip extra that fixes it.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from robot_sf_gym_video.errors import DependencyNotInstalled

__all__ = ["is_available", "require"]


def is_available(module: str) -> bool:
    """Return True when ``module`` can be found on the path (it is not imported)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(module: str, *, extra: str | None = None, purpose: str = "") -> ModuleType:
    """Import ``module`` or raise ``DependencyNotInstalled`` saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        hint = f'pip install "robot_sf_gym_video[{extra}]"' if extra else f"pip install {module}"
        why = f" (needed for {purpose})" if purpose else ""
        raise DependencyNotInstalled(f"{module} is not installed{why}; run: {hint}") from exc
