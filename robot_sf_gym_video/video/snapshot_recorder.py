"""Recorder for SocialNav: a forked process that draws and encodes state snapshots.

- ``RecorderConfig``: what the recorder needs (picklable, so ``spawn`` works too).
- ``SnapshotRecorder``: the env-side handle (a ``transport.RecorderHandle``). Per episode
  it sends the ``StaticScene`` once, then ``pack_snapshot`` byte strings (a few hundred
  bytes to a few KB each) in batches of ``BATCH_STEPS``, then an end marker.
- ``recorder_main``: the recorder process: it builds the ``RecorderLoop`` (renderer +
  ``EpisodeEncoder``) and serves the pipe.

Why a process: drawing and encoding a frame cost about half of a whole simulation step;
in the env's process they would hold the GIL or compete with it. Handing over a snapshot
costs the env's thread microseconds. The process is forked where possible (``spawn``
costs ~0.5 s of imports) once per wrapper, when the first message is sent (the first step
of a live take; the end of the first kept one with ``keep_episode``), and lives until
``close()``. A daemonic process (e.g. an ``AsyncVectorEnv`` worker) may not have children,
so there the same loop runs in a thread, fed through a queue.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import os
import signal
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from robot_sf_gym_video._signals import signals_blocked, unblock_signals
from robot_sf_gym_video.video._util import grow_pipe
from robot_sf_gym_video.video.encoder import ENCODERS, EncoderConfig, EpisodeEncoder
from robot_sf_gym_video.video.lazy_transport import LazyTransport
from robot_sf_gym_video.video.pipe_transport import PipeTransport, serve_pipe
from robot_sf_gym_video.video.recorder import RecorderLoop, SnapshotSource
from robot_sf_gym_video.video.supervise import DEFAULT_STALL_TIMEOUT_S
from robot_sf_gym_video.video.transport import QueueTransport, RecorderHandle
from robot_sf_gym_video.video.writer import WriterFactory

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

__all__ = [
    "BATCH_STEPS",
    "RecorderConfig",
    "SnapshotRecorder",
    "build_loop",
    "recorder_main",
    "resolve_encoder",
    "start_method",
]

log = logging.getLogger(__name__)

#: Snapshots per message: one pipe write and one recorder wake-up per batch; the episode's
#: ``end`` flushes. A batch of a crowded scene (open_crowd, dense_crowd) fills the pipe or
#: outgrows it: its write then waits for the recorder to read, as a full pipe does.
BATCH_STEPS = 64
#: The snapshot pipe: slack for about one to eight batches (a few hundred steps of light
#: scenes, whose trails cross as deltas; one batch of dense_crowd), enough to ride out the
#: recorder's per-episode work, yet few episodes in flight to lose if a recorder dies.
SNAPSHOT_PIPE_BYTES = 256 * 1024
_live_transports: weakref.WeakSet[PipeTransport] = weakref.WeakSet()


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
        show_lidar: Draw lidar rays (only renderers with a lidar layer take the option).
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
    show_lidar: bool = False


def resolve_encoder(choice: str, own_process: bool) -> str:
    """Pick the encoder backend: PyAV only in a process of its own (it holds the GIL)."""
    if choice == "auto":
        from robot_sf_gym_video.video.pyav_writer import pyav_available

        return "pyav" if own_process and pyav_available() else "ffmpeg"
    if ENCODERS.get(choice).own_process_only and not own_process:
        log.info("%s encoding needs a recorder process; using the ffmpeg binary", choice)
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
    for transport in list(_live_transports):
        transport.forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_recorders_after_fork)


def build_loop(config: RecorderConfig, own_process: bool) -> RecorderLoop:
    """Make the recorder's loop: the renderer and the encoder, in the recorder itself."""
    encoder = EpisodeEncoder(
        EncoderConfig(
            config.video_dir,
            config.fps,
            writer_factory=config.writer_factory,
            exe=config.exe,
            backend=resolve_encoder(config.encoder, own_process),
        )
    )
    source = SnapshotSource(
        config.renderer_name,
        config.size,
        config.frame_format,
        config.renderer_factory,
        show_lidar=config.show_lidar,
    )
    return RecorderLoop(encoder, source)


class SnapshotRecorder(RecorderHandle):
    """Env-side handle of a recorder that renders snapshots and encodes them.

    All methods are called from the env's thread; none of them draws or encodes.

    Args:
        config: Recorder settings.
        mode: ``"process"`` (default) or ``"thread"`` (same loop, in this process).
        stall_timeout_s: A process recorder that makes no progress for this long is
            killed (see ``pipe_transport.PipeTransport``).
    """

    def __init__(
        self,
        config: RecorderConfig,
        mode: str = "process",
        stall_timeout_s: float = DEFAULT_STALL_TIMEOUT_S,
    ) -> None:
        self.mode = mode
        if mode == "process":  # started by the first message (see ``lazy_transport``)
            transport: Any = LazyTransport(
                functools.partial(_start_process, config, stall_timeout_s)
            )
        else:
            make_loop = functools.partial(build_loop, config, False)
            transport = QueueTransport(make_loop, stall_timeout_s=stall_timeout_s)
        super().__init__(transport, BATCH_STEPS)


def _start_process(config: RecorderConfig, stall_timeout_s: float) -> PipeTransport:
    inbox_r, inbox_w = multiprocessing.Pipe(duplex=False)
    out_r, out_w = multiprocessing.Pipe(duplex=False)
    grow_pipe(inbox_w.fileno(), SNAPSHOT_PIPE_BYTES)
    method = start_method()
    ctx = multiprocessing.get_context(method)
    inherited = (inbox_w, out_r) if method == "fork" else ()
    worker = ctx.Process(
        target=recorder_main,
        args=(inbox_r, out_w, config, inherited, True),
        name="robot-sf-video-recorder",
        daemon=True,
    )
    with signals_blocked():  # a Ctrl-C during start-up waits for recorder_main's handlers
        worker.start()
    inbox_r.close()
    out_w.close()
    transport = PipeTransport(worker, inbox_w, out_r, stall_timeout_s)
    _live_transports.add(transport)
    return transport


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
    loop = None
    try:
        if own_process:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, _exit_on_sigterm)
            unblock_signals()  # started under signals_blocked(): a held SIGTERM lands here
            _lower_priority()
        loop = build_loop(config, own_process)
        serve_pipe(inbox, outbox, loop)
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
