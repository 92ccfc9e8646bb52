"""A bounded history of recent robot positions for drawing the robot's path.

- ``Trail``: append-only buffer of the last ``maxlen`` positions; ``view`` returns them
  oldest first as one contiguous ``(K, 2)`` array without copying. The backing store is
  twice ``maxlen`` long and compacted only when it fills, so a push is O(1) amortised.
- ``TrailCursor``: how much of a trail a reader has been sent; ``Trail.unsent(cursor)``
  says how many of the newest points it lacks. The video hand-over sends only those
  (one point per step instead of the whole trail), and the recorder rebuilds the rest.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

__all__ = ["Trail", "TrailCursor"]

#: Every trail history (a new ``Trail`` or one just cleared) gets a number of its own, so
#: a cursor can never mistake another trail, or the same one after a reset, for its own.
_HISTORIES = itertools.count()


@dataclass
class TrailCursor:
    """What a reader of one trail has been sent: its history and how many pushes.

    A fresh cursor (``history=-1``) has been sent nothing: the whole trail is unsent.
    """

    history: int = -1
    pushes: int = 0


class Trail:
    """The last ``maxlen`` robot positions (metres), oldest first."""

    def __init__(self, maxlen: int = 200) -> None:
        if maxlen < 1:
            raise ValueError("Trail maxlen must be >= 1")
        self.maxlen = int(maxlen)
        self._buf = np.zeros((2 * self.maxlen, 2))
        self._start = 0
        self._end = 0
        self._history = next(_HISTORIES)
        self._pushes = 0

    def clear(self) -> None:
        """Forget every position (a new history: cursors of the old one are stale)."""
        self._start = self._end = 0
        self._history = next(_HISTORIES)
        self._pushes = 0

    def push(self, x: float, y: float) -> None:
        """Append a position, dropping the oldest one beyond ``maxlen``."""
        if self._end == len(self._buf):
            keep = self.maxlen - 1
            self._buf[:keep] = self._buf[self._end - keep : self._end]
            self._start, self._end = 0, keep
        self._buf[self._end, 0] = x
        self._buf[self._end, 1] = y
        self._end += 1
        self._pushes += 1
        if self._end - self._start > self.maxlen:
            self._start += 1

    def unsent(self, cursor: TrailCursor) -> int:
        """Return how many of the newest points ``cursor`` lacks, then mark them sent.

        All of them when the cursor belongs to another history (or none yet); never
        more than the trail holds.
        """
        size = self._end - self._start
        if cursor.history != self._history:
            cursor.history, cursor.pushes = self._history, self._pushes
            return size
        new = self._pushes - cursor.pushes
        cursor.pushes = self._pushes
        return min(new, size)

    def view(self) -> np.ndarray:
        """Positions ``(K, 2)``, oldest first (a view; copy before keeping it)."""
        return self._buf[self._start : self._end]

    def __len__(self) -> int:
        return self._end - self._start
