"""Recorder for SocialNav: a forked process that draws and encodes state snapshots.

- ``RecorderConfig``: what the recorder needs (picklable, so ``spawn`` works too).
- ``SnapshotRecorder``: the env-side handle. Per episode it sends the ``StaticScene``
  once, then one ``pack_snapshot`` byte string per step (a few hundred bytes to a few KB),
  then an end marker; results come back as dicts on a second pipe.
- ``recorder_main``: the loop that runs in the recorder process (or, where a process is
  impossible, in a thread): it owns the renderer and the ``EpisodeEncoder``.

Why a process: drawing (~0.2 ms) and ffmpeg (~0.7 ms per 320x240 frame) cost about as
much as a whole simulation step; in the env's process they would hold the GIL or compete
with it. Handing over the snapshot costs the env's thread microseconds, and the pipe is
bounded by the OS (grown to 1 MiB on Linux): if the recorder falls behind, ``send_bytes``
blocks and memory never grows. The process is forked where possible (``spawn`` costs
~0.5 s of imports) once per wrapper, at the first recorded episode, and lives until
``close()``. A daemonic process (e.g. an ``AsyncVectorEnv`` worker) may not have children,
so there the same loop runs in a thread.

Wire format on the data pipe: one tag byte, then ``S`` + a batch of packed snapshots
(``<I`` count, ``count`` x ``<I`` lengths, the snapshots back to back), ``B`` + pickled
``(episode_id, final_path, report_path, StaticScene)``, ``E`` + ASCII step count, ``D``
(discard the current episode) or ``Q`` (finish queued work and exit). Snapshots are sent
in batches of ``BATCH_STEPS`` (and before any other message): one pipe write, and one
wake-up of the recorder, per batch instead of per step, which roughly halves what the
env's thread pays per step for the hand-over.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import struct
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from robot_sf_gym_video.sim.snapshot import unpack_snapshot
from robot_sf_gym_video.video._util import RecorderDiedError, children_cpu_s, grow_pipe
from robot_sf_gym_video.video.encoder import EpisodeEncoder
from robot_sf_gym_video.video.writer import WriterFactory

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from robot_sf_gym_video.sim.snapshot import StaticScene

__all__ = [
    "BATCH_STEPS",
    "RecorderConfig",
    "SnapshotRecorder",
    "recorder_main",
    "resolve_encoder",
    "start_method",
]

log = logging.getLogger(__name__)

_JOIN_TIMEOUT_S = 60.0
#: Snapshots per pipe write (a few KB): bounds both the wrapper's buffer and the latency.
BATCH_STEPS = 8
_COUNT = struct.Struct("<I")
_live_recorders: weakref.WeakSet[SnapshotRecorder] = weakref.WeakSet()


@dataclass(frozen=True)
class RecorderConfig:
    """Settings of one recorder.

    Attributes:
        video_dir: Absolute output folder.
        fps: Frame rate of the files.
        renderer_name: ``"synthetic"`` or ``"sim-view"``.
        size: ``(width_px, height_px)`` or None for the renderer's default.
        frame_format: ``"native"`` feeds ``render_for_encoder()`` (yuv420p for synthetic);
            ``"rgb24"`` feeds ``render()``, exactly the pixels ``env.render()`` returns.
        writer_factory: Test seam; None uses ffmpeg (must be picklable under ``spawn``).
        exe: ffmpeg binary.
        renderer_factory: ``(name, size) -> (renderer, note | None)``; None uses
            ``robot_sf_gym_video.render.factory.create_renderer``.
        encoder: ``"auto"`` (PyAV's in-process libx264 in a recorder process when
            available, else the ffmpeg binary), ``"pyav"`` or ``"ffmpeg"``.
    """

    video_dir: str
    fps: float
    renderer_name: str
    size: tuple[int, int] | None = None
    frame_format: str = "native"
    writer_factory: WriterFactory | None = None
    exe: str | None = None
    renderer_factory: Callable[..., tuple[Any, str | None]] | None = None
    encoder: str = "auto"


def resolve_encoder(choice: str, own_process: bool) -> str:
    """Pick the encoder backend: PyAV only in a process of its own (it holds the GIL)."""
    if choice == "auto":
        from robot_sf_gym_video.video.pyav_writer import pyav_available

        return "pyav" if own_process and pyav_available() else "ffmpeg"
    if choice == "pyav" and not own_process:
        log.info("PyAV encoding needs a recorder process; using the ffmpeg binary")
        return "ffmpeg"
    return choice


def start_method() -> str:
    """Return ``"fork"`` on Linux (cheap: no re-import), else ``"spawn"``."""
    methods = multiprocessing.get_all_start_methods()
    return "fork" if sys.platform.startswith("linux") and "fork" in methods else "spawn"


def _forget_recorders_after_fork() -> None:
    """In a forked child, close inherited data-pipe ends of the parent's recorders.

    Otherwise a recorder would not see end-of-file when the parent dies, because a sibling
    process still held a copy of its input pipe.
    """
    for rec in list(_live_recorders):
        if rec._owner_pid != os.getpid():
            with contextlib.suppress(OSError):
                rec._inbox_w.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_recorders_after_fork)


class SnapshotRecorder:
    """Env-side handle of a recorder that renders snapshots and encodes them.

    All methods are called from the env's thread; none of them draws or encodes.

    Args:
        config: Recorder settings.
        mode: ``"process"`` (default) or ``"thread"`` (same loop, in this process).
    """

    def __init__(self, config: RecorderConfig, mode: str = "process") -> None:
        self._inbox_r, self._inbox_w = multiprocessing.Pipe(duplex=False)
        self._out_r, self._out_w = multiprocessing.Pipe(duplex=False)
        grow_pipe(self._inbox_w.fileno())
        self._owner_pid = os.getpid()
        self._closed = False
        self._dead = False
        self._late: list[dict[str, Any]] = []
        self._batch: list[bytes] = []
        self.mode = mode
        if mode == "process":
            method = start_method()
            ctx = multiprocessing.get_context(method)
            inherited = (self._inbox_w, self._out_r) if method == "fork" else ()
            self._worker: Any = ctx.Process(
                target=recorder_main,
                args=(self._inbox_r, self._out_w, config, inherited, True),
                name="robot-sf-video-recorder",
                daemon=True,
            )
            self._worker.start()
            self._inbox_r.close()
            self._out_w.close()
        else:
            self._worker = threading.Thread(
                target=recorder_main,
                args=(self._inbox_r, self._out_w, config, (), False),
                name="robot-sf-video-recorder",
                daemon=True,
            )
            self._worker.start()
        _live_recorders.add(self)

    @property
    def pid(self) -> int | None:
        """Process id of the recorder process (None in thread mode)."""
        return getattr(self._worker, "pid", None)

    def begin(
        self, episode_id: str, final_path: str, report_path: str, static: StaticScene
    ) -> None:
        """Start an episode: the static scene travels once, pickled."""
        payload = pickle.dumps((episode_id, final_path, report_path, static), protocol=5)
        self._send(b"B" + payload)

    def push(self, packed_snapshot: bytes) -> None:
        """Hand over one step (``pack_snapshot`` bytes); blocks only if the pipe is full."""
        batch = self._batch
        batch.append(packed_snapshot)
        if len(batch) >= BATCH_STEPS:
            self._flush()

    def end(self, steps: int) -> None:
        """Finish the current episode; its result arrives in ``poll()``/``wait()``."""
        self._send(b"E%d" % steps)

    def discard(self) -> None:
        """Drop the current episode; no file, no result."""
        self._batch.clear()
        self._send(b"D")

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        lengths = struct.pack(f"<{len(batch)}I", *map(len, batch))
        self._send_now(b"".join((b"S", _COUNT.pack(len(batch)), lengths, *batch)))

    def poll(self) -> list[dict[str, Any]]:
        """Return the results that are ready, without waiting."""
        out, self._late = self._late, []
        if self._closed:
            return out
        try:
            while self._out_r.poll():
                out.append(self._out_r.recv())
        except (EOFError, OSError):
            self._dead = True
        return out

    def wait(self) -> dict[str, Any]:
        """Wait for the next result.

        Raises:
            RecorderDiedError: the recorder is gone.
        """
        if self._late:
            return self._late.pop(0)
        try:
            return self._out_r.recv()
        except (EOFError, OSError):
            self._dead = True
            raise RecorderDiedError("the video recorder stopped") from None

    def close(self) -> None:
        """Let the recorder finish queued episodes, collect their results, stop it."""
        if self._closed or self._owner_pid != os.getpid():
            return
        self._batch.clear()
        with contextlib.suppress(RecorderDiedError):
            self._send(b"Q")
        while not self._dead:
            try:
                self._late.append(self._out_r.recv())
            except (EOFError, OSError):
                break
        self._closed = True
        self._worker.join(_JOIN_TIMEOUT_S)
        if isinstance(self._worker, multiprocessing.process.BaseProcess):
            if self._worker.is_alive():
                log.warning("video recorder did not stop; terminating it")
                self._worker.terminate()
                self._worker.join(_JOIN_TIMEOUT_S)
            self._worker.close()
        for conn in (self._inbox_w, self._out_r):
            conn.close()

    def _send(self, message: bytes) -> None:
        if self._batch:
            self._flush()
        self._send_now(message)

    def _send_now(self, message: bytes) -> None:
        if self._dead or self._closed:
            raise RecorderDiedError("the video recorder is not running")
        try:
            self._inbox_w.send_bytes(message)
        except (OSError, ValueError):
            self._dead = True
            raise RecorderDiedError("the video recorder stopped taking frames") from None


class _Loop:
    """The recorder's state: renderer, encoder, the current episode's static scene."""

    def __init__(self, config: RecorderConfig, own_process: bool = True) -> None:
        self.config = config
        self.encoder = EpisodeEncoder(
            config.video_dir,
            config.fps,
            writer_factory=config.writer_factory,
            exe=config.exe,
            backend=resolve_encoder(config.encoder, own_process),
        )
        self.renderer: Any = None
        self.note: str | None = None
        self.error: str | None = None
        self.label = config.renderer_name
        self.static: StaticScene | None = None
        self.cpu0 = (0.0, 0.0)
        try:
            create = config.renderer_factory
            if create is None:
                from robot_sf_gym_video.render.factory import create_renderer as create
            self.renderer, self.note = create(config.renderer_name, size=config.size)
        except Exception as exc:
            self.error = f"cannot create the {config.renderer_name} renderer: {exc}"
            return
        self.label = self.renderer.name
        self.rgb = config.frame_format == "rgb24"
        self.pix_fmt = "rgb24" if self.rgb else self.renderer.encoder_pix_fmt
        self.width_px, self.height_px = self.renderer.size
        self.encoder.warm(self.width_px, self.height_px, self.pix_fmt)

    def handle(self, message: bytes, outbox: Connection) -> bool:
        """Process one message; return False when the loop should stop."""
        tag = message[:1]
        if tag == b"S":
            view = memoryview(message)
            (count,) = _COUNT.unpack_from(view, 1)
            offset = 1 + _COUNT.size + 4 * count
            for length in struct.unpack_from(f"<{count}I", view, 1 + _COUNT.size):
                self.frame(view[offset : offset + length])
                offset += length
        elif tag == b"B":
            episode_id, final_path, report_path, self.static = pickle.loads(message[1:])
            self.cpu0 = (time.thread_time(), children_cpu_s())
            self.encoder.begin(episode_id, final_path, report_path, self.label, self.note)
            if self.error is not None:
                self.encoder.fail("encode-error", self.error)
        elif tag == b"E":
            result = self.encoder.end(int(message[1:]))
            cpu_s = time.thread_time() - self.cpu0[0] + children_cpu_s() - self.cpu0[1]
            result["encode_cpu_ms"] = cpu_s * 1000.0
            outbox.send(result)
        elif tag == b"D":
            self.encoder.discard()
        elif tag == b"Q":
            return False
        return True

    def frame(self, data: memoryview) -> None:
        """Draw one snapshot and feed it to the encoder."""
        if self.encoder.failed:
            return
        try:
            snap = unpack_snapshot(data)
            if self.rgb:
                buf = self.renderer.render(self.static, snap)
            else:
                buf = self.renderer.render_for_encoder(self.static, snap)
        except Exception as exc:
            self.encoder.fail("encode-error", f"drawing step failed: {exc!r}")
            return
        self.encoder.add_frame(buf, self.width_px, self.height_px, self.pix_fmt)

    def shutdown(self) -> None:
        """Abort unfinished work and release the renderer."""
        self.encoder.shutdown()
        if self.renderer is not None:
            with contextlib.suppress(Exception):
                self.renderer.close()


def recorder_main(
    inbox: Connection,
    outbox: Connection,
    config: RecorderConfig,
    inherited: tuple[Connection, ...] = (),
    own_process: bool = False,
) -> None:
    """Run the recorder until ``Q`` or until the env side disappears (end of file).

    Args:
        inbox: Receiving end of the data pipe.
        outbox: Sending end of the result pipe.
        config: Recorder settings.
        inherited: The env side's pipe ends, copied into this process by ``fork``; closed
            at once so that the env's death shows up here as end of file.
        own_process: True in a recorder process: Ctrl-C is left to the env's process
            (which then closes the wrapper), SIGTERM still cleans up.
    """
    for conn in inherited:
        conn.close()
    if own_process:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        _lower_priority()
    loop = None
    try:
        loop = _Loop(config, own_process)
        while True:
            try:
                message = inbox.recv_bytes()
            except (EOFError, OSError):
                break  # the env side is gone
            try:
                if not loop.handle(message, outbox):
                    break
            except (EOFError, OSError, BrokenPipeError):
                break  # cannot report results any more
            except Exception as exc:  # one bad message must not stop later episodes
                log.debug("recorder message failed", exc_info=True)
                loop.encoder.fail("encode-error", f"recorder error: {exc!r}")
    except SystemExit:
        pass
    except Exception:
        log.exception("video recorder failed")
    finally:
        if loop is not None:
            loop.shutdown()
        outbox.close()
        inbox.close()


#: Niceness added to the recorder process (and so to its ffmpeg children): the env's
#: thread is the batch's critical path; the recorder only has to keep up on average
#: (its pipe absorbs bursts), so it should never preempt the env on a shared core.
RECORDER_NICENESS = 10


def _lower_priority() -> None:
    """Lower this recorder process's scheduling priority (best effort; POSIX only)."""
    with contextlib.suppress(AttributeError, OSError):
        os.nice(RECORDER_NICENESS)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
