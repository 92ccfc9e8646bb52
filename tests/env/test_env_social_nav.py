"""SocialNavEnv: Gymnasium conformance, determinism, termination, info, hooks, errors."""

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.error import ResetNeeded
from gymnasium.utils.env_checker import check_env, data_equivalence

import robot_sf_gym_video
from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.errors import ScenarioError, UsageError
from robot_sf_gym_video.sim.metrics import compute_metrics
from robot_sf_gym_video.sim.scenarios import FlowSpec, RobotSpec, ScenarioSpec
from robot_sf_gym_video.sim.snapshot import FrameSnapshot, StaticScene, pack_snapshot


def rollout(env, seed, n_steps, render=False, action_seed=123):
    """Observations, rewards, flags and infos of one seeded rollout with random actions."""
    actions = np.random.default_rng(action_seed).uniform(-0.2, 1.0, (n_steps, 2))
    actions[:, 1] = np.random.default_rng(action_seed + 1).uniform(-1, 1, n_steps)
    obs, info = env.reset(seed=seed)
    out = [(obs, info)]
    for action in actions.astype(np.float32):
        if render:
            env.render()
        step = env.step(action)
        out.append(step)
        if step[2] or step[3]:
            obs, info = env.reset()
            out.append((obs, info))
    return out


@pytest.mark.parametrize("scenario", ["crossing", "empty"])
def test_check_env_passes(scenario):
    env = SocialNavEnv(scenario)
    check_env(env, skip_render_check=True)


def test_check_env_with_rendering():
    env = gym.make(robot_sf_gym_video.ENV_ID, scenario="crossing", render_mode="rgb_array")
    check_env(env.unwrapped)


def test_registered_and_made_through_gym():
    env = gym.make(robot_sf_gym_video.ENV_ID, scenario="empty", max_steps=7)
    assert isinstance(env.unwrapped, SocialNavEnv)
    env.reset(seed=0)
    for step in range(1, 8):
        _, _, terminated, truncated, info = env.step(np.zeros(2, dtype=np.float32))
        assert info["step"] == step
    assert truncated and not terminated and info["outcome"] == "timeout"


def test_metadata_fps_matches_dt():
    env = SocialNavEnv("empty")
    assert env.metadata["render_modes"] == ["rgb_array"]
    assert env.metadata["render_fps"] == pytest.approx(1.0 / env.dt_s)
    assert env.dt_s == pytest.approx(0.1)


def test_two_seeded_rollouts_are_identical():
    a = rollout(SocialNavEnv("open_crowd"), 11, 250)
    b = rollout(SocialNavEnv("open_crowd"), 11, 250)
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert data_equivalence(x, y, exact=True)
    c = rollout(SocialNavEnv("open_crowd"), 12, 50)
    assert not data_equivalence(a[0][0], c[0][0])


def test_rendering_does_not_change_the_rollout():
    plain = rollout(SocialNavEnv("crossing"), 5, 120)
    env = SocialNavEnv("crossing", render_mode="rgb_array")
    drawn = rollout(env, 5, 120, render=True)
    env.close()
    for x, y in zip(plain, drawn, strict=True):
        assert data_equivalence(x, y, exact=True)


def test_render_returns_even_rgb_frames():
    env = SocialNavEnv("crossing", render_mode="rgb_array", video_size=(160, 120))
    env.reset(seed=0)
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.shape == (120, 160, 3)
    assert env.renderer_note is None
    env.close()
    assert env._renderer is None


def test_render_without_mode_returns_none():
    env = SocialNavEnv("empty")
    env.reset(seed=0)
    with pytest.warns(UserWarning):
        assert env.render() is None


