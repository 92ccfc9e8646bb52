"""Episode metrics on crafted trajectories."""

import json
import math

import numpy as np
import pytest

from robot_sf_gym_video.sim.metrics import METRIC_KEYS, EpisodeMetrics, compute_metrics

DT = 0.1


def straight(n_steps, speed=1.0, start=(0.0, 0.0)):
    t = np.arange(n_steps + 1) * DT
    return np.stack((start[0] + speed * t, np.full_like(t, start[1])), axis=1)


def test_straight_run_to_goal():
    pos = straight(50)  # 5 m at 1 m/s
    m = compute_metrics(pos, goal_xy=(5.5, 0.0), goal_radius_m=0.5, dt_s=DT, outcome="success")
    assert list(m) == list(METRIC_KEYS)
    assert m["success"] is True and m["outcome"] == "success" and m["collision"] is False
    assert m["steps"] == 50
    assert m["time_to_goal_s"] == pytest.approx(5.0)
    assert m["path_length_m"] == pytest.approx(5.0)
    assert m["path_efficiency"] == pytest.approx(1.0)
    assert m["avg_speed_mps"] == pytest.approx(1.0)
    assert m["jerk_mean"] == pytest.approx(0.0, abs=1e-6)
    assert m["stalled_time_s"] == 0.0
    assert m["min_ped_distance_m"] is None and m["mean_closest_ped_distance_m"] is None
    assert m["min_obstacle_clearance_m"] is None  # no clearance given: infinite -> null
    assert m["near_miss_steps"] == 0 and m["personal_space_intrusion_frac"] == 0.0


def test_detour_lowers_path_efficiency():
    out = straight(20)  # (0,0) -> (2,0)
    back = out[::-1][1:]
    pos = np.concatenate((out, back, straight(40)[1:]))  # 2 m out, 2 m back, 4 m to goal
    m = compute_metrics(pos, goal_xy=(4.5, 0.0), goal_radius_m=0.5, dt_s=DT, outcome="success")
    assert m["path_length_m"] == pytest.approx(8.0)
    assert m["straight_line_m"] == pytest.approx(4.0)
    assert m["path_efficiency"] == pytest.approx(0.5)


def test_timeout_has_no_time_to_goal_or_efficiency_and_counts_stalling():
    pos = np.zeros((31, 2))
    m = compute_metrics(pos, goal_xy=(5, 0), goal_radius_m=0.5, dt_s=DT, outcome="timeout")
    assert m["success"] is False and m["time_to_goal_s"] is None
    assert m["path_efficiency"] is None
    assert m["stalled_time_s"] == pytest.approx(3.0)
    assert m["avg_speed_mps"] == 0.0
    assert m["final_goal_distance_m"] == pytest.approx(5.0)


def test_pedestrian_distances_near_misses_and_intrusions():
    closest = [1.0, 0.2, 0.1, 0.3, 0.5, -0.05]
    walls = [2.0, 1.5, 0.7, 1.0, 1.1, 1.2]
    kinds = [None] * 5 + ["pedestrian"]
    m = compute_metrics(
        straight(6),
        goal_xy=(9, 0),
        goal_radius_m=0.5,
        dt_s=DT,
        outcome="collision",
        closest_ped_m=closest,
        obstacle_clearance_m=walls,
        collisions=kinds,
    )
    assert m["min_ped_distance_m"] == pytest.approx(-0.05)
    assert m["mean_closest_ped_distance_m"] == pytest.approx(np.mean(closest))
    assert m["near_miss_steps"] == 2  # 0.2 and 0.1; 0.3 is outside, -0.05 is a collision
    assert m["personal_space_intrusion_frac"] == pytest.approx(4 / 6)
    assert m["min_obstacle_clearance_m"] == pytest.approx(0.7)
    assert m["collision"] is True
    assert m["collision_kind"] == "pedestrian" and m["collision_step"] == 6
    assert m["time_to_goal_s"] is None and m["success"] is False


def test_jerk_of_a_cubic_path():
    t = np.arange(40) * DT
    pos = np.stack((t**3, np.zeros_like(t)), axis=1)  # x = t^3 -> jerk 6 m/s^3
    m = compute_metrics(pos, goal_xy=(100, 0), goal_radius_m=0.5, dt_s=DT, outcome="timeout")
    assert m["jerk_mean"] == pytest.approx(6.0, rel=1e-6)


def test_result_is_plain_json_without_nan():
    acc = EpisodeMetrics(DT)
    acc.reset((0, 0), (1, 0), 0.5)
    acc.update(float("nan"), 0.0, math.inf, math.inf, None)
    m = acc.result("timeout")
    text = json.dumps(m, allow_nan=False)  # raises on NaN / inf
    for value in m.values():
        assert value is None or type(value) in (bool, int, float, str)
    assert json.loads(text)["path_length_m"] is None


def test_empty_episode():
    m = compute_metrics(
        np.zeros((1, 2)), goal_xy=(1, 0), goal_radius_m=0.5, dt_s=DT, outcome="timeout"
    )
    assert m["steps"] == 0 and m["avg_speed_mps"] is None and m["jerk_mean"] is None


def test_accumulator_reset_forgets_the_previous_episode():
    acc = EpisodeMetrics(DT)
    acc.reset((0, 0), (5, 0), 0.5)
    acc.update(0.1, 0.0, 0.1, 0.5, "pedestrian")
    acc.reset((0, 0), (5, 0), 0.5)
    acc.update(0.1, 0.0, 2.0, 0.5, None)
    m = acc.result("timeout")
    assert m["collision"] is False and m["min_ped_distance_m"] == 2.0 and m["steps"] == 1
