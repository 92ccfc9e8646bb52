"""Test doubles for the video tests (clearly fakes, not product code).

- ``FakeSocialNavEnv``: a tiny env exposing the SocialNav hooks the wrapper duck-types
  (``scenario_name``, ``static_scene()``, ``frame_snapshot()``, ``renderer_name``,
  ``video_size``, ``metadata["render_fps"] == 10``). Pedestrians drift with seeded noise;
  frames are drawn by the real ``SyntheticRenderer``.
- ``synthetic_factory``: a ``renderer_factory`` giving the real synthetic renderer.
- ``DumpWriter`` / ``dump_factory``: a ``FrameWriter`` that appends raw frames to a file
  instead of encoding, so a test can compare recorded frames byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path

import gymnasium as gym
import numpy as np

from robot_sf_gym_video.render.synthetic import SyntheticRenderer
from robot_sf_gym_video.sim.snapshot import FrameSnapshot, StaticScene

SIZE = (160, 120)


def synthetic_factory(name, size=None):
    return SyntheticRenderer(size or SIZE), None


class FakeSocialNavEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(self, max_steps=20, n_peds=6, render_mode="rgb_array", scenario="fake-cross"):
        self.render_mode = render_mode
        self.max_steps = max_steps
        self.n_peds = n_peds
        self.scenario_name = scenario
        self.renderer_name = "synthetic"
        self.video_size = SIZE
        self.observation_space = gym.spaces.Box(-100, 100, (3 + 2 * n_peds,), np.float64)
        self.action_space = gym.spaces.Box(-1, 1, (2,), np.float64)
        self._renderer = None
        self._static = None

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._t = 0
        self._pose = np.array([1.0, 1.0, 0.3])
        self._peds = self.np_random.uniform(0, 10, (self.n_peds, 2))
        self._trail = [self._pose[:2].copy()]
        self._static = StaticScene(
            scenario=self.scenario_name,
            bounds_m=(0.0, 0.0, 10.0, 8.0),
            obstacles_m=(np.array([[4.0, 3.0], [6.0, 3.0], [6.0, 4.0], [4.0, 4.0]]),),
            goal_xy_m=(9.0, 7.0),
            goal_radius_m=0.5,
            start_xy_m=(1.0, 1.0),
            robot_radius_m=0.3,
            ped_radius_m=0.25,
            dt_s=0.1,
            max_steps=self.max_steps,
        )
        return self._obs(), {"t": 0}

    def step(self, action):
        self._t += 1
        a = np.clip(np.asarray(action, dtype=np.float64), -1, 1)
        self._pose = self._pose + np.array(
            [0.2 * np.cos(self._pose[2]), 0.2 * np.sin(self._pose[2]), 0.1 * a[1]]
        )
        self._peds = self._peds + self.np_random.normal(0, 0.1, self._peds.shape)
        self._trail = [*self._trail[-49:], self._pose[:2].copy()]
        truncated = self._t >= self.max_steps
        reward = float(-np.linalg.norm(self._pose[:2] - 9.0))
        return self._obs(), reward, False, truncated, {"t": self._t, "nested": {"a": 1}}

    def _obs(self):
        return np.concatenate([self._pose, self._peds.ravel()])

    def static_scene(self):
        return self._static

    def frame_snapshot(self):
        return FrameSnapshot(
            step=self._t,
            time_s=self._t * 0.1,
            robot_pose=self._pose,
            robot_velocity=np.array([0.2, 0.0]),
            ped_positions_m=self._peds,
            ped_velocities_mps=np.zeros_like(self._peds),
            trail_m=np.array(self._trail),
            lidar_ranges_m=np.zeros(0),
            outcome="timeout" if self._t >= self.max_steps else None,
        )

    def render(self):
        if self._renderer is None:
            self._renderer = SyntheticRenderer(self.video_size)
        return self._renderer.render(self._static, self.frame_snapshot())


class DumpWriter:
    """Writes raw frames to ``<final>.raw``; close() renames, abort() deletes."""

    def __init__(self, final_path, width_px, height_px, fps, pix_fmt):
        self.final_path = Path(final_path)
        self.shape = (width_px, height_px, pix_fmt)
        self.tmp = self.final_path.with_name("." + self.final_path.name + ".partial-dump")
        self.fh = open(self.tmp, "wb")  # noqa: SIM115

    def write(self, frame):
        self.fh.write(bytes(memoryview(frame).cast("B")))

    def close(self):
        self.fh.close()
        os.replace(self.tmp, self.final_path)
        meta = self.final_path.with_suffix(".meta")
        meta.write_text(" ".join(map(str, self.shape)))

    def abort(self):
        self.fh.close()
        self.tmp.unlink(missing_ok=True)


def dump_factory(final_path, width_px, height_px, fps, pix_fmt):
    return DumpWriter(final_path, width_px, height_px, fps, pix_fmt)
