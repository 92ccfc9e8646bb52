"""A bounded history of recent robot positions for drawing the robot's path.

- ``Trail``: append-only buffer of the last ``maxlen`` positions; ``view`` returns them
  oldest first as one contiguous ``(K, 2)`` array without copying. The backing store is
  twice ``maxlen`` long and compacted only when it fills, so a push is O(1) amortised.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Trail"]


class Trail:
    """The last ``maxlen`` robot positions (metres), oldest first."""

    def __init__(self, maxlen: int = 200) -> None:
        if maxlen < 1:
            raise ValueError("Trail maxlen must be >= 1")
        self.maxlen = int(maxlen)
        self._buf = np.zeros((2 * self.maxlen, 2))
        self._start = 0
        self._end = 0

    def clear(self) -> None:
        """Forget every position."""
        self._start = self._end = 0

    def push(self, x: float, y: float) -> None:
        """Append a position, dropping the oldest one beyond ``maxlen``."""
        if self._end == len(self._buf):
            keep = self.maxlen - 1
            self._buf[:keep] = self._buf[self._end - keep : self._end]
            self._start, self._end = 0, keep
        self._buf[self._end, 0] = x
        self._buf[self._end, 1] = y
        self._end += 1
        if self._end - self._start > self.maxlen:
            self._start += 1

    def view(self) -> np.ndarray:
        """Positions ``(K, 2)``, oldest first (a view; copy before keeping it)."""
        return self._buf[self._start : self._end]

    def __len__(self) -> int:
        return self._end - self._start
