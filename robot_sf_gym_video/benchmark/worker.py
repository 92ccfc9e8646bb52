"""Runs episodes: one env (and, with video, one ``VideoArtifactWrapper``) per worker.

- ``WorkerSettings``: what a worker needs to build its env (picklable; sent to processes).
- ``EpisodeResult``: one finished episode, without its video when that is still pending.
- ``EpisodeWorker``: runs ``EpisodeSpec`` s one after another, reusing its env across
  episodes of a scenario, and hands back video artifacts as the recorder finishes them.

The worker never writes records; it returns results to the runner (the single writer).
With video off it creates no wrapper at all, so no renderer, no encoder, no ``videos/``
folder, and moviepy is never imported. With video on the wrapper finalises files in the
background (``finalize="background"``): the env never waits for the encoder, and finished
artifacts are collected between episodes (``collect``) and at the end (``finish``).

``--video-episodes failures`` needs the outcome, known only at the end: the wrapper holds
each episode's snapshots (``keep_episode``) and, on the last step, sends a failure's to the
recorder as a normal episode and drops a success's. Each episode is simulated once.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import TYPE_CHECKING, Any

import gymnasium
import numpy as np

from robot_sf_gym_video.benchmark.actions import ActionRecorder
from robot_sf_gym_video.benchmark.config import VideoSettings
from robot_sf_gym_video.benchmark.plan import EpisodeSpec
from robot_sf_gym_video.benchmark.replay import UNFINISHED, replay_episode
from robot_sf_gym_video.benchmark.selection import not_selected_skip
from robot_sf_gym_video.benchmark.summary import VideoCost

if TYPE_CHECKING:
    from robot_sf_gym_video.policies.spec import PolicySource
    from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

__all__ = ["Artifact", "EpisodeResult", "EpisodeWorker", "WorkerSettings"]

logger = logging.getLogger(__name__)

#: ``(episode_id, {"video": {...}} | {"video_skip": {...}})`` as the wrapper reports it.
Artifact = tuple[str, dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class WorkerSettings:
    """Everything a worker needs besides the episode specs.

    Attributes:
        scenarios_file: User scenario file (absolute path) or None.
        max_steps: Step limit per episode, or None for the scenario's own.
        policy: The checked policy (``policies.spec.PolicySource``): a spec that each
            process rebuilds, or a picklable factory.
        video: How to film (validated by ``RunConfig.build``); None when video is off.
        video_dir: Absolute ``DIR/videos`` when video is on, else None.
    """

    scenarios_file: str | None
    max_steps: int | None
    policy: PolicySource
    video: VideoSettings | None
    video_dir: str | None

    def __post_init__(self) -> None:
        assert (self.video is None) == (self.video_dir is None), "video_dir goes with video"


@dataclasses.dataclass(frozen=True)
class EpisodeResult:
    """The metrics of one finished episode (picklable: workers send it to the runner).

    Attributes:
        spec: The episode that ran.
        steps: ``env.step`` calls.
        outcome: ``success``, ``collision`` or ``timeout``.
        metrics: The env's ``info["metrics"]`` of the last step.
        wall_time_s: Reset to end of the last step.
        video: ``{"video": ...}`` / ``{"video_skip": ...}`` when known at episode end,
            None when video is off or the artifact is still pending.
        video_pending: True when the artifact will arrive later via ``collect``.
        actions: The actions the policy took, ``(steps, *action_shape)`` in its dtype
            (None for a replay); the runner writes them to ``DIR/actions/``.
        events: The env's ``info["events"]`` of the last step (None if it has none).
    """

    spec: EpisodeSpec
    steps: int
    outcome: str
    metrics: dict[str, Any]
    wall_time_s: float
    video: dict[str, Any] | None = None
    video_pending: bool = False
    actions: np.ndarray | None = dataclasses.field(default=None, repr=False)
    events: list[dict[str, Any]] | None = None


class EpisodeWorker:
    """Run episodes in this process with one env (and one video recorder) for all of them.

    Every episode reuses the env and its wrapper: ``set_episode_identity`` names each file
    and ``reset(options={"scenario": ...})`` switches scenarios, which gives the same
    episode as a fresh env. Keeping one recorder process for the whole batch means the
    loop never waits for pending videos or a new recorder when the scenario changes.
    """

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings
        self.cost = VideoCost()
        self._scenario: str | None = None
        self._env: gymnasium.Env | None = None
        self._wrapper: VideoArtifactWrapper | None = None
        self._policy: Any = None
        self._carry: list[Artifact] = []
        self._spec: EpisodeSpec | None = None  # the episode running now

    def run(self, spec: EpisodeSpec) -> EpisodeResult:
        """Run one episode to its end and return its result.

        With ``spec.actions`` the episode is a replay (``film``): the logged actions drive
        the env and no policy is built. Otherwise the policy drives it, its actions are
        logged, and ``settings.video.episodes`` decides the video: filmed live when that
        is known before the episode; for ``failures`` held and kept at the end if the
        outcome is one (``_keeps``); else ``not-selected``.
        """
        env = self._env_for(spec.scenario)
        self._spec = spec
        if spec.actions is not None:
            return self._replay(env, spec)
        video = self.settings.video
        live = video.episodes.decided_before(spec.episode_idx) if video else False
        self._record_next(spec, live is not False)
        result = self._play(env, spec)
        if video is None or live or result.video is not None or result.video_pending:
            return result
        skip = not_selected_skip(video.episodes, video.renderer, result.steps)
        return dataclasses.replace(result, video={"video_skip": skip})

    def _keeps(self, info: dict[str, Any]) -> bool:
        """Return whether the episode ending now is selected (the wrapper's ``keep_episode``)."""
        spec, video = self._spec, self.settings.video
        if spec is None or video is None or spec.actions is not None:
            return True  # a replay (film) is always kept
        return video.episodes.selects(spec.episode_idx, str(info.get("outcome")))

    def _record_next(self, spec: EpisodeSpec, film: bool) -> None:
        """Name the next episode's video and switch recording on or off for it."""
        if self._wrapper is not None:
            self._wrapper.set_episode_identity(spec.scenario, spec.seed, spec.episode_idx)
            if film:
                self._wrapper.start_recording()
            else:
                self._wrapper.stop_recording()

    def _play(self, env: gymnasium.Env, spec: EpisodeSpec) -> EpisodeResult:
        """Run the episode with the policy, logging every action it takes."""
        own_before = self._wrapper.own_time_s if self._wrapper is not None else 0.0
        start = time.perf_counter()
        obs, info = env.reset(seed=spec.seed, options={"scenario": spec.scenario})
        if spec.scenario != self._scenario:  # the policy reads the scenario's layout
            from robot_sf_gym_video.policies.spec import build_policy

            self._policy = build_policy(self.settings.policy, env)
            self._scenario = spec.scenario
        _reset_policy(self._policy, spec.seed)
        log = ActionRecorder()
        steps = 0
        terminated = truncated = False
        while not (terminated or truncated):
            action = self._policy(obs)
            log.add(action)
            obs, _reward, terminated, truncated, info = env.step(action)
            steps += 1
        wall_time_s = time.perf_counter() - start
        video, pending = _video_payload(info)
        if self._wrapper is not None:
            self.cost.caller_s += self._wrapper.own_time_s - own_before
            self.cost.frames += steps if video is not None or pending else 0
        return EpisodeResult(
            spec=spec,
            steps=steps,
            outcome=str(info["outcome"]),
            metrics=dict(info.get("metrics", {})),
            wall_time_s=wall_time_s,
            video=video,
            video_pending=pending,
            actions=log.array(),
            events=info.get("events"),
        )

    def _replay(self, env: gymnasium.Env, spec: EpisodeSpec) -> EpisodeResult:
        """Replay logged actions (``film``); the caller compares the result with the record."""
        self._record_next(spec, True)
        start = time.perf_counter()
        replayed = replay_episode(env, spec.scenario, spec.seed, spec.actions)
        wall_time_s = time.perf_counter() - start
        if replayed.outcome == UNFINISHED and self._wrapper is not None:
            self._wrapper.stop_recording()
            env.reset(seed=spec.seed)  # ends the unfinished video; film discards it
        self.cost.frames += replayed.steps
        video, pending = _video_payload(replayed.info)
        return EpisodeResult(
            spec=spec,
            steps=replayed.steps,
            outcome=replayed.outcome,
            metrics=replayed.metrics,
            wall_time_s=wall_time_s,
            video=video,
            video_pending=pending,
        )

    def collect(self, wait: bool = False) -> list[Artifact]:
        """Return artifacts finished since the last call (``wait``: all pending ones)."""
        out, self._carry = self._carry, []
        if self._wrapper is not None:
            out += self._wrapper.collect_artifacts(wait=wait)
        return out

    def finish(self) -> list[Artifact]:
        """Wait for every pending video, close the env and return the last artifacts."""
        start = time.perf_counter()
        out = self.collect(wait=True)
        self.close()
        if self.settings.video is not None:  # the loop waits here for video only
            self.cost.drain_s += time.perf_counter() - start
        return out

    def close(self) -> None:
        """Close the env (a half-recorded episode is discarded by the wrapper)."""
        if self._env is not None:
            env, wrapper = self._env, self._wrapper
            self._env, self._wrapper, self._scenario = None, None, None
            env.close()
            if wrapper is not None:
                self._account(wrapper.video_stats)

    def _env_for(self, scenario: str) -> gymnasium.Env:
        """Return this worker's env, building it (and its video wrapper) on first use."""
        if self._env is not None:
            return self._env
        from robot_sf_gym_video.env.social_nav_env import SocialNavEnv

        settings = self.settings
        # Built directly (not gym.make): the env enforces its own step limit, and the
        # checker/order wrappers of make would only add per-step cost to every episode.
        env: gymnasium.Env = SocialNavEnv(
            scenario=scenario,
            scenarios_file=settings.scenarios_file,
            max_episode_steps=settings.max_steps,
        )
        if settings.video is not None:
            from robot_sf_gym_video.video.options import RecorderOptions
            from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

            start = time.perf_counter()
            self._wrapper = VideoArtifactWrapper(
                env,
                renderer=settings.video.renderer,
                video_dir=settings.video_dir,
                finalize="background",
                video_size=settings.video.size,
                show_lidar=settings.video.lidar,
                stall_timeout_s=settings.video.stall_timeout_s,
                keep_episode=self._keeps if settings.video.episodes.needs_outcome else None,
                recorder_options=RecorderOptions(warn_existing_videos=False),
            )
            self.cost.setup_s += time.perf_counter() - start
            env = self._wrapper
        self._env, self._scenario = env, None
        return env

    def _account(self, stats: dict[str, float]) -> None:
        """Fold the wrapper's recorder-side encode figures (CPU ms, frames) into ``cost``."""
        self.cost.encode_s += float(stats.get("encode_cpu_ms", 0.0)) / 1000.0
        self.cost.encoded_frames += int(stats.get("frames", 0))


def _video_payload(info: dict[str, Any]) -> tuple[dict[str, Any] | None, bool]:
    """Split the last step's info into an immediate artifact or a pending flag."""
    if "video" in info:
        return {"video": info["video"]}, False
    if "video_skip" in info:
        return {"video_skip": info["video_skip"]}, False
    return None, "video_pending" in info


def _reset_policy(policy: Any, seed: int) -> None:
    reset = getattr(policy, "reset", None)
    if callable(reset):
        reset(seed=seed)
