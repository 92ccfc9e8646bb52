"""Decode a recorder's stream of packed snapshots, whose trails come as deltas.

- ``SnapshotDecoder``: ``unpack(data)`` turns one packet into a ``FrameSnapshot``, keeping
  the trail points of earlier packets so that a delta packet (only the newest points,
  see ``snapshot.pack_state``) gets its whole trail back; ``reset()`` forgets them.

Why: a snapshot's trail is its largest part and changes by one point per step, so the
env's thread hands over that point instead of the whole trail, and the recorder, which
sees every packet of a take in order, puts the trail together again. The decoder is reset
wherever the env side starts sending whole trails again (a take's first packet, a new
scene), and a delta it cannot complete is an error, never a shorter trail.
"""

from __future__ import annotations

import numpy as np

from robot_sf_gym_video.sim.snapshot import FrameSnapshot, unpack_packet

__all__ = ["SnapshotDecoder"]


class SnapshotDecoder:
    """Unpack the packets of one stream in order (see the module docstring)."""

    def __init__(self) -> None:
        # The current trail is rows [_start, _end): the last packet's whole trail, which is
        # all a later delta can ask for. Appends are amortised O(1), as in ``sim.trail``.
        self._buf = np.empty((_MIN_ROWS, 2))
        self._start = self._end = 0

    def reset(self) -> None:
        """Forget the trail: the next packet must carry its trail whole."""
        self._start = self._end = 0

    def unpack(self, data: bytes | memoryview) -> FrameSnapshot:
        """Return the snapshot of ``data``, its trail completed from earlier packets.

        Raises:
            ValueError: a delta packet needs more earlier points than the stream holds.
        """
        snap, n_trail = unpack_packet(data)
        sent = snap.trail_m
        older = n_trail - len(sent)
        held = self._end - self._start
        if older > held:
            raise ValueError(
                f"a snapshot needs {older} earlier trail points; the stream holds {held}"
            )
        self._append(sent, older)
        if older:
            trail = self._buf[self._start : self._end].copy()
            trail.setflags(write=False)
            snap.__dict__["trail_m"] = trail
        return snap

    def _append(self, sent: np.ndarray, older: int) -> None:
        """Make the trail its ``older`` newest points followed by ``sent``."""
        start, n_new = self._end - older, len(sent)
        if self._end + n_new > len(self._buf):
            rows = older + n_new
            buf = self._buf if 2 * rows <= len(self._buf) else np.empty((2 * rows, 2))
            buf[:older] = self._buf[start : self._end]  # numpy copies overlaps safely
            self._buf, start, self._end = buf, 0, older
        self._buf[self._end : self._end + n_new] = sent
        self._start, self._end = start, self._end + n_new


_MIN_ROWS = 512  # initial capacity: room for a default trail (200 points) twice over
