"""``SocialNavEnv``: a robot drives to a goal through a social-force crowd (Gymnasium API).

- ``SocialNavEnv``: registered as ``robot_sf_gym_video/SocialNav-v0``. ``step`` reads as
  simulate -> reward -> terminated/truncated -> metrics -> observation -> info; the
  physics live in ``robot_sf_gym_video.sim``.
- ``RENDERERS``: the frame sources ``render()`` can use.

Hooks for renderers and recorders (they never touch the simulation): ``scenario_name``,
``static_scene()`` (built once per reset), ``frame_snapshot()`` (state after the latest
step, cached), ``renderer_name``, ``video_size`` and ``renderer_note``. ``render()`` asks
``robot_sf_gym_video.render.factory`` for a renderer on first use and never touches the
random generator, so rendering or recording cannot change an episode.

Argument checks live in ``env.arguments`` and the snapshot builders in ``env.capture``, so
this module holds the episode itself. Spaces, reward and scenarios are documented in
``docs/environment.md``; metrics in ``docs/metrics.md``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded

from robot_sf_gym_video.env import capture
from robot_sf_gym_video.env.arguments import check_video_size, parse_action, resolve_step_limit
from robot_sf_gym_video.env.config import EnvConfig
from robot_sf_gym_video.env.observation import ObservationLayout
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.render.registry import RENDERER_NAMES
from robot_sf_gym_video.sim.metrics import EpisodeMetrics
from robot_sf_gym_video.sim.scenarios import ScenarioSpec, load_scenario
from robot_sf_gym_video.sim.simulator import Simulation
from robot_sf_gym_video.sim.snapshot import (
    MARK_S,
    EventMark,
    FrameSnapshot,
    StaticScene,
    pack_snapshot,
)
from robot_sf_gym_video.sim.trail import TrailCursor

__all__ = ["RENDERERS", "SocialNavEnv"]

logger = logging.getLogger(__name__)

RENDERERS: tuple[str, ...] = RENDERER_NAMES


class SocialNavEnv(gym.Env[np.ndarray, np.ndarray]):
    """Robot navigation among pedestrians, one scenario per env.

    Args:
        scenario: Built-in scenario name, a name from ``scenarios_file``, or a
            ``ScenarioSpec``.
        render_mode: None or ``"rgb_array"``.
        renderer: Frame source of ``render()``: ``"synthetic"`` (numpy rasteriser, default)
            or ``"sim-view"`` (pygame; falls back to synthetic with a note when unusable).
        video_size: ``(width, height)`` of rendered frames in pixels; None for the
            renderer's default.
        scenarios_file: Optional TOML file searched before the built-in scenarios.
        max_episode_steps: Step limit overriding the scenario's; the env truncates itself
            (``truncated=True``, outcome ``"timeout"``), so no ``TimeLimit`` is needed.
        config: Simulation, reward and metric settings (defaults when None).
        max_steps: Same as ``max_episode_steps`` (``gymnasium.make`` keeps that name for
            itself). ``gym.make(..., max_episode_steps=N)`` works too: the env honours the
            spec's limit as its own, and the smaller of the two limits wins.

    Raises:
        UsageError: Unknown renderer or render mode, bad video size or step limit.
        ScenarioError: Unknown scenario name or invalid scenario file.
    """

    metadata: dict[str, Any] = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        scenario: str | ScenarioSpec = "crossing",
        render_mode: str | None = None,
        renderer: str = "synthetic",
        video_size: tuple[int, int] | None = None,
        scenarios_file: str | os.PathLike[str] | None = None,
        max_episode_steps: int | None = None,
        config: EnvConfig | None = None,
        max_steps: int | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise UsageError(f"unknown render_mode {render_mode!r}; allowed: None, rgb_array")
        if renderer not in RENDERERS:
            raise UsageError(f"unknown renderer {renderer!r}; allowed: {', '.join(RENDERERS)}")
        step_limit = resolve_step_limit(max_episode_steps, max_steps)
        self.config = config or EnvConfig()
        self.render_mode = render_mode
        self.renderer_name = renderer
        self.video_size = check_video_size(video_size)
        self.renderer_note: str | None = None
        self._renderer: Any = None
        self._max_steps_override = step_limit
        self._spec_step_limit: int | None = None
        self._scenarios_file = scenarios_file
        self.action_space = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        self._load_scenario(scenario)
        self._step_count = 0
        self._outcome: str | None = None
        self._needs_reset = True
        self._static: StaticScene | None = None
        self._snapshot: FrameSnapshot | None = None

    def _load_scenario(self, scenario: str | ScenarioSpec) -> None:
        """Build the simulation, spaces and metrics of ``scenario`` (as a new env would).

        Called by ``__init__`` and by ``reset(options={"scenario": ...})``, so a batch can
        reuse one env (and one video recorder) across scenarios with results identical to
        a fresh env per scenario.
        """
        if isinstance(scenario, ScenarioSpec):
            self.scenario_spec = scenario
        else:
            self.scenario_spec = load_scenario(scenario, self._scenarios_file)
        self.sim = Simulation(self.scenario_spec, self.config.sim)
        dt_s = self.sim.dt_s
        fps = 1.0 / dt_s
        self.metadata = {**self.metadata, "render_fps": int(fps) if fps.is_integer() else fps}
        robot = self.config.sim.robot
        self.observation_layout = ObservationLayout(
            lidar_angles_rad=self.sim.lidar.angles_rad.copy(),
            lidar_max_range_m=self.sim.lidar.max_range_m,
            max_speed_mps=robot.max_speed_mps,
            max_angular_speed_radps=robot.max_angular_speed_radps,
            goal_distance_scale_m=self.sim.world.diagonal_m,
            robot_radius_m=robot.radius_m,
        )
        self.observation_space = self.observation_layout.space()
        self.metrics = EpisodeMetrics(
            dt_s,
            near_miss_m=self.config.near_miss_m,
            personal_space_m=self.config.personal_space_m,
            stall_speed_mps=self.config.stall_speed_mps,
        )

    # ------------------------------------------------------------------ hooks
    @property
    def scenario_name(self) -> str:
        """Name of the scenario this env runs."""
        return self.scenario_spec.name

    @property
    def max_episode_steps(self) -> int:
        """Step limit in force: the smaller of the env's own and ``spec.max_episode_steps``.

        The env's own limit is the constructor's override, else the scenario's. Gymnasium
        users type ``gym.make(..., max_episode_steps=N)``, which records N in the spec and
        adds a ``TimeLimit`` that truncates without the env's outcome and metrics; honouring
        the spec's limit here makes the env end that same step itself, with metrics.
        """
        own = self._max_steps_override or self.scenario_spec.max_episode_steps
        spec_limit = self._spec_step_limit
        return min(own, spec_limit) if spec_limit else own

    def set_spec_step_limit(self, limit: int | None) -> None:
        """Honour ``gym.make(..., max_episode_steps=limit)`` from the next reset on."""
        self._spec_step_limit = int(limit) if limit is not None and limit > 0 else None

    @property
    def dt_s(self) -> float:
        """Simulation time step; ``metadata["render_fps"] == 1 / dt_s``."""
        return self.sim.dt_s

    def static_scene(self) -> StaticScene:
        """Return the parts of this episode that never move (one object per episode)."""
        if self._static is None:
            raise ResetNeeded("call reset() before static_scene()")
        return self._static

    def frame_snapshot(self) -> FrameSnapshot:
        """Return the moving state after the latest step (step 0 after reset), cached."""
        if self._snapshot is None:
            if self._static is None:
                raise ResetNeeded("call reset() before frame_snapshot()")
            self._snapshot = capture.frame_snapshot(
                self.sim, self._step_count, self._outcome, self._marks
            )
        return self._snapshot

    def packed_frame_snapshot(self, lidar: bool = True, cursor: TrailCursor | None = None) -> bytes:
        """Return ``pack_snapshot(self.frame_snapshot())`` without building the snapshot.

        The video recorder calls this every step; packing the live arrays directly skips the
        snapshot's defensive copies (the bytes are a copy, so later steps cannot alter them).
        ``lidar=False`` leaves the ranges out (a recorder that draws no lidar): about a
        third fewer bytes to hand over each step. ``cursor`` (one per reader) packs only
        the trail points that reader has not been sent yet (``sim.snapshot_stream``).
        """
        if self._snapshot is not None:
            snap = self._snapshot
            if cursor is not None:
                self.sim.trail.unsent(cursor)  # sent whole below: the cursor has it all
            if not lidar:
                snap = dataclasses.replace(snap, lidar_ranges_m=capture.NO_RANGES)
            return pack_snapshot(snap)
        if self._static is None:
            raise ResetNeeded("call reset() before packed_frame_snapshot()")
        return capture.packed_state(
            self.sim, self._step_count, self._outcome, self._marks, lidar, cursor
        )

    # ------------------------------------------------------------------ gym API
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode: jittered start/goal, fresh crowd; returns ``(obs, info)``.

        ``options={"scenario": name_or_spec}`` switches the scenario first; the episode is
        then identical to one of a new env built for that scenario with the same seed.
        """
        scenario = (options or {}).get("scenario")
        if scenario is not None and not (
            isinstance(scenario, str) and scenario == self.scenario_spec.name
        ):
            self._load_scenario(scenario)
        super().reset(seed=seed)
        sim = self.sim
        sim.reset(self.np_random)
        self._step_count = 0
        self._outcome = None
        self._needs_reset = False
        self._episode_max_steps = self.max_episode_steps
        self.metrics.reset(sim.start_xy, sim.goal_xy, self.scenario_spec.robot.goal_radius_m)
        self._static = capture.static_scene(sim, self.scenario_spec, self._episode_max_steps)
        self._snapshot = None
        self._marks: tuple[EventMark, ...] = ()
        self._marks_seen = 0
        info = {
            "step": 0,
            "outcome": None,
            "scenario": self.scenario_name,
            "max_episode_steps": self._episode_max_steps,
            "goal_distance_m": sim.goal_distance_m,
        }
        return self._observation(), info

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Advance one ``dt``; see ``docs/environment.md`` for reward and termination."""
        if self._needs_reset:
            raise ResetNeeded("call reset() before step() (the episode has ended or not begun)")
        linear, angular = parse_action(action)
        sim = self.sim
        previous_distance = sim.goal_distance_m
        sim.step(linear, angular)
        self._step_count += 1

        collision = sim.collision
        success = collision is None and sim.goal_reached
        terminated = collision is not None or success
        truncated = not terminated and self._step_count >= self._episode_max_steps
        reward = self._reward(previous_distance - sim.goal_distance_m, success, collision)
        if collision is not None:
            self._outcome = "collision"
        elif success:
            self._outcome = "success"
        elif truncated:
            self._outcome = "timeout"

        self.metrics.update(
            sim.robot.x,
            sim.robot.y,
            sim.closest_ped_distance_m,
            sim.obstacle_clearance_m,
            collision,
            contact=sim.contact,
            closest_ped_id=sim.closest_ped_index,
        )
        self._snapshot = None
        self._update_marks(sim.dt_s)
        info: dict[str, Any] = {
            "step": self._step_count,
            "outcome": self._outcome,
            "collision": collision,
            "goal_distance_m": sim.goal_distance_m,
        }
        if self._outcome is not None:
            self._needs_reset = True
            info["is_success"] = success
            info["metrics"] = self.metrics.result(self._outcome)
            info["events"] = self.metrics.events(self._outcome)
        return self._observation(), reward, terminated, truncated, info

    def _update_marks(self, dt_s: float) -> None:
        """Keep the events of the last ``MARK_S`` seconds for the frame snapshots.

        Events come from the metrics accumulator (the code that counts them), read only
        when its count changed; rendering decides how to show them.
        """
        n = self.metrics.n_events
        if not self._marks and n == self._marks_seen and self._outcome != "success":
            return  # the common step: nothing to mark
        keep = max(1, math.ceil(MARK_S / dt_s - 1e-9))
        marks = [m for m in self._marks if self._step_count - m.step < keep]
        if n > self._marks_seen or self._outcome == "success":
            events = self.metrics.events(self._outcome)
            fresh = events[self._marks_seen :]
            marks += [
                EventMark(
                    e["kind"],
                    None if e["with"] is None else e["with"]["type"],
                    -1 if e["with"] is None or e["with"]["id"] is None else e["with"]["id"],
                    e["step"],
                )
                for e in fresh
            ]
            self._marks_seen = n
        if len(marks) != len(self._marks) or marks[-1:] != list(self._marks[-1:]):
            self._marks = tuple(marks)

    def render(self) -> np.ndarray | None:
        """Draw the current state as an ``(H, W, 3) uint8`` frame (``rgb_array`` mode)."""
        if self.render_mode is None:
            gym.logger.warn(
                "render() called without a render_mode; create the env with "
                'render_mode="rgb_array" to get frames.'
            )
            return None
        if self._renderer is None:
            from robot_sf_gym_video.render.factory import create_renderer

            self._renderer, self.renderer_note = create_renderer(
                self.renderer_name, size=self.video_size
            )
        return self._renderer.render(self.static_scene(), self.frame_snapshot())

    def close(self) -> None:
        """Release the renderer (if one was created)."""
        if self._renderer is not None:
            renderer, self._renderer = self._renderer, None
            renderer.close()
        super().close()

    # ------------------------------------------------------------------ parts of step
    def _reward(self, progress_m: float, success: bool, collision: str | None) -> float:
        weights = self.config.reward
        reward = weights.progress_per_m * progress_m - weights.time_penalty
        if success:
            reward += weights.goal_bonus
        if collision is not None:
            reward -= weights.collision_penalty
        return float(reward)

    def _observation(self) -> np.ndarray:
        sim = self.sim
        robot = sim.robot
        gx, gy = sim.goal_xy
        bearing = math.atan2(gy - robot.y, gx - robot.x) - robot.theta
        return self.observation_layout.encode(
            sim.lidar_ranges_m, robot.v, robot.omega, sim.goal_distance_m, bearing
        )
