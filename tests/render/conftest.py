"""Hand-built scenes for the renderer tests (no simulator involved)."""

from __future__ import annotations

import numpy as np
import pytest

from robot_sf_gym_video.sim.snapshot import FrameSnapshot, StaticScene

ROBOT_XY = (4.0, 5.0)
LONE_PED_XY = (15.0, 8.0)  # far from everything else
# Points inside the discs but off the heading marks (robot faces +x, lone ped walks +y).
ROBOT_BODY_XY = (4.0, 4.8)
PED_BODY_XY = (15.0, 7.85)


def make_static(**overrides: object) -> StaticScene:
    """A 20 m x 10 m room with one box, one wall segment, a goal and a 16-ray lidar."""
    fields: dict[str, object] = {
        "scenario": "unit_test",
        "bounds_m": (0.0, 0.0, 20.0, 10.0),
        "obstacles_m": (
            np.array([[8.0, 0.0], [11.0, 0.0], [11.0, 3.0], [8.0, 3.0]]),
            np.array([[8.0, 7.0], [8.0, 10.0]]),
        ),
        "goal_xy_m": (18.0, 5.0),
        "goal_radius_m": 0.6,
        "start_xy_m": (1.0, 5.0),
        "robot_radius_m": 0.4,
        "ped_radius_m": 0.3,
        "dt_s": 0.1,
        "max_steps": 300,
        "lidar_angles_rad": np.linspace(-np.pi, np.pi, 16, endpoint=False),
        "lidar_max_range_m": 6.0,
    }
    fields.update(overrides)
    return StaticScene(**fields)  # type: ignore[arg-type]


def make_snap(
    step: int = 10,
    robot_xy: tuple[float, float] = ROBOT_XY,
    theta: float = 0.0,
    peds: np.ndarray | None = None,
    vels: np.ndarray | None = None,
    trail: np.ndarray | None = None,
    collision: str | None = None,
    outcome: str | None = None,
    lidar: np.ndarray | None = None,
) -> FrameSnapshot:
    """A snapshot with a lone pedestrian at ``LONE_PED_XY`` plus a small group."""
    if peds is None:
        peds = np.array([LONE_PED_XY, (13.0, 2.0), (13.5, 2.5), (6.0, 8.5)])
    if vels is None:
        vels = np.array([(0.0, 1.0), (-1.0, 0.0), (0.5, 0.5), (0.0, 0.0)])[: len(peds)]
    if trail is None:
        t = np.linspace(0.0, 1.0, 30)
        trail = np.stack((1.0 + (robot_xy[0] - 1.0) * t, 5.0 + (robot_xy[1] - 5.0) * t), axis=1)
    if lidar is None:
        lidar = np.full(16, 4.0)
    return FrameSnapshot(
        step=step,
        time_s=step * 0.1,
        robot_pose=np.array([robot_xy[0], robot_xy[1], theta]),
        robot_velocity=np.array([0.8, 0.0]),
        ped_positions_m=peds,
        ped_velocities_mps=vels,
        trail_m=trail,
        lidar_ranges_m=lidar,
        collision=collision,
        outcome=outcome,
    )


def crowd_snap(n_peds: int = 50, trail_len: int = 200, seed: int = 0) -> FrameSnapshot:
    """A busy frame: ``n_peds`` pedestrians and a long trail (benchmark-like)."""
    rng = np.random.default_rng(seed)
    peds = np.stack((rng.uniform(0.5, 19.5, n_peds), rng.uniform(0.5, 9.5, n_peds)), axis=1)
    vels = rng.normal(0.0, 0.8, (n_peds, 2))
    t = np.linspace(0.0, 1.0, trail_len)
    trail = np.stack((1.0 + 8.0 * t, 5.0 + np.sin(6 * t)), axis=1)
    return make_snap(robot_xy=tuple(trail[-1]), peds=peds, vels=vels, trail=trail)


@pytest.fixture
def static() -> StaticScene:
    return make_static()


@pytest.fixture
def snap() -> FrameSnapshot:
    return make_snap()
