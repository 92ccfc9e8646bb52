"""Where the wrapper's frames come from: SocialNav snapshots, or an env's own ``render()``.

- ``is_social_nav(unwrapped)``: duck-types the SocialNav hooks (no isinstance on classes).
- ``snapshot_packer(unwrapped)``: the cheapest way to get one step's packed snapshot (a
  ``SnapshotPacker``: trail deltas for one recorder stream).
- ``FrameSource``: calls ``env.render()`` for a generic env, takes the last frame of an
  ``rgb_array_list`` render and keeps the list for the user's own ``render()`` call, and
  copies a frame only when the env redraws into one buffer.
"""

from __future__ import annotations

import collections
import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from robot_sf_gym_video.sim.snapshot import pack_snapshot
from robot_sf_gym_video.sim.trail import TrailCursor

__all__ = ["FrameSource", "SnapshotPacker", "is_social_nav", "snapshot_packer"]

log = logging.getLogger(__name__)

_ALIAS_WINDOW = 4  # render() buffers compared to detect an env that reuses one buffer


def is_social_nav(unwrapped: Any) -> bool:
    """Return True when ``unwrapped`` offers ``static_scene()`` and ``frame_snapshot()``."""
    return callable(getattr(unwrapped, "static_scene", None)) and callable(
        getattr(unwrapped, "frame_snapshot", None)
    )


class SnapshotPacker:
    """One step's packed snapshot, for the one recorder stream it feeds.

    ``pack`` (the per-step call) sends a trail delta where the env can pack one: only the
    trail points this stream has not been sent (``sim.trail.TrailCursor``), which the
    recorder's ``SnapshotDecoder`` completes. ``restart()`` makes the next packet carry
    its trail whole again: call it wherever the recorder resets its decoder (a take's
    ``begin``, a new ``scene``), so the two sides never disagree about what was sent.
    """

    def __init__(self, unwrapped: Any, lidar: bool) -> None:
        self._cursor: TrailCursor | None = None
        packed = getattr(unwrapped, "packed_frame_snapshot", None)
        if callable(packed):
            params = inspect.signature(packed).parameters
            options: dict[str, Any] = {}
            if not lidar and "lidar" in params:
                options["lidar"] = False
            if "cursor" in params:
                self._cursor = options["cursor"] = TrailCursor()
            self.pack: Callable[[], bytes] = functools.partial(packed, **options)
        else:
            frame_snapshot = unwrapped.frame_snapshot
            self.pack = lambda: pack_snapshot(frame_snapshot())

    def __call__(self) -> bytes:
        """Return this step's packet (``pack``)."""
        return self.pack()

    def restart(self) -> None:
        """Send the next packet's trail whole (the reader starts afresh)."""
        if self._cursor is not None:
            self._cursor.history = -1


def snapshot_packer(unwrapped: Any, lidar: bool = True) -> SnapshotPacker | None:
    """Return the cheapest way to get this step's packed snapshot (None: not SocialNav).

    Envs may offer ``packed_frame_snapshot()`` (bytes straight from live state, no snapshot
    object, trail deltas where it takes a ``cursor``); otherwise the snapshot is built and
    packed here. ``lidar=False`` asks for snapshots without lidar ranges (the recorder
    draws none), where the env can pack them.
    """
    if not is_social_nav(unwrapped):
        return None
    return SnapshotPacker(unwrapped, lidar)


class FrameSource:
    """One frame per step from a generic env's ``render()``, safe to queue for a thread.

    ``rgb_array_list`` envs (Gymnasium's ``RenderCollection``) return every frame since the
    last ``render()`` call and forget them; the wrapper films the last one and keeps the
    list in ``history`` so the user's own ``render()`` still gets everything (as
    ``RecordVideo`` does).

    Args:
        env: The wrapped env (``render_mode`` ``rgb_array`` or ``rgb_array_list``).
        name: The env's name, for log lines.
    """

    def __init__(self, env: Any, name: str) -> None:
        self._env = env
        self._name = name
        self.history: list[Any] = []
        self._recent: collections.deque[tuple[int, Any]] = collections.deque(maxlen=_ALIAS_WINDOW)
        self._seen = 0
        self._reuses_buffers = False

    def grab(self) -> Any:
        """Render this step's frame; None when an ``rgb_array_list`` render had no frame."""
        frame = self._env.render()
        if isinstance(frame, list):
            self.history += frame
            if not frame:
                return None
            frame = frame[-1]
        return self._own(frame)

    def take_history(self, render_out: Any) -> Any:
        """Prepend frames the wrapper took from an ``rgb_array_list`` env to the user's list."""
        if not self.history or not isinstance(render_out, list):
            return render_out
        out, self.history = self.history + render_out, []
        return out

    def clear(self) -> None:
        """Forget kept frames (at close)."""
        self._recent.clear()
        self.history = []

    def _own(self, frame: Any) -> Any:
        """Return ``frame`` safe to queue: copied only if the env redraws into one buffer.

        Most envs return a fresh array per ``render()`` (classic control: a transposed view
        of a new buffer), which can be queued as is; copying every frame would cost the
        env's thread a large share of a step. An env that redraws into the same buffer
        would overwrite queued frames, so the data addresses of the last ``_ALIAS_WINDOW``
        frames are compared (those frames are kept alive, so a fresh array cannot reuse an
        address) and the first ``_ALIAS_WINDOW`` frames are copied while that is unknown.
        Once a repeated address is seen, every frame is copied.
        """
        if not isinstance(frame, np.ndarray):
            return frame
        if not self._reuses_buffers:
            ptr = frame.__array_interface__["data"][0]
            if any(ptr == seen for seen, _ in self._recent):
                self._reuses_buffers = True
                self._recent.clear()
                log.debug("%s reuses its render() buffer; frames are copied", self._name)
            else:
                self._recent.append((ptr, frame))
        if self._reuses_buffers or self._seen < _ALIAS_WINDOW:
            frame = frame.copy()
        self._seen += 1
        return frame
