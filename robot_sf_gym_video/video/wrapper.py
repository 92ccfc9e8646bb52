"""``VideoArtifactWrapper``: one streamed MP4 per episode, next to the env's own results.

- ``VideoArtifactWrapper``: the Gymnasium wrapper (see ``docs/wrapper.md``).
- ``RENDERER_CHOICES`` / ``FINALIZE_MODES``: accepted values of its options.

Where the work happens (the env's thread only hands data over):

- SocialNav (any env whose ``unwrapped`` has ``static_scene()`` and ``frame_snapshot()``):
  each ``step()`` sends ``pack_snapshot(frame_snapshot())`` to a recorder process that draws
  and encodes it (``snapshot_recorder``).
- Any other env with ``render_mode="rgb_array"``: each ``step()`` calls ``env.render()``
  and queues the array, as is, for a writer thread (``frame_recorder``).

The wrapper never reads the env's RNG and never changes observations, rewards, flags or
existing ``info`` keys; it only adds ``info["video"]``, ``info["video_skip"]`` or
``info["video_pending"]`` on the step that ends an episode.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import math
import multiprocessing
import os
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, SupportsFloat

import gymnasium as gym
import numpy as np

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.render.registry import RENDERER_NAMES, RendererChoice
from robot_sf_gym_video.sim.snapshot import pack_snapshot
from robot_sf_gym_video.video._util import RecorderDiedError
from robot_sf_gym_video.video.artifact import VideoSkip, log_skip, no_result_skip
from robot_sf_gym_video.video.encoder import ENCODER_CHOICES, result_payload
from robot_sf_gym_video.video.ffmpeg import EncoderStatus, probe_encoder
from robot_sf_gym_video.video.naming import episode_id, video_path
from robot_sf_gym_video.video.writer import WriterFactory

__all__ = ["FINALIZE_MODES", "RENDERER_CHOICES", "VideoArtifactWrapper"]

log = logging.getLogger(__name__)

RENDERER_CHOICES: tuple[str, ...] = (*RENDERER_NAMES, "none")
FINALIZE_MODES: tuple[str, ...] = ("blocking", "background")
_RECORDER_MODES: tuple[str, ...] = ("auto", "process", "thread")
_FRAME_FORMATS: tuple[str, ...] = ("native", "rgb24")
_DEFAULT_FPS = 30.0
_MAX_UNCOLLECTED = 10_000
_ALIAS_WINDOW = 4  # render() buffers compared to detect an env that reuses one buffer

ArtifactCallback = Callable[[str, dict[str, Any]], None]


def _log_skip(eid: str, skip: dict[str, Any]) -> None:
    """Log a skip: a warning the first time a reason occurs in this process, then debug."""
    log_skip(log, eid, skip)


def _snapshot_packer(unwrapped: Any) -> Callable[[], bytes]:
    """Return the cheapest way to get this step's packed snapshot from a SocialNav env.

    Envs may offer ``packed_frame_snapshot()`` (bytes straight from live state, no snapshot
    object); otherwise the snapshot is built and packed here.
    """
    packed = getattr(unwrapped, "packed_frame_snapshot", None)
    if callable(packed):
        return packed
    frame_snapshot = unwrapped.frame_snapshot
    return lambda: pack_snapshot(frame_snapshot())


def _is_social_nav(unwrapped: Any) -> bool:
    """Duck-type the SocialNav hooks (no isinstance on concrete classes)."""
    return callable(getattr(unwrapped, "static_scene", None)) and callable(
        getattr(unwrapped, "frame_snapshot", None)
    )


class _Resources:
    """The wrapper's recorder, kept apart so a finalizer can close it without the wrapper."""

    def __init__(self) -> None:
        self.recorder: Any = None

    def shutdown(self) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is not None:
            try:
                recorder.close()
            except Exception as exc:  # never raise from a finalizer
                log.debug("recorder close failed: %s", exc)


