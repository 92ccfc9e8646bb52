"""Choosing and starting the wrapper's recorder, and what each path needs.

- ``RecorderPlan``: what the wrapper decided at construction (SocialNav or generic env,
  frame source, folder, fps, size, backend options).
- ``plan_status(plan)``: can this path encode here? A SocialNav recorder process encoding
  through PyAV needs no ffmpeg binary; otherwise ``codec-unavailable`` when the ffmpeg
  probe fails, ``moviepy-missing`` only where moviepy is needed (the generic-env path
  and rgb24 frames through the ffmpeg binary, both written by moviepy's
  ``FFMPEG_VideoWriter``); a SocialNav recorder encoding through PyAV never needs it.
- ``start_recorder(plan, status)``: a ``SnapshotRecorder`` (SocialNav: state snapshots
  drawn and encoded off the env's thread) or a ``FrameThreadRecorder`` (any other
  ``rgb_array`` env: ``render()`` frames encoded on a writer thread).
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from robot_sf_gym_video.video.options import RecorderOptions
from robot_sf_gym_video.video.probe import EncoderStatus, moviepy_status, probe_encoder
from robot_sf_gym_video.video.supervise import DEFAULT_STALL_TIMEOUT_S

__all__ = ["PYAV_STATUS", "RecorderPlan", "plan_status", "start_recorder"]


@dataclass(frozen=True)
class RecorderPlan:
    """What the recorder of one wrapper is asked to do.

    Attributes:
        social: SocialNav snapshots (True) or a generic env's ``render()`` frames.
        renderer: ``"synthetic"`` or ``"sim-view"`` for SocialNav (ignored otherwise).
        video_dir: Absolute output folder.
        fps: Frame rate of the files.
        size: ``(width_px, height_px)`` of SocialNav frames, or None for the renderer's.
        options: Backend knobs and test seams.
        stall_timeout_s: A recorder process without progress for this long is killed.
        show_lidar: Draw lidar rays (renderers with a lidar layer: sim-view).
    """

    social: bool
    renderer: str
    video_dir: Path
    fps: float
    size: tuple[int, int] | None
    options: RecorderOptions
    stall_timeout_s: float = DEFAULT_STALL_TIMEOUT_S
    show_lidar: bool = False

    @property
    def draws_lidar(self) -> bool:
        """True when the recorder draws lidar rays, so snapshots must carry the ranges."""
        from robot_sf_gym_video.video.recorder import LIDAR_RENDERERS

        return self.show_lidar and self.renderer in LIDAR_RENDERERS

    def snapshot_mode(self) -> str:
        """``process`` or ``thread``: a daemonic process may not start children."""
        daemon = multiprocessing.current_process().daemon
        if self.options.recorder == "thread" or daemon:
            return "thread"
        return "process"

    def encodes_with_pyav(self) -> bool:
        """Return True when a SocialNav recorder process will encode through PyAV.

        Decided from PyAV being installed (no import here: the recorder imports it), the
        encoder choice and the recorder mode; a test writer factory never counts.
        """
        if not self.social or self.options.writer_factory is not None:
            return False
        if self.options.encoder not in ("auto", "pyav") or self.snapshot_mode() != "process":
            return False
        from robot_sf_gym_video.video.pyav_writer import pyav_installed

        return pyav_installed()

    def needs_moviepy(self) -> bool:
        """Return True when frames go through moviepy's writer (rgb24 into ffmpeg)."""
        if self.options.writer_factory is not None:
            return False
        if not self.social:
            return True
        if self.options.frame_format != "rgb24":
            return False
        from robot_sf_gym_video.video.snapshot_recorder import resolve_encoder

        own_process = self.snapshot_mode() == "process"
        return resolve_encoder(self.options.encoder, own_process) == "ffmpeg"


#: The status of a plan that a recorder process encodes through PyAV (see ``plan_status``).
PYAV_STATUS = EncoderStatus(True, None, None, "libx264 through PyAV in the recorder process")


def plan_status(plan: RecorderPlan) -> EncoderStatus:
    """Return whether this plan can encode here (probes are cached per process).

    A SocialNav recorder process that will encode through PyAV needs no ffmpeg binary,
    so the ffmpeg probe (a child process, tens of ms on the env's start-up path) is not
    run for it; the recorder checks PyAV's libx264 itself and falls back to the ffmpeg
    binary without it (``snapshot_recorder.resolve_encoder``).
    """
    if plan.encodes_with_pyav():
        return PYAV_STATUS
    status = probe_encoder()
    if status.ok and plan.needs_moviepy():
        moviepy = moviepy_status()
        if not moviepy.ok:
            return EncoderStatus(False, status.exe, moviepy.reason, moviepy.message)
    return status


def start_recorder(plan: RecorderPlan, status: EncoderStatus) -> Any:
    """Start the recorder of ``plan`` (a process or a thread; see the module docstring).

    Raises:
        OSError, RuntimeError, ValueError: the recorder could not be started.
    """
    opts = plan.options
    if not plan.social:
        from robot_sf_gym_video.video.encoder import EncoderConfig
        from robot_sf_gym_video.video.frame_recorder import FrameThreadRecorder

        config = EncoderConfig(
            plan.video_dir, plan.fps, writer_factory=opts.writer_factory, exe=status.exe
        )
        return FrameThreadRecorder(config)
    from robot_sf_gym_video.video.snapshot_recorder import RecorderConfig, SnapshotRecorder

    config = RecorderConfig(
        video_dir=os.fspath(plan.video_dir),
        fps=plan.fps,
        renderer_name=plan.renderer,
        size=plan.size,
        frame_format=opts.frame_format,
        writer_factory=opts.writer_factory,
        exe=status.exe,
        renderer_factory=opts.renderer_factory,
        encoder=opts.encoder,
        show_lidar=plan.show_lidar,
    )
    return SnapshotRecorder(config, mode=plan.snapshot_mode(), stall_timeout_s=plan.stall_timeout_s)
