"""Geometry, lidar, trail and robot kinematics."""

import math

import numpy as np
import pytest

from robot_sf_gym_video.sim.geometry import (
    Segments,
    point_in_polygon,
    points_to_segments,
    polygon_edges,
)
from robot_sf_gym_video.sim.lidar import Lidar
from robot_sf_gym_video.sim.robot import Robot, RobotParams
from robot_sf_gym_video.sim.trail import Trail
from robot_sf_gym_video.sim.world import World


def test_points_to_segments_distance_and_direction():
    seg = Segments.from_arrays(np.array([[0.0, 0.0]]), np.array([[4.0, 0.0]]))
    px = np.array([2.0, -3.0, 5.0, 1.0])
    py = np.array([1.5, 0.0, 0.0, 0.0])
    dist, nx, ny = points_to_segments(px, py, seg)
    np.testing.assert_allclose(dist[:, 0], [1.5, 3.0, 1.0, 0.0])
    np.testing.assert_allclose(nx[:, 0], [0.0, -1.0, 1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(ny[:, 0], [1.0, 0.0, 0.0, 1.0], atol=1e-12)  # on-segment: normal


def test_polygon_edges_closes_polygons_and_keeps_walls_single():
    start, end = polygon_edges([np.array([[0, 0], [1, 0], [1, 1]]), np.array([[5, 5], [6, 5]])])
    assert len(start) == 4
    np.testing.assert_array_equal(end[2], [0, 0])
    np.testing.assert_array_equal(start[3], [5, 5])


def test_point_in_polygon():
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]])
    inside = point_in_polygon(np.array([1.0, 3.0, 1.9]), np.array([1.0, 1.0, 0.1]), square)
    assert inside.tolist() == [True, False, True]


def test_world_free_space_and_clearance():
    world = World((0, 0, 10, 10), [np.array([[4, 4], [6, 4], [6, 6], [4, 6]])])
    free = world.is_free(np.array([5.0, 2.0, 0.1, 3.8]), np.array([5.0, 2.0, 5.0, 5.0]), 0.3)
    assert free.tolist() == [False, True, False, False]
    assert world.clearance(np.array([2.0]), np.array([5.0]))[0] == pytest.approx(2.0)
    assert world.diagonal_m == pytest.approx(math.hypot(10, 10))


def test_lidar_hits_walls_and_pedestrians():
    world = World((0, 0, 10, 10))
    lidar = Lidar(num_rays=72, max_range_m=10.0)
    ranges = lidar.scan(5.0, 5.0, 0.0, world.segments, np.zeros((0, 2)), 0.25)
    assert ranges.shape == (72,)
    assert ranges[0] == pytest.approx(5.0)  # ray 0 points along the heading (east)
    assert ranges[18] == pytest.approx(5.0)  # 90 degrees: north wall
    diag = ranges[9]  # 45 degrees: corner
    assert diag == pytest.approx(5.0 * math.sqrt(2.0))
    peds = np.array([[8.0, 5.0], [5.0, 3.0]])
    ranges = lidar.scan(5.0, 5.0, 0.0, world.segments, peds, 0.25)
    assert ranges[0] == pytest.approx(2.75)
    assert ranges[54] == pytest.approx(1.75)  # -90 degrees
    # Heading rotates the rays with the robot.
    ranges = lidar.scan(5.0, 5.0, math.pi / 2, world.segments, peds, 0.25)
    assert ranges[54] == pytest.approx(2.75)


def test_lidar_caps_at_max_range():
    world = World((0, 0, 100, 100))
    ranges = Lidar(64, 10.0).scan(50.0, 50.0, 0.3, world.segments, np.zeros((0, 2)), 0.25)
    assert np.all(ranges == 10.0)


def test_trail_is_bounded_and_oldest_first():
    trail = Trail(200)
    for i in range(450):
        trail.push(float(i), -float(i))
    view = trail.view()
    assert len(trail) == 200 and view.shape == (200, 2)
    np.testing.assert_array_equal(view[:, 0], np.arange(250, 450))
    trail.clear()
    assert len(trail) == 0


def test_robot_respects_acceleration_and_speed_limits():
    params = RobotParams()
    robot = Robot(params)
    robot.reset(0.0, 0.0, 0.0)
    v, w = robot.command(1.0, 0.0)
    robot.step(v, w, 0.1)
    assert robot.v == pytest.approx(params.max_accel_mps2 * 0.1)
    for _ in range(100):
        robot.step(*robot.command(5.0, 0.0), 0.1)  # out-of-range commands are clipped
    assert robot.v == pytest.approx(params.max_speed_mps)
    assert robot.y == pytest.approx(0.0) and robot.theta == pytest.approx(0.0)
    for _ in range(100):
        robot.step(*robot.command(-1.0, -1.0), 0.1)
    assert robot.v == pytest.approx(-params.max_reverse_speed_mps)
    assert robot.omega == pytest.approx(-params.max_angular_speed_radps)
    assert -math.pi <= robot.theta < math.pi


def test_robot_constant_arc_is_exact():
    robot = Robot(RobotParams())
    robot.reset(0.0, 0.0, 0.0)
    robot.v, robot.omega = 1.0, 1.0
    robot.step(1.0, 1.0, 0.1)
    # Exact unicycle arc of radius 1 over 0.1 rad.
    assert robot.x == pytest.approx(math.sin(0.1))
    assert robot.y == pytest.approx(1.0 - math.cos(0.1))
    assert robot.theta == pytest.approx(0.1)
