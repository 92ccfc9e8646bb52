"""The one recorder loop, its protocol, and its two frame sources.

- ``Recorder``: what the wrapper calls, whatever runs behind it (``begin``, ``push``,
  ``end``, ``discard``, ``poll``, ``wait``, ``close``). ``transport.RecorderHandle``
  implements it over a process pipe or a thread queue.
- ``FrameSource``: turns one pushed item into one raw frame for the encoder:
  ``SnapshotSource`` draws a packed snapshot with a renderer (SocialNav);
  ``PassThroughSource`` takes an ``env.render()`` array as it is (any other env).
- ``RecorderLoop``: the recorder side. It owns the source and the ``EpisodeEncoder``,
  accounts the CPU it spends per episode, and turns each episode into one result dict.
  It runs in the recorder process or thread, never in the env's thread.

Why one loop: both recorders had the same messages, lifecycle and CPU accounting; only
where a frame comes from (draw vs pass through) and how messages travel (pipe vs queue)
differ, so those are the two things that vary.

A result is a plain dict (it crosses a process pipe): ``{"episode_id": str, "video":
{...}}`` or ``{"episode_id": str, "video_skip": {...}}``, plus ``"encode_cpu_ms"``: the CPU
this loop's thread and its reaped children (ffmpeg) spent on the episode.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from robot_sf_gym_video.sim.snapshot_stream import SnapshotDecoder
from robot_sf_gym_video.video._util import children_cpu_s
from robot_sf_gym_video.video.frames import to_rgb24

if TYPE_CHECKING:
    from robot_sf_gym_video.sim.snapshot import StaticScene
    from robot_sf_gym_video.video.encoder import EpisodeEncoder

__all__ = [
    "FrameSource",
    "PassThroughSource",
    "Recorder",
    "RecorderLoop",
    "SnapshotSource",
]

log = logging.getLogger(__name__)

#: Renderers that draw a lidar layer (and so take ``show_lidar``).
LIDAR_RENDERERS: tuple[str, ...] = ("sim-view",)

#: A raw frame and its geometry: ``(buffer, width_px, height_px, pix_fmt)``.
RawFrame = tuple[Any, int, int, str]


class Recorder(Protocol):
    """The env-side handle of a recorder; none of its methods draws or encodes."""

    def begin(
        self,
        episode_id: str,
        final_path: str,
        report_path: str,
        static: StaticScene | None = None,
    ) -> None:
        """Start an episode (its items follow with ``push``)."""
        ...

    def push(self, item: Any) -> None:
        """Hand over one step: packed snapshot bytes, or a frame array."""
        ...

    def end(self, steps: int) -> None:
        """Finish the current episode; its result arrives in ``poll()``/``wait()``."""
        ...

    def discard(self) -> None:
        """Drop the current episode; no file, no result."""
        ...

    def poll(self) -> list[dict[str, Any]]:
        """Return the results that are ready, without waiting."""
        ...

    def wait(self) -> dict[str, Any]:
        """Wait for the next result (``RecorderDiedError`` if the recorder is gone)."""
        ...

    def close(self) -> None:
        """Finish queued episodes, keep their results for ``poll``, stop the recorder."""
        ...


class FrameSource(Protocol):
    """Where the loop's frames come from.

    Attributes:
        label: The artifact's ``renderer`` (``synthetic``, ``sim-view`` or ``env``).
        note: The artifact's ``notes`` (e.g. why sim-view fell back), or None.
        error: Why this source cannot make frames at all (every episode is then a skip).
        geometry: ``(width_px, height_px, pix_fmt)`` of every frame when known up front
            (the encoder then warms up before the first frame), else None.
        batch: How many frames ``frame`` may make before the first of them is encoded
            (the frames it returns stay intact that long).
    """

    label: str
    note: str | None
    error: str | None
    geometry: tuple[int, int, str] | None
    batch: int

    def begin(self, static: StaticScene | None) -> None:
        """Take the new episode's static scene (None for pass-through)."""
        ...

    def frame(self, item: Any) -> RawFrame:
        """Return the raw frame of one pushed item."""
        ...

    def failure(self, exc: Exception) -> str:
        """Return the skip message for an exception raised by ``frame``."""
        ...

    def close(self) -> None:
        """Release what the source holds."""
        ...


