"""Physics of the crowd and the simulation: avoidance, walls, speed caps, determinism."""

import dataclasses

import numpy as np
import pytest

from robot_sf_gym_video.sim.scenarios import FlowSpec, RobotSpec, ScenarioSpec, load_scenario
from robot_sf_gym_video.sim.simulator import Simulation


def open_room(flows=(), obstacles=(), robot_start=(1.0, 1.0), size=(20.0, 10.0)):
    return ScenarioSpec(
        name="room",
        bounds_m=(0.0, 0.0, *size),
        robot=RobotSpec(start_m=robot_start, goal_m=(size[0] - 1.0, 1.0)),
        max_episode_steps=500,
        obstacles_m=obstacles,
        flows=flows,
    )


def pair_surface_distances(pos, radius):
    d = np.hypot(pos[:, None, 0] - pos[None, :, 0], pos[:, None, 1] - pos[None, :, 1])
    np.fill_diagonal(d, np.inf)
    return d.min() - 2 * radius


def run(sim, steps, linear=0.0, angular=0.0, every=None):
    for _ in range(steps):
        sim.step(linear, angular)
        if every is not None:
            every(sim)


def test_two_pedestrians_head_on_step_aside():
    flows = (
        FlowSpec(count=1, mode="respawn", route_m=((2.0, 5.0), (18.0, 5.0))),
        FlowSpec(count=1, mode="respawn", route_m=((18.0, 5.0), (2.0, 5.0))),
    )
    sim = Simulation(open_room(flows))
    sim.reset(np.random.default_rng(0))
    crowd = sim.crowd
    crowd.set_state(
        [[4.0, 5.0], [16.0, 5.02]], [[1.2, 0.0], [-1.2, 0.0]], [[18.0, 5.0], [2.0, 5.0]]
    )
    gaps = []
    run(sim, 90, every=lambda s: gaps.append(pair_surface_distances(s.crowd.pos, 0.25)))
    assert min(gaps) > 0.1  # they never touch
    assert crowd.pos[0, 0] > 11.0 and crowd.pos[1, 0] < 9.0  # and they got past each other


def test_pedestrian_avoids_a_standing_robot():
    flows = (FlowSpec(count=1, mode="respawn", route_m=((2.0, 5.0), (18.0, 5.0))),)
    sim = Simulation(open_room(flows, robot_start=(10.0, 5.0)))
    sim.reset(np.random.default_rng(0))
    sim.crowd.set_state([[3.0, 5.03]], [[1.3, 0.0]], [[18.0, 5.0]])
    gaps, xs = [], []
    run(
        sim,
        120,
        every=lambda s: (gaps.append(s.closest_ped_distance_m), xs.append(s.crowd.pos[0, 0])),
    )
    assert min(gaps) > 0.15
    assert sim.collision is None
    assert max(xs) > 14.0  # walked around, not stuck behind the robot


def test_an_oblivious_crowd_walks_into_the_robot():
    """robot_visible=False: the same walker as above now ignores the robot and hits it."""
    flows = (FlowSpec(count=1, mode="respawn", route_m=((2.0, 5.0), (18.0, 5.0))),)
    spec = dataclasses.replace(open_room(flows, robot_start=(10.0, 5.0)), robot_visible=False)
    sim = Simulation(spec)
    sim.reset(np.random.default_rng(0))
    sim.crowd.set_state([[3.0, 5.03]], [[1.3, 0.0]], [[18.0, 5.0]])
    hit = []
    run(sim, 120, every=lambda s: hit.append(s.collision))
    assert "pedestrian" in hit


def test_robot_visibility_only_removes_the_robot_term():
    """An invisible robot next to the crowd acts on it exactly like no robot nearby."""
    flows = (FlowSpec(count=3, mode="wander", area_m=(1.0, 1.0, 19.0, 9.0)),)
    states = {}
    for visible, robot_xy in ((False, (5.0, 5.0)), (True, (5.0, 5.0)), (True, (100.0, 100.0))):
        spec = dataclasses.replace(open_room(flows, robot_start=(5.0, 5.0)), robot_visible=visible)
        sim = Simulation(spec)
        sim.reset(np.random.default_rng(4))
        sim.crowd.set_state([[5.5, 5.0], [4.4, 5.3], [12.0, 7.0]], [[0.5, 0.0]] * 3)
        states[(visible, robot_xy)] = sim.crowd._acceleration(robot_xy, (0.5, 0.0), 0.3)
    hidden, seen, far = (states[k] for k in states)
    np.testing.assert_array_equal(hidden[0], far[0])
    np.testing.assert_array_equal(hidden[1], far[1])
    assert not np.allclose(seen[0], far[0])


@pytest.mark.parametrize("name", ["corridor", "open_crowd", "doorway"])
def test_crowds_never_walk_into_a_standing_robot(name):
    for seed in range(3):
        sim = Simulation(load_scenario(name))
        sim.reset(np.random.default_rng(seed))
        gaps = []
        run(sim, 300, every=lambda s, g=gaps: g.append(s.closest_ped_distance_m))
        assert min(gaps) > 0.0, (name, seed)


def test_pedestrians_rarely_overlap_each_other():
    sim = Simulation(load_scenario("open_crowd"))
    sim.reset(np.random.default_rng(1))
    gaps = []
    run(sim, 300, every=lambda s: gaps.append(pair_surface_distances(s.crowd.pos, 0.25)))
    gaps = np.array(gaps)
    assert gaps.min() > -0.15  # bodies may compress a little in a dense crowd, never pass
    assert (gaps < -0.05).mean() < 0.05  # and hardly ever by more than a few centimetres