def test_info_every_step_and_metrics_at_the_end():
    env = SocialNavEnv("crossing", max_episode_steps=25)
    obs, info = env.reset(seed=3)
    assert info["step"] == 0 and info["outcome"] is None and info["scenario"] == "crossing"
    positions = [env.sim.robot.pose()[:2]]
    closest, walls, kinds = [], [], []
    for step in range(1, 26):
        obs, reward, terminated, truncated, info = env.step(np.array([0.3, 0.0], np.float32))
        assert env.observation_space.contains(obs)
        assert isinstance(reward, float)
        assert info["step"] == step
        positions.append(env.sim.robot.pose()[:2])
        closest.append(env.sim.closest_ped_distance_m)
        walls.append(env.sim.obstacle_clearance_m)
        kinds.append(env.sim.collision)
        if step < 25:
            assert info["outcome"] is None and "metrics" not in info
    assert truncated and not terminated
    assert info["outcome"] == "timeout" and info["is_success"] is False
    expected = compute_metrics(
        np.array(positions),
        goal_xy=env.sim.goal_xy,
        goal_radius_m=0.5,
        dt_s=0.1,
        outcome="timeout",
        closest_ped_m=closest,
        obstacle_clearance_m=walls,
        collisions=kinds,
    )
    assert info["metrics"] == expected
    with pytest.raises(ResetNeeded):
        env.step(np.zeros(2, np.float32))


def wall_spec(**robot):
    return ScenarioSpec(
        name="wall",
        bounds_m=(0.0, 0.0, 10.0, 10.0),
        robot=RobotSpec(start_m=(1.0, 5.0), goal_m=(9.0, 5.0), heading_rad=math.pi, **robot),
        max_episode_steps=100,
    )


def test_collision_with_a_wall_terminates_with_penalty():
    env = SocialNavEnv(wall_spec())
    env.reset(seed=0)
    rewards = []
    while True:
        _, reward, terminated, truncated, info = env.step(np.array([1.0, 0.0], np.float32))
        rewards.append(reward)
        if terminated or truncated:
            break
    assert terminated and not truncated
    assert info["outcome"] == "collision" and info["collision"] == "obstacle"
    assert info["metrics"]["collision_kind"] == "obstacle"
    assert info["metrics"]["collision_step"] == info["step"]
    assert rewards[-1] < -9.0  # the collision penalty
    snap = env.frame_snapshot()
    assert snap.collision == "obstacle" and snap.outcome == "collision"


def test_collision_with_a_pedestrian():
    spec = ScenarioSpec(
        name="bump",
        bounds_m=(0.0, 0.0, 20.0, 10.0),
        robot=RobotSpec(start_m=(5.0, 5.0), goal_m=(18.0, 5.0), heading_rad=0.0),
        max_episode_steps=100,
        flows=(FlowSpec(count=1, mode="respawn", route_m=((19.0, 5.0), (1.0, 5.0))),),
    )
    env = SocialNavEnv(spec)
    env.reset(seed=0)
    env.sim.crowd.set_state([[5.57, 5.0]], [[-1.5, 0.0]], [[1.0, 5.0]])
    _, reward, terminated, _, info = env.step(np.array([1.0, 0.0], np.float32))
    assert reward < -9.0
    assert terminated and info["outcome"] == "collision" and info["collision"] == "pedestrian"
    assert info["metrics"]["collision_kind"] == "pedestrian"
    assert info["metrics"]["min_ped_distance_m"] < 0


def test_reaching_the_goal_is_a_success_with_bonus():
    spec = ScenarioSpec(
        name="short",
        bounds_m=(0.0, 0.0, 10.0, 10.0),
        robot=RobotSpec(start_m=(2.0, 5.0), goal_m=(4.0, 5.0), heading_rad=0.0),
        max_episode_steps=100,
    )
    env = SocialNavEnv(spec)
    env.reset(seed=0)
    total = 0.0
    while True:
        _, reward, terminated, truncated, info = env.step(np.array([1.0, 0.0], np.float32))
        total += reward
        if terminated or truncated:
            break
    assert terminated and info["outcome"] == "success" and info["is_success"]
    assert reward > 10.0 and total == pytest.approx(10.0 + 2.0 - env.sim.goal_distance_m)
    m = info["metrics"]
    assert m["success"] and m["time_to_goal_s"] == pytest.approx(info["step"] * 0.1)
    assert 0.9 < m["path_efficiency"] <= 1.0