class SnapshotSource:
    """Draw packed snapshots with a renderer made in the recorder.

    Args:
        renderer_name: ``"synthetic"`` or ``"sim-view"``.
        size: ``(width_px, height_px)`` or None for the renderer's default.
        frame_format: ``"native"`` draws ``render_for_encoder()`` (yuv420p for synthetic);
            ``"rgb24"`` draws ``render()``, exactly the pixels ``env.render()`` returns.
        renderer_factory: ``(name, size=...) -> (renderer, note | None)``; None uses
            ``robot_sf_gym_video.render.factory.create_renderer``.
        show_lidar: Draw lidar rays; passed to renderers with a lidar layer
            (``LIDAR_RENDERERS``), which all other renderers lack.
    """

    def __init__(
        self,
        renderer_name: str,
        size: tuple[int, int] | None = None,
        frame_format: str = "native",
        renderer_factory: Callable[..., tuple[Any, str | None]] | None = None,
        *,
        show_lidar: bool = False,
    ) -> None:
        self.label = renderer_name
        self.note: str | None = None
        self.error: str | None = None
        self.renderer: Any = None
        self.static: StaticScene | None = None
        self.geometry: tuple[int, int, str] | None = None
        self.batch = 1
        self._decoder = SnapshotDecoder()
        self._unpack = self._decoder.unpack
        try:
            create = renderer_factory
            if create is None:
                from robot_sf_gym_video.render.factory import create_renderer as create
            options = {"show_lidar": show_lidar} if renderer_name in LIDAR_RENDERERS else {}
            self.renderer, self.note = create(renderer_name, size=size, **options)
        except Exception as exc:
            self.error = f"cannot create the {renderer_name} renderer: {exc}"
            return
        self.label = self.renderer.name
        rgb = frame_format == "rgb24"
        # A renderer with reusable buffers (synthetic) draws into them, a batch of frames
        # at a time: the encoder wraps each buffer once, and drawing and encoding each
        # run with their own code and tables warm in the CPU caches.
        reused = None if rgb else getattr(self.renderer, "draw_for_encoder", None)
        if reused is not None:
            self._draw, self.batch = reused, max(1, int(self.renderer.encoder_ring))
        else:
            self._draw = self.renderer.render if rgb else self.renderer.render_for_encoder
        width_px, height_px = self.renderer.size
        self.geometry = (width_px, height_px, "rgb24" if rgb else self.renderer.encoder_pix_fmt)
        self._geometry = self.geometry

    def begin(self, static: StaticScene | None) -> None:
        """Keep the episode's static scene (the renderer caches its layer by identity).

        Also where the env side starts sending whole trails again (``SnapshotPacker``):
        a take's begin and a new scene both come here.
        """
        self.static = static
        self._decoder.reset()

    def frame(self, item: Any) -> RawFrame:
        """Unpack one snapshot (completing its trail) and draw it."""
        return (self._draw(self.static, self._unpack(item)), *self._geometry)

    def failure(self, exc: Exception) -> str:
        """Return the message of a snapshot that could not be drawn."""
        return f"drawing step failed: {exc!r}"

    def close(self) -> None:
        """Release the renderer (pygame resources for sim-view)."""
        if self.renderer is not None:
            with contextlib.suppress(Exception):
                self.renderer.close()


class PassThroughSource:
    """Frames the env rendered itself: checked and made packed RGB, nothing drawn."""

    label = "env"
    note: str | None = None
    error: str | None = None
    geometry = None
    batch = 1

    def begin(self, static: StaticScene | None) -> None:
        """Nothing to keep: frames arrive finished."""

    def frame(self, item: Any) -> RawFrame:
        """Return the frame as packed ``rgb24`` (``ValueError`` for a bad array)."""
        rgb = to_rgb24(item)
        return rgb.data, rgb.shape[1], rgb.shape[0], "rgb24"

    def failure(self, exc: Exception) -> str:
        """Return what is wrong with a bad array; anything else is a writer error."""
        return str(exc) if isinstance(exc, ValueError) else f"writer error: {exc!r}"

    def close(self) -> None:
        """Nothing to release."""


class RecorderLoop:
    """The recorder's side: frames in, one artifact or skip per episode out.

    Messages are handled strictly in order, so ``end`` of one episode, ``begin`` of the
    next and its frames may arrive back to back; results come out in the same order.

    Args:
        encoder: Turns frames into files (owned by the loop from now on).
        source: Turns pushed items into frames.
    """

    def __init__(self, encoder: EpisodeEncoder, source: FrameSource) -> None:
        self.encoder = encoder
        self.source = source
        self._cpu0 = (0.0, 0.0)
        if source.error is None and source.geometry is not None:
            encoder.warm(*source.geometry)

    def begin(
        self, episode_id: str, final_path: str, report_path: str, static: StaticScene | None
    ) -> None:
        """Start an episode; an unfinished previous one is discarded."""
        self._cpu0 = (time.thread_time(), children_cpu_s())
        source = self.source
        source.begin(static)
        self.encoder.begin(episode_id, final_path, report_path, source.label, source.note)
        if source.error is not None:
            self.encoder.fail("encode-error", source.error)

    def scene(self, static: StaticScene | None) -> None:
        """Take a new static scene inside the current file (a clip spanning a reset)."""
        self.source.begin(static)

    def frames(self, items: Sequence[Any]) -> None:
        """Draw (or take) and encode each item; frames after a failure are dropped.

        Up to ``source.batch`` frames are drawn before they are encoded, in order.
        """
        encoder, source = self.encoder, self.source
        make, add, batch = source.frame, encoder.add_frame, source.batch
        for start in range(0, len(items), batch):
            if encoder.failed:
                return
            raws, error = [], None
            for item in items[start : start + batch]:
                try:
                    raws.append(make(item))
                except Exception as exc:
                    error = exc
                    break
            for raw in raws:
                add(*raw)
            if error is not None:
                encoder.fail("encode-error", source.failure(error))
                return

    def end(self, steps: int) -> dict[str, Any]:
        """Finish the episode and return its result, with the CPU it cost."""
        result = self.encoder.end(steps)
        cpu_s = time.thread_time() - self._cpu0[0] + children_cpu_s() - self._cpu0[1]
        result["encode_cpu_ms"] = cpu_s * 1000.0
        return result

    def discard(self) -> None:
        """Drop the current episode: nothing is left on disk, no result."""
        self.encoder.discard()

    def fail(self, message: str) -> None:
        """Turn the current episode into an ``encode-error`` skip (a message failed)."""
        self.encoder.fail("encode-error", message)

    def shutdown(self) -> None:
        """Abort unfinished work and release the source."""
        self.encoder.shutdown()
        self.source.close()
