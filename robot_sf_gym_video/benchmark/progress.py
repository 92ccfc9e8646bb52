"""The batch progress bar: episodes done / total, ETA and successes so far.

- ``Progress``: a tqdm bar when asked for, stderr is a terminal and tqdm is installed;
  otherwise a no-op with the same methods, so the runner never branches on it.

tqdm is optional (the ``progress`` extra) and imported lazily: its absence only means no
bar. The bar goes to stderr so stdout stays clean for the summary and for scripts.
"""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

from robot_sf_gym_video._optional import is_available

if TYPE_CHECKING:
    from tqdm import tqdm

__all__ = ["Progress"]

logger = logging.getLogger(__name__)


class Progress:
    """Count finished episodes; draw a bar only where a human is watching.

    Args:
        total: Episodes this run will execute.
        enabled: The caller's wish (e.g. not ``--quiet``).
        initial: Episodes already complete (resume), shown as done from the start.
    """

    def __init__(self, total: int, *, enabled: bool, initial: int = 0) -> None:
        self.done = initial
        self.successes = 0
        self._bar: tqdm | None = None
        if enabled and _stderr_is_tty() and total > 0:
            if is_available("tqdm"):
                from tqdm import tqdm

                self._bar = tqdm(
                    total=total + initial,
                    initial=initial,
                    unit="ep",
                    desc="episodes",
                    file=sys.stderr,
                    dynamic_ncols=True,
                )
            else:
                logger.info("install tqdm (robot_sf_gym_video[progress]) for a progress bar")

    @property
    def active(self) -> bool:
        """True when a bar is being drawn."""
        return self._bar is not None

    def episode_finished(self, outcome: str) -> None:
        """Count one finished episode and refresh the bar."""
        self.done += 1
        self.successes += outcome == "success"
        if self._bar is not None:
            self._bar.set_postfix(success=self.successes, refresh=False)
            self._bar.update(1)

    def close(self) -> None:
        """Remove the bar (idempotent)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
