"""The draw list's robot trail: sample pixels kept from frame to frame.

- ``TrailSamples.update(trail_m, pts)``: the trail's draw-list op: the pixels of its
  samples, segment by segment, and their inks (older half of the segments in the old
  shade).

Why: the trail grows by one point per step (and drops its oldest point once full), and
its sampling (``n`` samples per segment, ``n`` set by the longest segment) rarely
changes. Sampling all ~200 segments again costs ~10 numpy calls per frame; keeping the
samples of the segments that did not change and computing only the new one in plain
Python floats (the same IEEE operations in the same order as numpy's, hence the same
bits) costs a third of that. Samples are reused only when the world points are
byte-identical to those they came from and ``n`` is unchanged, so the output equals
sampling afresh (``tests/render/test_synthetic_draw.py`` checks whole episodes).
"""

from __future__ import annotations

import collections
import itertools

import numpy as np

from robot_sf_gym_video.render.palette import Ink

__all__ = ["MAX_TRAIL_SAMPLES", "TrailSamples"]

MAX_TRAIL_SAMPLES = 64  # per segment; caps work if the trail ever jumps


class TrailSamples:
    """Samples of the last trail drawn, extended incrementally (see the module docstring).

    Segment ``k`` goes from point ``k`` to ``k + 1`` and holds ``n`` samples at
    ``t = j / n``, ``j < n`` (its end is the next segment's start; the newest point lies
    under the robot). ``_rows[k]`` holds the ``n`` samples' frame pixels. Rows
    ``[start, end)`` are the current segments, so one contiguous slice is the pixel array
    of a single write, in segment order as drawing order requires.
    """

    def __init__(self, width_px: int) -> None:
        """Start empty for frames ``width_px`` wide."""
        self.width_px = width_px
        self._key = b""  # bytes of the world points the rows below were sampled from
        self._n = 0
        self._longest: collections.deque[int] = collections.deque()  # int(largest |step|)
        self._max = 0  # max(self._longest)
        self._rows = np.empty((0, 1), dtype=np.intp)
        self._start = self._end = 0
        self._t: dict[int, np.ndarray] = {}  # sample positions in a segment, per n
        self._t_list: list[float] = []  # self._t[self._n] as Python floats
        self._inks = np.empty((0, 1), dtype=np.uint8)  # old shade rows, then new

    def update(self, trail_m: np.ndarray, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(pixels, inks)`` for a trail of at least two points.

        Args:
            trail_m: ``(k, 2)`` world points (only compared, as bytes).
            pts: ``(2, k)`` their pixel coordinates x, y (all >= 0).

        Returns:
            Frame pixels of every sample, oldest segment first, and their inks: the older
            half of the segments (rounded down) in the old shade.
        """
        key = trail_m.tobytes()
        if key != self._key:
            row = len(key) // len(trail_m)  # bytes per point
            head = key[:-row]
            slid = head == self._key[row:]
            if not ((slid or head == self._key) and self._extend(pts, slid)):
                self._resample(pts)
            self._key = key
        n_rows = self._end - self._start
        half = len(self._inks) // 2
        if n_rows > half:
            self._inks = np.empty((4 * n_rows, self._n), dtype=np.uint8)
            self._inks[: 2 * n_rows], self._inks[2 * n_rows :] = Ink.TRAIL_OLD, Ink.TRAIL_NEW
            half = 2 * n_rows
        first = half - n_rows // 2
        inks = self._inks[first : first + n_rows].ravel()
        return self._rows[self._start : self._end].ravel(), inks

    def _extend(self, pts: np.ndarray, slid: bool) -> bool:
        """Append the newest segment, dropping the oldest if the trail ``slid``.

        For a trail that is the previous one plus one point (``slid``: minus its first
        point, too). Returns False, changing nothing, if ``n`` would change.
        """
        if not self._longest:
            return False
        (x0, x1), (y0, y1) = pts[:2, -2:].tolist()
        dx, dy = x1 - x0, y1 - y0
        longest = int(max(abs(dx), abs(dy)))
        top = self._max
        if slid and self._longest[0] == top and longest < top:
            top = max(itertools.islice(self._longest, 1, None), default=0)  # rare
        top = max(top, longest)
        if min(top + 1, MAX_TRAIL_SAMPLES) != self._n:
            return False
        if slid:
            self._longest.popleft()
            self._start += 1
        if self._end == len(self._rows):
            self._make_room()
        # The vectorised sampling's operations, (step * t) + start, floored.
        w = self.width_px
        self._rows[self._end] = [int(dy * t + y0) * w + int(dx * t + x0) for t in self._t_list]
        self._end += 1
        self._longest.append(longest)
        self._max = top
        return True

    def _make_room(self) -> None:
        """Move the current rows to the front, doubling the capacity if they fill half."""
        n_rows = self._end - self._start
        rows = np.empty((max(len(self._rows), 2 * n_rows + 2), self._n), dtype=np.intp)
        rows[:n_rows] = self._rows[self._start : self._end]
        self._rows, self._start, self._end = rows, 0, n_rows

    def _resample(self, pts: np.ndarray) -> None:
        """Sample every segment afresh (vectorised): a new trail or a new ``n``.

        Samples are computed sample-major (long inner loops), then transposed once to
        segment-major: write order matters where the new half crosses the old one.
        """
        step = pts[:, 1:] - pts[:, :-1]
        longest = np.abs(step).max(axis=0).astype(np.intp)
        n = min(int(longest.max()) + 1, MAX_TRAIL_SAMPLES)
        t = self._t.get(n)
        if t is None:
            t = self._t[n] = np.linspace(0.0, 1.0, n + 1)[:-1]
        samples = step[:, None, :] * t[:, None]  # (2, n, segments)
        samples += pts[:, None, :-1]
        ij = samples.astype(np.intp)
        idx = ij[1] * self.width_px
        idx += ij[0]
        n_rows = step.shape[1]
        if n != self._n:
            self._inks = np.empty((0, n), dtype=np.uint8)
        self._n, self._t_list = n, t.tolist()
        self._longest = collections.deque(longest.tolist())
        self._max = int(longest.max())
        self._rows = np.empty((2 * n_rows + 2, n), dtype=np.intp)
        self._rows[:n_rows] = idx.T
        self._start, self._end = 0, n_rows