def test_snapshot_and_static_scene_hooks():
    env = SocialNavEnv("crossing")
    with pytest.raises(ResetNeeded):
        env.static_scene()
    env.reset(seed=1)
    assert env.scenario_name == "crossing"
    assert env.renderer_name == "synthetic" and env.video_size is None
    static = env.static_scene()
    assert isinstance(static, StaticScene) and static is env.static_scene()
    assert static.dt_s == 0.1 and static.max_steps == env.max_episode_steps
    assert static.start_xy_m == env.sim.start_xy and len(static.obstacles_m) == 2
    assert len(static.lidar_angles_rad) == 72
    snap = env.frame_snapshot()
    assert isinstance(snap, FrameSnapshot) and snap.step == 0 and snap.outcome is None
    assert snap is env.frame_snapshot()  # cached until the next step
    for _ in range(230):
        env.step(np.array([0.0, 0.5], np.float32))
    snap = env.frame_snapshot()
    assert snap.step == 230 and snap.time_s == pytest.approx(23.0)
    assert snap.trail_m.shape == (200, 2)  # bounded
    assert snap.ped_positions_m.shape == (12, 2) and snap.lidar_ranges_m.shape == (72,)
    np.testing.assert_array_equal(snap.robot_pose, env.sim.robot.pose())
    assert len(pack_snapshot(snap)) > 0
    env.step(np.zeros(2, np.float32))
    assert env.frame_snapshot().ped_positions_m is not snap.ped_positions_m
    env.reset(seed=2)
    assert env.static_scene() is not static


def test_observation_layout_decodes_what_it_encodes():
    env = SocialNavEnv("corridor")
    obs, _ = env.reset(seed=4)
    layout = env.observation_layout
    assert obs.shape == (layout.size,) and layout.num_rays >= 64
    decoded = layout.decode(obs)
    np.testing.assert_allclose(decoded.lidar_ranges_m, env.sim.lidar_ranges_m, rtol=1e-6)
    assert decoded.goal_distance_m == pytest.approx(env.sim.goal_distance_m, rel=1e-5)
    robot = env.sim.robot
    gx, gy = env.sim.goal_xy
    bearing = math.atan2(gy - robot.y, gx - robot.x) - robot.theta
    assert math.cos(decoded.goal_bearing_rad - bearing) == pytest.approx(1.0, abs=1e-6)


def test_user_scenarios_and_hostile_names(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '["../../x"]\nmax_episode_steps = 5\nbounds_m = [0, 0, 5, 5]\n'
        "robot = { start_m = [1, 1], goal_m = [4, 4] }\n",
        encoding="utf-8",
    )
    env = SocialNavEnv("../../x", scenarios_file=path)
    env.reset(seed=0)
    assert env.scenario_name == "../../x" and env.static_scene().scenario == "../../x"
    assert env.max_episode_steps == 5


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"renderer": "opengl"}, UsageError, ["'opengl'", "synthetic", "sim-view"]),
        ({"render_mode": "human"}, UsageError, ["'human'", "rgb_array"]),
        ({"scenario": "nowhere"}, ScenarioError, ["'nowhere'", "crossing"]),
        ({"max_episode_steps": 0}, UsageError, ["max_episode_steps", ">= 1"]),
        ({"max_episode_steps": 5, "max_steps": 6}, UsageError, ["max_steps", "disagree"]),
        ({"video_size": (321, 240)}, UsageError, ["321x240", "even"]),
    ],
)
def test_bad_arguments_give_one_line_errors(kwargs, error, words):
    with pytest.raises(error) as exc:
        SocialNavEnv(**kwargs)
    assert "\n" not in str(exc.value)
    for word in words:
        assert word in str(exc.value)


def test_bad_actions_are_usage_errors_and_out_of_range_is_clipped():
    env = SocialNavEnv("empty")
    env.reset(seed=0)
    for bad in ([1.0], [np.nan, 0.0], "go"):
        with pytest.raises(UsageError):
            env.step(bad)
    _, _, _, _, info = env.step(np.array([5.0, -5.0]))
    assert env.sim.robot.v <= env.config.sim.robot.max_speed_mps
    assert info["step"] == 1