def test_nobody_passes_through_walls():
    sim = Simulation(load_scenario("doorway"))
    sim.reset(np.random.default_rng(2))
    r = sim.crowd.radius_m
    door = (5.2, 6.8)
    crossings = 0
    previous = sim.crowd.pos.copy()
    for _ in range(600):
        sim.step(0.0, 0.0)
        pos = sim.crowd.pos
        assert sim.world.clearance(pos[:, 0], pos[:, 1]).min() >= r - 1e-6
        assert sim.world.is_free(pos[:, 0], pos[:, 1], 0.0).all()
        switched = np.sign(pos[:, 0] - 8.0) != np.sign(previous[:, 0] - 8.0)
        jumped = np.hypot(*(pos - previous).T) > 1.0  # respawned walkers teleport
        through = switched & ~jumped
        crossings += int(through.sum())
        assert np.all((pos[through, 1] > door[0]) & (pos[through, 1] < door[1]))
        previous = pos.copy()
    assert crossings > 3  # people do use the door


def test_pedestrian_pushed_at_a_wall_stays_on_its_side():
    wall = (((10.0, 0.0), (10.0, 10.0)),)
    flows = (FlowSpec(count=1, mode="respawn", route_m=((2.0, 5.0), (18.0, 5.0))),)
    sim = Simulation(open_room(flows, obstacles=wall))
    sim.reset(np.random.default_rng(0))
    sim.crowd.set_state([[8.0, 5.0]], [[2.0, 0.0]], [[18.0, 5.0]])
    for _ in range(100):
        sim.step(0.0, 0.0)
        assert sim.crowd.pos[0, 0] <= 10.0 - 0.25 + 1e-9


def test_speed_caps_hold():
    sim = Simulation(load_scenario("open_crowd"))
    sim.reset(np.random.default_rng(3))
    cap = sim.config.pedestrians.max_speed_mps
    for _ in range(300):
        sim.step(0.0, 0.0)
        speed = np.hypot(*sim.crowd.vel.T)
        assert np.all(speed <= sim.crowd.speed_max + 1e-9)
        assert speed.max() <= cap + 1e-9
    assert cap * sim.dt_s < sim.crowd.radius_m  # no tunnelling through thin walls


def test_flows_recycle_and_density_holds():
    sim = Simulation(load_scenario("crossing"))
    sim.reset(np.random.default_rng(4))
    n = len(sim.crowd)
    assert n == sim.spec.ped_count
    jumps = 0
    previous = sim.crowd.pos.copy()
    speeds = []
    for _ in range(800):
        sim.step(0.0, 0.0)
        jumps += int((np.hypot(*(sim.crowd.pos - previous).T) > 1.0).sum())
        previous = sim.crowd.pos.copy()
        speeds.append(np.hypot(*sim.crowd.vel.T).mean())
    assert len(sim.crowd) == n
    assert jumps >= n  # every walker reached the end and came back at least once on average
    assert np.mean(speeds[-100:]) > 0.6  # still walking, not jammed


def test_reverse_flow_walks_back_and_forth():
    flows = (FlowSpec(count=4, mode="reverse", route_m=((2.0, 5.0), (18.0, 5.0)), jitter_m=1.0),)
    sim = Simulation(open_room(flows, robot_start=(1.0, 1.0)))
    sim.reset(np.random.default_rng(5))
    xs = []
    run(sim, 600, every=lambda s: xs.append(s.crowd.pos[:, 0].copy()))
    xs = np.array(xs)
    assert xs.min() < 4.0 and xs.max() > 16.0
    assert np.all(np.abs(np.diff(xs, axis=0)) < 0.5)  # no teleporting in reverse mode


def test_simulation_is_deterministic_given_the_generator():
    def rollout(seed):
        sim = Simulation(load_scenario("open_crowd"))
        sim.reset(np.random.default_rng(seed))
        actions = np.random.default_rng(99).uniform(-1, 1, (150, 2))
        for a in actions:
            sim.step(*a)
        return sim.crowd.pos.copy(), sim.robot.pose(), sim.lidar_ranges_m.copy()

    a, b, c = rollout(7), rollout(7), rollout(8)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


def test_collisions_are_detected():
    sim = Simulation(open_room((FlowSpec(count=1, mode="respawn", route_m=((2, 5), (18, 5))),)))
    sim.reset(np.random.default_rng(0))
    sim.robot.reset(5.0, 5.0, 0.0)
    sim.crowd.set_state([[5.5, 5.0]])
    sim.refresh()
    assert sim.collision == "pedestrian" and sim.closest_ped_distance_m < 0
    sim.crowd.set_state([[15.0, 5.0]])
    sim.robot.reset(0.2, 5.0, 0.0)
    sim.refresh()
    assert sim.collision == "obstacle" and sim.obstacle_clearance_m < 0


def test_start_and_goal_jitter_stay_in_free_space():
    spec = load_scenario("empty")
    sim = Simulation(spec)
    starts = set()
    for seed in range(20):
        sim.reset(np.random.default_rng(seed))
        starts.add(sim.start_xy)
        assert np.hypot(*np.subtract(sim.start_xy, spec.robot.start_m)) <= spec.robot.start_jitter_m
        assert sim.world.is_free(*np.array([sim.goal_xy]).T, sim.robot.params.radius_m).all()
        assert len(sim.trail) == 1 and sim.collision is None
    assert len(starts) == 20
