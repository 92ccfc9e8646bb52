import numpy as np
import pytest

from robot_sf_gym_video.sim.snapshot import (
    FRAME_ARRAYS,
    FrameSnapshot,
    StaticScene,
    pack_snapshot,
    unpack_snapshot,
)


def _snapshot(**overrides):
    rng = np.random.default_rng(3)
    fields = dict(
        step=7,
        time_s=0.7,
        robot_pose=np.array([1.0, 2.0, 0.5]),
        robot_velocity=np.array([0.8, -0.1]),
        ped_positions_m=rng.random((5, 2)),
        ped_velocities_mps=rng.random((5, 2)),
        trail_m=rng.random((9, 2)),
        lidar_ranges_m=rng.random(72),
        collision="pedestrian",
        outcome="collision",
    )
    fields.update(overrides)
    return FrameSnapshot(**fields)


def test_pack_roundtrip_is_exact():
    snap = _snapshot()
    back = unpack_snapshot(pack_snapshot(snap))
    assert back.step == snap.step and back.time_s == snap.time_s
    assert back.collision == "pedestrian" and back.outcome == "collision"
    for name in FRAME_ARRAYS:
        np.testing.assert_array_equal(getattr(back, name), getattr(snap, name))
        assert getattr(back, name).shape == getattr(snap, name).shape


def test_pack_roundtrip_with_no_pedestrians_and_no_outcome():
    snap = _snapshot(
        ped_positions_m=np.zeros((0, 2)),
        ped_velocities_mps=np.zeros((0, 2)),
        collision=None,
        outcome=None,
    )
    back = unpack_snapshot(pack_snapshot(snap))
    assert back.ped_positions_m.shape == (0, 2)
    assert back.collision is None and back.outcome is None


def test_snapshot_is_immutable_and_detached_from_inputs():
    positions = np.zeros((2, 2))
    snap = _snapshot(ped_positions_m=positions, ped_velocities_mps=np.zeros((2, 2)))
    positions[0, 0] = 99.0
    assert snap.ped_positions_m[0, 0] == 0.0
    with pytest.raises(ValueError):
        snap.ped_positions_m[0, 0] = 1.0


def test_invalid_outcome_is_rejected():
    with pytest.raises(ValueError, match="outcome"):
        _snapshot(outcome="crashed")


def test_static_scene_freezes_obstacles():
    scene = StaticScene(
        scenario="s",
        bounds_m=(0, 0, 10, 10),
        obstacles_m=(np.array([[1.0, 1.0], [2.0, 1.0], [2.0, 2.0]]),),
        goal_xy_m=(9, 9),
        goal_radius_m=0.5,
        start_xy_m=(1, 1),
        robot_radius_m=0.3,
        ped_radius_m=0.25,
        dt_s=0.1,
        max_steps=100,
    )
    with pytest.raises(ValueError):
        scene.obstacles_m[0][0, 0] = 5.0


def test_unpacked_snapshot_is_detached_from_a_mutable_buffer():
    snap = _snapshot()
    buffer = bytearray(pack_snapshot(snap))
    back = unpack_snapshot(memoryview(buffer))
    buffer[-8:] = b"\x00" * 8  # overwrite the last lidar range in the source buffer
    assert back.lidar_ranges_m[-1] == snap.lidar_ranges_m[-1]
    assert not back.lidar_ranges_m.flags.writeable