class VideoArtifactWrapper(gym.Wrapper):
    """Record every episode of an env to ``<video_dir>/<scenario>__<seed>__<idx>.mp4``.

    One frame per ``step()`` (the state after that step; none for ``reset()``), streamed to
    an encoder as it is produced, so memory stays flat however long the episode. On the
    step that ends an episode, ``info["video"]`` holds the artifact (``path``, ``format``,
    ``filesize_bytes``, ``frames``, ``renderer``, ``notes`` when set, ``sha256``) or
    ``info["video_skip"]`` holds why there is none (``reason``, ``message``, ``renderer``,
    ``steps``). Video problems never raise: they become skips, logged once per reason.

    Args:
        env: The env. SocialNav envs are drawn from state snapshots by ``renderer``; any
            other env must have ``render_mode="rgb_array"`` and is filmed from its own
            ``render()`` (artifact ``renderer: "env"``).
        renderer: ``"synthetic"``, ``"sim-view"`` or ``"none"`` (records nothing).
        video_dir: Output folder, created when the first recorded episode starts.
        enabled: Record from the first episode on. ``False`` (or ``renderer="none"``)
            makes the wrapper a pure pass-through: no probe, folder, thread or process
            until ``start_recording()``.
        fps: Frame rate of the files; default ``env.metadata["render_fps"]`` (else 30).
        video_size: ``(width_px, height_px)`` of SocialNav frames; default the env's
            ``video_size``. Not allowed for other envs (their frames are ``render()``'s).
        finalize: ``"blocking"``: the ending step waits until the file is final and puts
            the artifact in ``info``. ``"background"``: the ending step only puts
            ``info["video_pending"] = episode_id``; collect results with
            ``collect_artifacts()`` or ``on_artifact``.
        scenario: Overrides the scenario part of file names (default: the SocialNav
            scenario name, else ``env.spec.id``).
        on_artifact: Called as ``on_artifact(episode_id, {"video": ...} | {"video_skip":
            ...})`` in the env's thread for results not returned in ``info``.
        writer_factory: Replaces the ffmpeg writer (a test seam; see ``video.writer``).
        renderer_factory: Replaces ``render.factory.create_renderer`` in the recorder,
            called as ``renderer_factory(renderer, size=video_size)`` (a test seam).
        recorder: ``"auto"`` (process for SocialNav unless this process is daemonic),
            ``"process"`` or ``"thread"``; other envs always use a thread.
        frame_format: ``"native"`` feeds the renderer's encoder format (yuv420p for
            synthetic); ``"rgb24"`` feeds exactly ``render()``'s pixels (slower).
        encoder: ``"auto"``: in a SocialNav recorder process, libx264 in-process through
            PyAV when it is installed (about half the CPU per frame: no ffmpeg child to
            start per episode, no pipe), else the bundled ffmpeg binary; ``"ffmpeg"`` or
            ``"pyav"`` force one. Threads (any other env) always use the ffmpeg binary.

    Raises:
        UsageError: an option has a bad value, or a non-SocialNav env to be recorded does
            not have ``render_mode="rgb_array"``.
    """

    def __init__(
        self,
        env: gym.Env,
        renderer: RendererChoice = "synthetic",
        video_dir: str | os.PathLike[str] = "videos",
        enabled: bool = True,
        fps: float | None = None,
        video_size: tuple[int, int] | None = None,
        finalize: Literal["blocking", "background"] = "blocking",
        *,
        scenario: str | None = None,
        on_artifact: ArtifactCallback | None = None,
        writer_factory: WriterFactory | None = None,
        renderer_factory: Callable[..., tuple[Any, str | None]] | None = None,
        recorder: Literal["auto", "process", "thread"] = "auto",
        frame_format: Literal["native", "rgb24"] = "native",
        encoder: Literal["auto", "ffmpeg", "pyav"] = "auto",
    ) -> None:
        super().__init__(env)
        _check_choice("encoder", encoder, ENCODER_CHOICES)
        self._encoder = encoder
        _check_choice("renderer", renderer, RENDERER_CHOICES)
        _check_choice("finalize", finalize, FINALIZE_MODES)
        _check_choice("recorder", recorder, _RECORDER_MODES)
        _check_choice("frame_format", frame_format, _FRAME_FORMATS)
        if fps is not None and not (
            isinstance(fps, (int, float)) and math.isfinite(fps) and fps > 0
        ):
            raise UsageError(f"fps {fps!r} is invalid; use a positive number or None")
        self._social = _is_social_nav(env.unwrapped)
        self._packed_snapshot = _snapshot_packer(env.unwrapped) if self._social else None
        self._snapshot_push: Callable[[bytes], None] | None = None
        if video_size is not None:
            if not self._social:
                raise UsageError(
                    "video_size is only for SocialNav envs; other envs are filmed at the size "
                    "their render() returns"
                )
            from robot_sf_gym_video.render.base import validate_size

            video_size = validate_size(video_size)
        self.renderer_choice = renderer
        self.video_dir = video_dir
        self.finalize = finalize
        self._label = renderer if self._social else "env"
        self._fps = float(fps) if fps is not None else self._default_fps()
        self._video_size = video_size
        self._scenario = scenario
        self._on_artifact = on_artifact
        self._writer_factory = writer_factory
        self._renderer_factory = renderer_factory
        self._recorder_mode = recorder
        self._frame_format = frame_format
        self._wanted = bool(enabled) and renderer != "none"
        self._status: EncoderStatus | None = None
        self._res = _Resources()
        self._finalizer: weakref.finalize | None = None
        self._recorder_error: str | None = None
        # episode state
        self._episode_open = False
        self._episode_error: str | None = None
        self._eid = ""
        self._final_path = ""
        self._report_path = ""
        self._steps = 0
        self._begun = False
        self._episode_counter = 0
        self._stream_seed: int | None = None
        self._next_identity: tuple[str, Any, Any] | None = None
        self._recent_frames: collections.deque[tuple[int, Any]] = collections.deque(
            maxlen=_ALIAS_WINDOW
        )
        self._frames_seen = 0
        self._env_reuses_buffers = False
        # results
        self._pending: collections.deque[str] = collections.deque()
        self._pending_steps: dict[str, int] = {}  # steps of each pending episode
        self._ready: collections.deque[tuple[str, dict[str, Any]]] = collections.deque(
            maxlen=_MAX_UNCOLLECTED
        )
        self._stats = {"episodes": 0, "videos": 0, "frames": 0, "encode_cpu_ms": 0.0}
        self._closed = False
        if self._wanted:
            self._prepare()

    # -- public API ------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        """True while the current episode is being recorded."""
        return self._episode_open

    @property
    def video_stats(self) -> dict[str, float]:
        """Totals over finished recorded episodes.

        Keys: ``episodes``, ``videos`` (files made), ``frames``, ``encode_cpu_ms`` (CPU of
        the recorder and ffmpeg, approximate) and ``encode_ms_per_frame``.
        """
        stats: dict[str, float] = dict(self._stats)
        frames = stats["frames"]
        stats["encode_ms_per_frame"] = stats["encode_cpu_ms"] / frames if frames else 0.0
        return stats

    def set_episode_identity(self, scenario: str, seed: int, episode_idx: int) -> None:
        """Name the next episode ``<scenario>__<seed>__<episode_idx>`` (applies at reset)."""
        self._next_identity = (scenario, seed, episode_idx)

    def start_recording(self) -> None:
        """Record from the next ``reset()`` on (like ``RecordVideo.start_recording``).

        Raises:
            UsageError: the wrapper was built with ``renderer="none"``, or the env cannot
                be filmed (see the class docstring).
        """
        if self.renderer_choice == "none":
            raise UsageError("renderer 'none' records nothing; build the wrapper with a renderer")
        if self._status is None:
            self._prepare()
        self._wanted = True

    def stop_recording(self) -> None:
        """Record nothing from the next ``reset()`` on (the current episode is finished)."""
        self._wanted = False

    def collect_artifacts(self, wait: bool = False) -> list[tuple[str, dict[str, Any]]]:
        """Return results not delivered in ``info`` since the last call.

        These are all episodes under ``finalize="background"``, plus episodes cut short by
        ``reset()`` in either mode. Each result is delivered once: to ``on_artifact`` when
        set (the list is then empty), else in this list.

        Args:
            wait: Also wait until every ended episode's file is final.

        Returns:
            ``(episode_id, {"video": {...}})`` or ``(episode_id, {"video_skip": {...}})``
            tuples, oldest first.
        """
        self._drain()
        while wait and self._pending and self._res.recorder is not None:
            try:
                self._on_result(self._res.recorder.wait())
            except RecorderDiedError as exc:
                self._fail_pending(str(exc))
        out = list(self._ready)
        self._ready.clear()
        return out

    # -- gymnasium API -----------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the env; an unfinished recorded episode is finalised as it stands."""
        if self._episode_open:
            self._end_episode(abandoned=True)
        self._drain()
        obs, info = self.env.reset(seed=seed, options=options)
        if seed is not None:
            self._stream_seed = seed
        idx = self._episode_counter
        self._episode_counter += 1
        identity, self._next_identity = self._next_identity, None
        if self._wanted and not self._closed:
            default = (self._scenario_name(), self._stream_seed, idx)
            self._eid = episode_id(*(identity or default))
            self._report_path = os.fspath(video_path(self.video_dir, self._eid))
            self._final_path = os.fspath(video_path(self._abs_dir, self._eid))
            self._episode_open = True
            self._episode_error = self._recorder_error
            self._steps = 0
            self._begun = False
            if self._status is not None and self._status.ok:
                self._ensure_recorder()
        return obs, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env and hand the new state (or frame) to the recorder."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        if self._episode_open:
            self._steps += 1
            push = self._snapshot_push
            if push is not None:  # the SocialNav hot path, once the episode has begun
                try:
                    push(self._packed_snapshot())
                except RecorderDiedError as exc:
                    self._fail_capture(str(exc))
                except Exception as exc:  # a broken snapshot hook must not stop the env
                    self._fail_capture(f"capturing step {self._steps} failed: {exc!r}")
            elif self._episode_error is None and self._res.recorder is not None:
                self._capture()
            if terminated or truncated:
                info = {**info, **self._end_episode(abandoned=False)}
        return obs, reward, terminated, truncated, info

    def close(self) -> None:
        """Discard a half-recorded episode, finish pending files, stop the recorder.

        An episode closed before its first step gets ``video_skip`` ``no-frames`` (via
        ``on_artifact``/``collect_artifacts``); one closed mid-way is discarded and leaves
        no file. Idempotent.
        """
        if not self._closed:
            self._closed = True
            zero_step_skip = None
            if self._episode_open:
                self._episode_open = False
                self._snapshot_push = None
                if self._steps == 0:
                    zero_step_skip = {"video_skip": self._skip("no-frames", "")}
                elif self._begun:
                    n = self._steps
                    log.info("discarding half-recorded episode %s (%d steps)", self._eid, n)
                    self._discard_quietly()
            recorder = self._res.recorder
            if recorder is not None:
                self._res.shutdown()
                for result in recorder.poll():
                    self._on_result(result)
                self._fail_pending("the recorder was closed")
            if zero_step_skip is not None:
                self._stats["episodes"] += 1
                self._deliver(self._eid, zero_step_skip)
            if self._finalizer is not None:
                self._finalizer.detach()
            self._recent_frames.clear()
        super().close()

    # -- internals -----------------------------------------------------------------------------
    def _prepare(self) -> None:
        """Validate that recording is possible and probe the encoder (once per process)."""
        if not self._social and self.env.render_mode != "rgb_array":
            raise UsageError(
                f"VideoArtifactWrapper films {self._env_name()} through render(), which needs "
                f"render_mode='rgb_array' (got {self.env.render_mode!r}); create it with "
                f"gym.make(..., render_mode='rgb_array') or pass renderer='none'"
            )
        self._abs_dir = Path(self.video_dir).resolve()
        self._status = probe_encoder()

    def _default_fps(self) -> float:
        fps = (self.env.metadata or {}).get("render_fps")
        try:
            fps = float(fps)
        except (TypeError, ValueError):
            return _DEFAULT_FPS
        return fps if math.isfinite(fps) and fps > 0 else _DEFAULT_FPS

    def _env_name(self) -> str:
        spec = self.env.spec
        return spec.id if spec is not None else type(self.env.unwrapped).__name__

    def _scenario_name(self) -> str:
        if self._scenario is not None:
            return self._scenario
        name = getattr(self.env.unwrapped, "scenario_name", None) if self._social else None
        return str(name) if name else self._env_name()

    def _ensure_recorder(self) -> None:
        if self._res.recorder is not None or self._recorder_error is not None:
            return
        try:
            if self._social:
                self._res.recorder = self._make_snapshot_recorder()
            else:
                from robot_sf_gym_video.video.frame_recorder import FrameThreadRecorder

                self._res.recorder = FrameThreadRecorder(
                    self._abs_dir,
                    self._fps,
                    writer_factory=self._writer_factory,
                    exe=self._status.exe if self._status else None,
                )
        except (OSError, RuntimeError, ValueError) as exc:
            self._recorder_error = f"cannot start the video recorder: {exc}"
            self._episode_error = self._recorder_error
            return
        if self._finalizer is None:
            self._finalizer = weakref.finalize(self, self._res.shutdown)

    def _make_snapshot_recorder(self) -> Any:
        from robot_sf_gym_video.video.snapshot_recorder import RecorderConfig, SnapshotRecorder

        size = self._video_size
        if size is None:
            size = getattr(self.env.unwrapped, "video_size", None)
        config = RecorderConfig(
            video_dir=os.fspath(self._abs_dir),
            fps=self._fps,
            renderer_name=self.renderer_choice,
            size=tuple(size) if size is not None else None,
            frame_format=self._frame_format,
            writer_factory=self._writer_factory,
            exe=self._status.exe if self._status else None,
            renderer_factory=self._renderer_factory,
            encoder=self._encoder,
        )
        mode = self._recorder_mode
        if mode == "auto" or (mode == "process" and multiprocessing.current_process().daemon):
            # A daemonic process (e.g. an AsyncVectorEnv worker) may not start children.
            mode = "thread" if multiprocessing.current_process().daemon else "process"
        return SnapshotRecorder(config, mode=mode)

    def _capture(self) -> None:
        """Hand this step's frame (or the first snapshot of an episode) to the recorder."""
        recorder = self._res.recorder
        try:
            if self._social:
                static = self.env.unwrapped.static_scene()
                recorder.begin(self._eid, self._final_path, self._report_path, static)
                self._begun = True
                recorder.push(self._packed_snapshot())
                self._snapshot_push = recorder.push
                return
            frame = self.env.render()
            if not self._begun:
                recorder.begin(self._eid, self._final_path, self._report_path)
                self._begun = True
            recorder.push(self._own_frame(frame))
        except RecorderDiedError as exc:
            self._fail_capture(str(exc))
        except Exception as exc:  # a broken frame source must not stop the episode
            self._fail_capture(f"capturing step {self._steps} failed: {exc!r}")

    def _fail_capture(self, message: str) -> None:
        self._episode_error = message
        self._snapshot_push = None

    def _own_frame(self, frame: Any) -> Any:
        """Return ``frame`` safe to queue: copied only if the env redraws into one buffer.

        Most envs return a fresh array per ``render()`` (classic control: a transposed view
        of a new buffer), which can be queued as is; copying it here would cost ~1.5 ms at
        600x400. An env that redraws into the same buffer would overwrite queued frames, so
        the data addresses of the last ``_ALIAS_WINDOW`` frames are compared (those frames
        are kept alive, so a fresh array cannot reuse an address) and the first
        ``_ALIAS_WINDOW`` frames of the wrapper's life are copied while that is unknown.
        Once a repeated address is seen, every frame is copied.
        """
        if not isinstance(frame, np.ndarray):
            return frame
        if not self._env_reuses_buffers:
            ptr = frame.__array_interface__["data"][0]
            if any(ptr == seen for seen, _ in self._recent_frames):
                self._env_reuses_buffers = True
                self._recent_frames.clear()
                log.debug("%s reuses its render() buffer; frames are copied", self._env_name())
            else:
                self._recent_frames.append((ptr, frame))
        if self._env_reuses_buffers or self._frames_seen < _ALIAS_WINDOW:
            frame = frame.copy()
        self._frames_seen += 1
        return frame

    def _end_episode(self, abandoned: bool) -> dict[str, Any]:
        """Close the episode; return what goes into the ending step's ``info``."""
        self._episode_open = False
        self._snapshot_push = None
        eid = self._eid
        status = self._status
        payload: dict[str, Any] | None = None
        if status is None or not status.ok:
            reason = status.reason if status is not None else "codec-unavailable"
            message = status.message if status is not None else "encoder not probed"
            payload = {"video_skip": self._skip(reason, message)}
        elif self._steps == 0:
            payload = {"video_skip": self._skip("no-frames", "")}
        elif self._episode_error is not None or not self._begun:
            if self._begun:
                self._discard_quietly()
            payload = {"video_skip": self._skip("encode-error", self._episode_error or "")}
        else:
            try:
                self._res.recorder.end(self._steps)
                self._pending.append(eid)
                self._pending_steps[eid] = self._steps
            except RecorderDiedError as exc:
                payload = {"video_skip": self._skip("encode-error", str(exc))}
        if payload is not None:
            self._stats["episodes"] += 1
            if abandoned or self.finalize == "background":
                self._deliver(eid, payload)
                return {} if abandoned else {"video_pending": eid}
            _log_skip(eid, payload["video_skip"])
            return payload
        if abandoned:
            return {}
        if self.finalize == "background":
            return {"video_pending": eid}
        return self._wait_for(eid)

    def _wait_for(self, eid: str) -> dict[str, Any]:
        """Block until ``eid``'s result arrives; earlier results are delivered on the way."""
        while eid in self._pending:
            try:
                result = self._res.recorder.wait()
            except RecorderDiedError as exc:
                self._pending.remove(eid)
                self._fail_pending(str(exc))
                self._stats["episodes"] += 1
                skip = no_result_skip(self._label, self._pending_steps.pop(eid, 0), str(exc))
                return {"video_skip": skip}
            if result["episode_id"] == eid and self._pending[0] == eid:
                self._pending.popleft()
                self._pending_steps.pop(eid, None)
                payload = self._account(result)
                if "video_skip" in payload:
                    _log_skip(eid, payload["video_skip"])
                return payload
            self._on_result(result)
        return {"video_skip": no_result_skip(self._label, self._steps, "result lost")}

    def _discard_quietly(self) -> None:
        with contextlib.suppress(RecorderDiedError):
            self._res.recorder.discard()

    def _skip(self, reason: str, message: str) -> dict[str, Any]:
        if reason == "no-frames" and not message:
            message = "the episode ended before its first step; no file is written"
        return VideoSkip(reason, message, self._label, self._steps).to_dict()

    def _account(self, result: dict[str, Any]) -> dict[str, Any]:
        payload = result_payload(result)
        self._stats["episodes"] += 1
        self._stats["encode_cpu_ms"] += float(result.get("encode_cpu_ms", 0.0))
        if "video" in payload:
            self._stats["videos"] += 1
            self._stats["frames"] += payload["video"]["frames"]
        return payload

    def _on_result(self, result: dict[str, Any]) -> None:
        eid = result["episode_id"]
        self._pending_steps.pop(eid, None)
        if self._pending and self._pending[0] == eid:
            self._pending.popleft()
        elif eid in self._pending:
            self._pending.remove(eid)
        self._deliver(eid, self._account(result))

    def _deliver(self, eid: str, payload: dict[str, Any]) -> None:
        if "video_skip" in payload:
            _log_skip(eid, payload["video_skip"])
        if self._on_artifact is not None:
            self._on_artifact(eid, payload)
        else:
            self._ready.append((eid, payload))

    def _drain(self) -> None:
        recorder = self._res.recorder
        if recorder is not None and self._pending:
            for result in recorder.poll():
                self._on_result(result)

    def _fail_pending(self, message: str) -> None:
        while self._pending:
            eid = self._pending.popleft()
            skip = no_result_skip(self._label, self._pending_steps.pop(eid, 0), message)
            self._stats["episodes"] += 1
            self._deliver(eid, {"video_skip": skip})


def _check_choice(option: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise UsageError(f"{option} {value!r} is not one of: {', '.join(allowed)}")
