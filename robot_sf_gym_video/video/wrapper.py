"""``VideoArtifactWrapper``: streamed MP4s of episodes or clips, next to the env's results.

- ``VideoArtifactWrapper``: the Gymnasium wrapper (see ``docs/wrapper.md``), a drop-in for
  ``gymnasium.wrappers.RecordVideo`` (same trigger arguments) that streams frames instead
  of buffering them.

Where the work happens (the env's thread only hands data over): SocialNav envs (any env
whose ``unwrapped`` has ``static_scene()`` and ``frame_snapshot()``) send a packed state
snapshot per step to a recorder process that draws and encodes it; any other env with
``render_mode="rgb_array"`` (or ``"rgb_array_list"``) has its ``render()`` frame queued for
a writer thread. The choices live in ``video.backend``; the knobs in ``video.options``.

The wrapper never reads the env's RNG and never changes observations, rewards, flags or
existing ``info`` keys; it only adds ``video``, ``video_skip`` or ``video_pending`` on the
step that ends a filmed episode, and ``video_clip`` (``video_clip_skip``,
``video_clip_pending``) on the step that ends a clip.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import Any, Literal, SupportsFloat

import gymnasium as gym

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.render.registry import RendererChoice
from robot_sf_gym_video.video._util import RecorderDiedError
from robot_sf_gym_video.video.backend import RecorderPlan
from robot_sf_gym_video.video.capture import FrameSource, is_social_nav, snapshot_packer
from robot_sf_gym_video.video.naming import (
    check_scenario_name,
    clip_id,
    episode_id,
    unseeded_seed_part,
    video_path,
)
from robot_sf_gym_video.video.options import (
    FINALIZE_MODES,
    RENDERER_CHOICES,
    RecorderOptions,
    check_keep_episode,
    check_user_options,
    check_video_length,
    constructor_args,
)
from robot_sf_gym_video.video.results import ArtifactCallback, ResultBook
from robot_sf_gym_video.video.session import Session
from robot_sf_gym_video.video.settings import (
    default_fps,
    env_name,
    resolve_renderer,
    resolve_size,
)
from robot_sf_gym_video.video.supervise import DEFAULT_STALL_TIMEOUT_S, check_stall_timeout
from robot_sf_gym_video.video.take import Take, Triggers

__all__ = ["FINALIZE_MODES", "RENDERER_CHOICES", "RecorderOptions", "VideoArtifactWrapper"]

log = logging.getLogger(__name__)

_FILMABLE_MODES = ("rgb_array", "rgb_array_list")


class VideoArtifactWrapper(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Record episodes (or clips) of an env to MP4 files, streamed as they are produced.

    One frame per ``step()`` (the state after that step; none for ``reset()``), so memory
    stays flat however long the episode. By default every episode is filmed whole to
    ``<video_dir>/<scenario>__<seed>__<idx>.mp4`` and the step that ends it carries
    ``info["video"]`` (``path``, ``format``, ``filesize_bytes``, ``frames``, ``renderer``,
    ``notes`` when set, ``sha256``) or ``info["video_skip"]`` (``reason``, ``message``,
    ``renderer``, ``steps``). With ``step_trigger`` or ``video_length``, files are clips
    ``<scenario>__clip-<first_global_step>__<k>.mp4`` reported in ``info["video_clip"]``
    (the artifact plus ``first_step``). Video problems never raise: they become skips,
    logged once per reason.

    Args:
        env: The env. SocialNav envs are drawn from state snapshots; any other env must
            have ``render_mode`` ``"rgb_array"`` or ``"rgb_array_list"`` and is filmed from
            its own ``render()`` (artifact ``renderer: "env"``).
        renderer: ``None`` (the env's own renderer), ``"synthetic"``, ``"sim-view"`` or
            ``"none"`` (records nothing). Only SocialNav envs have a choice.
        video_dir: Output folder, created at construction when recording is on.
        enabled: Record from the first episode on. ``False`` (or ``renderer="none"``)
            makes the wrapper a pure pass-through: no probe, folder, thread or process
            until ``start_recording()``.
        fps: Frame rate of the files; default ``env.metadata["render_fps"]`` (else 30).
        video_size: ``(width_px, height_px)`` of SocialNav frames; default the env's
            ``video_size``. Not allowed for other envs (their frames are ``render()``'s).
        show_lidar: Draw lidar rays in sim-view videos (off: the fan drowns the scene).
        finalize: ``"blocking"``: the ending step waits until the file is final and puts
            the artifact in ``info``. ``"background"``: it only puts ``video_pending`` (or
            ``video_clip_pending``) with the file's id; results arrive later.
        scenario: The scenario part of file names (default: the SocialNav scenario name,
            else ``env.spec.id``).
        on_artifact: ``on_artifact(name, payload)``, called in the env's thread for every
            result not returned in ``info`` (background results, episodes cut short) and
            for every clip; ``payload`` is ``{"video": ...}``, ``{"video_skip": ...}``,
            ``{"video_clip": ...}`` or ``{"video_clip_skip": ...}``. Without it, such
            results wait for ``collect_artifacts()``.
        episode_trigger: ``f(episode_index) -> bool``: which episodes to film (default:
            all, unless ``step_trigger`` is given), as in ``RecordVideo``.
        step_trigger: ``f(global_step) -> bool``: start a clip at that step.
        video_length: Cap every file at this many frames (clips); ``0``/``None``: whole
            episodes.
        name_prefix: ``RecordVideo``'s name for ``scenario``.
        keep_episode: ``f(info) -> bool``, called with the ``info`` of a filmed episode's
            last step: keep its video only if it returns True (e.g. failures only). Until
            then the episode's snapshots (or frames) are held in memory, capped by
            ``RecorderOptions.hold_max_bytes``, and the recorder does nothing for it; an
            episode not kept leaves no file, no result and no ``info`` key, and one cut
            short by ``reset()``/``close()`` is not kept. A kept video is the file filming
            the episode live would give. Not with ``step_trigger``/``video_length``.
        keep_unfinished: When True, ``close()`` in the middle of a take finalises it as a
            complete, valid MP4 whose artifact says ``"complete": false``; when False
            (default) it is discarded. ``reset()`` mid-episode always finalises the take
            as it stands (also marked ``"complete": false``), as before and as
            ``RecordVideo`` does.
        stall_timeout_s: A recorder process that makes no progress for this many seconds
            (a blocked hand-over, a result that does not come) is killed: its take gets
            ``video_skip`` ``encode-error`` and the next take starts a new recorder.
        recorder_options: Backend knobs and test seams (``RecorderOptions``).

    Raises:
        UsageError: an option has a bad value, or a non-SocialNav env to be recorded does
            not have an image ``render_mode``.
    """

    def __init__(
        self,
        env: gym.Env,
        renderer: RendererChoice | None = None,
        video_dir: str | os.PathLike[str] = "videos",
        enabled: bool = True,
        fps: float | None = None,
        video_size: tuple[int, int] | None = None,
        finalize: Literal["blocking", "background"] = "blocking",
        *,
        show_lidar: bool = False,
        scenario: str | None = None,
        on_artifact: ArtifactCallback | None = None,
        episode_trigger: Callable[[int], bool] | None = None,
        step_trigger: Callable[[int], bool] | None = None,
        video_length: int | None = None,
        name_prefix: str | None = None,
        keep_episode: Callable[[dict[str, Any]], bool] | None = None,
        keep_unfinished: bool = False,
        stall_timeout_s: float = DEFAULT_STALL_TIMEOUT_S,
        recorder_options: RecorderOptions | None = None,
    ) -> None:
        saved = constructor_args(locals())  # first; gym.make(spec) replays them, not copied
        gym.utils.RecordConstructorArgs.__init__(self, _disable_deepcopy=True, **saved)
        gym.Wrapper.__init__(self, env)
        check_user_options(renderer, finalize, fps, scenario, name_prefix, recorder_options)
        check_keep_episode(keep_episode, step_trigger, video_length)
        self._social = is_social_nav(env.unwrapped)
        self.renderer_choice = resolve_renderer(renderer, env.unwrapped, self._social)
        self.video_dir = video_dir
        self.finalize = finalize
        self.keep_unfinished = bool(keep_unfinished)
        self._triggers = Triggers(episode_trigger, step_trigger, check_video_length(video_length))
        self._scenario = scenario if scenario is not None else name_prefix
        self._opts = recorder_options or RecorderOptions()
        self._plan = self._make_plan(fps, video_size, stall_timeout_s, show_lidar)
        packer = snapshot_packer(env.unwrapped, self._plan.draws_lidar)
        self._packed_snapshot = None if packer is None else packer.pack
        self._frames = FrameSource(env, env_name(env))
        book = ResultBook(self.renderer_choice if self._social else "env", on_artifact)
        bg = finalize == "background"
        self._rec = Session(self._plan, env, book, packer, self._frames, bg, keep_episode)
        self._clips, self._episode_index, self._global_step, self._own_s = 0, -1, 0, 0.0
        # The seed part of unseeded episodes: unique per wrapper, across processes too.
        self._unseeded = unseeded_seed_part(f"{os.getpid():x}{secrets.token_hex(4)}")
        self._next_identity: tuple[str, Any, Any] | None = None
        self._wanted = bool(enabled) and self.renderer_choice != "none"
        self._closed = False
        if self._wanted:
            self._prepare()

    # -- public API ------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        """True while a file is being recorded (as ``RecordVideo.recording``)."""
        return self._rec.take is not None

    @property
    def own_time_s(self) -> float:
        """Wall seconds of ``reset``/``step`` beyond the env's own: what video costs the loop."""
        return self._own_s

    @property
    def video_stats(self) -> dict[str, float]:
        """Totals over finished takes.

        Keys: ``episodes`` (takes), ``videos`` (files made), ``frames``, ``encode_cpu_ms``
        (CPU of the recorder and ffmpeg, approximate) and ``encode_ms_per_frame``.
        """
        stats: dict[str, float] = dict(self._rec.book.stats)
        frames = stats["frames"]
        stats["encode_ms_per_frame"] = stats["encode_cpu_ms"] / frames if frames else 0.0
        return stats

    def set_episode_identity(self, scenario: str, seed: int, episode_idx: int) -> None:
        """Name the next episode ``<scenario>__<seed>__<episode_idx>`` (applies at reset)."""
        self._next_identity = (scenario, seed, episode_idx)

    def start_recording(self) -> None:
        """Record from the next ``reset()`` on (triggers then decide, as at construction).

        Raises:
            UsageError: the wrapper was built with ``renderer="none"``, or the env cannot
                be filmed (see the class docstring).
        """
        if self.renderer_choice == "none":
            raise UsageError("renderer 'none' records nothing; build the wrapper with a renderer")
        if self._rec.status is None:
            self._prepare()
        self._wanted = True

    def stop_recording(self) -> None:
        """Record nothing from the next ``reset()`` on (the current file is finished)."""
        self._wanted = False

    def collect_artifacts(self, wait: bool = False) -> list[tuple[str, dict[str, Any]]]:
        """Return results not delivered in ``info`` since the last call.

        These are all takes under ``finalize="background"``, plus takes cut short by
        ``reset()`` or ``close()``. Each result is delivered once: to ``on_artifact`` when
        set (the list is then empty), else in this list.

        Args:
            wait: Also wait until every ended take's file is final.

        Returns:
            ``(name, payload)`` tuples, oldest first (payloads as for ``on_artifact``).
        """
        return self._rec.collect(wait)

    # -- gymnasium API -----------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Reset the env; a take of an unfinished episode ends (``keep_unfinished``)."""
        start, rec = perf_counter(), self._rec
        if rec.take is not None and rec.take.episode_bound:
            rec.finish(complete=False, keep=True)  # cut short: finalised as it stands
        elif rec.take is not None:
            rec.take.scene_stale = True  # a capped step clip runs on into the next episode
            rec.push = None
        rec.drain()
        inner = perf_counter()
        obs, info = self.env.reset(seed=seed, options=options)
        start += perf_counter() - inner  # only the wrapper's own time counts
        self._episode_index += 1
        identity, self._next_identity = self._next_identity, None
        if self._wanted and not self._closed and self._triggers.films_episode(self._episode_index):
            if rec.take is not None:
                rec.finish(complete=True)  # a new trigger ends the running clip
            # Unseeded: Gymnasium's stream seed alone would not reproduce this episode.
            seed_part = seed if seed is not None else self._unseeded
            default = (self._scenario_name(), seed_part, self._episode_index)
            first = self._global_step
            if self._triggers.episode_kind() == "episode":
                self._open(episode_id(*(identity or default)), "episode", True, first)
            else:
                self._open(self._next_clip_id(first), "clip", True, first)
        self._own_s += perf_counter() - start
        return obs, info

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        """Step the env and hand the new state (or frame) to the recorder."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        start = perf_counter()
        try:
            return self._hand_over(obs, reward, terminated, truncated, info)
        finally:
            self._own_s += perf_counter() - start

    def _hand_over(
        self, obs: Any, reward: SupportsFloat, terminated: bool, truncated: bool, info: dict
    ) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        """Do the video work of one step, after the env's own (see ``own_time_s``)."""
        gstep, self._global_step = self._global_step, self._global_step + 1
        rec = self._rec
        take, ended_clip = rec.take, None
        if self._triggers.step_trigger is not None and self._wanted and not self._closed:
            take, ended_clip = self._maybe_start_clip(gstep)
        if take is None:
            return obs, reward, terminated, truncated, info
        take.frames += 1
        push = rec.push
        if push is not None:  # the SocialNav hot path, once the take has begun
            try:
                push(self._packed_snapshot())
            except RecorderDiedError as exc:
                rec.fail_capture(take, str(exc))
            except Exception as exc:  # a broken snapshot hook must not stop the env
                rec.fail_capture(take, f"capturing step {take.frames} failed: {exc!r}")
        else:
            rec.capture(take)
        if ended_clip:
            info = {**info, **ended_clip}
        if take.full or ((terminated or truncated) and take.episode_bound):
            keep = rec.keeps(take, info)
            info = {**info, **rec.finish(complete=True, in_info=True, keep=keep)}
        return obs, reward, terminated, truncated, info

    def render(self) -> Any:
        """Return what the env's ``render()`` returns (frames the wrapper took included)."""
        return self._frames.take_history(self.env.render())

    def close(self) -> None:
        """Finish pending files, end or discard the current take, stop the recorder.

        A take closed before its first frame gets ``no-frames``; one closed mid-way is
        discarded, or finalised with ``"complete": false`` under ``keep_unfinished``
        (results via ``on_artifact``/``collect_artifacts``). Idempotent.
        """
        if not self._closed:
            self._closed = True
            self._rec.close(self.keep_unfinished)
        super().close()

    # -- internals -----------------------------------------------------------------------------
    def _make_plan(
        self,
        fps: float | None,
        video_size: tuple[int, int] | None,
        stall_timeout_s: float,
        show_lidar: bool,
    ) -> RecorderPlan:
        """Resolve the env-dependent defaults once (the recorder never re-checks them)."""
        try:
            stall_timeout_s = check_stall_timeout(stall_timeout_s)
        except ValueError as exc:
            raise UsageError(f"stall_timeout_s: {exc}") from None
        return RecorderPlan(
            social=self._social,
            renderer=self.renderer_choice,
            video_dir=Path(self.video_dir).resolve(),
            fps=float(fps) if fps is not None else default_fps(self.env),
            size=resolve_size(video_size, self.env.unwrapped, self._social),
            options=self._opts,
            stall_timeout_s=stall_timeout_s,
            show_lidar=bool(show_lidar),
        )

    def _prepare(self) -> None:
        """Check that the env can be filmed, create the folder, probe the encoder (once)."""
        mode = self.env.render_mode
        if not self._social and mode not in _FILMABLE_MODES:
            raise UsageError(
                f"VideoArtifactWrapper films {env_name(self.env)} through render(), which "
                f"needs render_mode 'rgb_array' or 'rgb_array_list' (got {mode!r}); create it "
                "with gym.make(..., render_mode='rgb_array') or pass renderer='none'"
            )
        self._rec.prepare()

    def _scenario_name(self) -> str:
        name = self._scenario
        if name is None:
            raw = getattr(self.env.unwrapped, "scenario_name", None) if self._social else None
            name = str(raw) if raw else env_name(self.env)
        check_scenario_name(name)
        return name

    def _next_clip_id(self, first_step: int) -> str:
        name = clip_id(self._scenario_name(), first_step, self._clips)
        self._clips += 1
        return name

    def _maybe_start_clip(self, gstep: int) -> tuple[Take | None, dict[str, Any] | None]:
        """Start a clip at ``gstep`` if the step trigger says so.

        Returns:
            The current take, and the ``info`` of a clip the new one ended (if any).
        """
        take = self._rec.take
        if not self._triggers.starts_clip(gstep):
            return take, None
        if take is not None and take.kind == "episode":
            return take, None  # a whole-episode file is never cut (documented difference)
        ended = None
        if take is not None:  # RecordVideo: a new trigger ends the running clip
            ended = self._rec.finish(complete=True, in_info=True)
        bound = self._triggers.video_length is None  # uncapped: ends with the episode
        self._open(self._next_clip_id(gstep), "clip", bound, gstep)
        return self._rec.take, ended

    def _open(self, name: str, kind: Literal["episode", "clip"], bound: bool, first: int) -> None:
        final, report = video_path(self._plan.video_dir, name), video_path(self.video_dir, name)
        limit = self._triggers.video_length
        take = Take(name, kind, os.fspath(final), os.fspath(report), first, limit, bound)
        self._rec.open(take)
