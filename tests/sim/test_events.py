"""Episode events come from the metric code itself, so they always agree with metrics."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from robot_sf_gym_video import run_batch
from robot_sf_gym_video.benchmark.validate import validate_run
from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.policies import make_policy
from robot_sf_gym_video.records.schema import record_errors
from robot_sf_gym_video.sim.metrics import EpisodeMetrics, compute_metrics


def assert_agree(metrics: dict, events: list[dict], outcome: str, steps: int) -> None:
    """The agreements the schema promises (counts, first collision step, goal step)."""
    kinds = [e["kind"] for e in events]
    assert [e["step"] for e in events] == sorted(e["step"] for e in events)
    assert kinds.count("near_miss") == metrics["near_miss_events"]
    assert metrics["near_miss_events"] <= metrics["near_miss_steps"]
    collisions = [e for e in events if e["kind"] == "collision"]
    assert (collisions[0]["step"] if collisions else None) == metrics["collision_step"]
    assert [e["step"] for e in events if e["kind"] == "goal"] == (
        [steps] if outcome == "success" else []
    )
    for event in events:
        assert math.isclose(event["t_s"], event["step"] * 0.1)
        if event["kind"] == "near_miss":
            assert event["with"]["type"] == "pedestrian"
        if event["kind"] == "collision":
            assert event["with"]["type"] in ("pedestrian", "obstacle", "wall")
            assert event["with"]["type"] == (
                "pedestrian" if metrics["collision_kind"] == "pedestrian" else event["with"]["type"]
            )


def test_crafted_trajectory_gives_one_near_miss_per_interval():
    # Surface distances per step: two near-miss intervals (steps 2-3, 5-6), then a hit.
    closest = [1.0, 0.2, 0.1, 0.5, 0.2, 0.24, -0.1, -0.2, 1.0]
    acc = EpisodeMetrics(0.1)
    acc.reset((0.0, 0.0), (10.0, 0.0), 0.5)
    for step, d in enumerate(closest, start=1):
        hit = "pedestrian" if d < 0 else None
        acc.update(
            0.1 * step,
            0.0,
            d,
            5.0,
            hit,
            contact=("pedestrian", 7) if hit else None,
            closest_ped_id=7,
        )
    events = acc.events("collision")
    assert [(e["step"], e["kind"]) for e in events] == [
        (2, "near_miss"),
        (5, "near_miss"),
        (7, "collision"),
    ]
    assert events[-1]["with"] == {"type": "pedestrian", "id": 7}
    metrics = acc.result("collision")
    assert metrics["near_miss_events"] == 2 and metrics["near_miss_steps"] == 4
    assert_agree(metrics, events, "collision", len(closest))
    # The whole-array helper is the same accumulator.
    pos = np.stack((0.1 * np.arange(len(closest) + 1), np.zeros(len(closest) + 1)), axis=1)
    assert (
        compute_metrics(
            pos,
            goal_xy=(10, 0),
            goal_radius_m=0.5,
            dt_s=0.1,
            outcome="collision",
            closest_ped_m=closest,
            collisions=[("pedestrian" if d < 0 else None) for d in closest],
        )["near_miss_events"]
        == 2
    )


@pytest.mark.parametrize(
    ("scenario", "policy"), [("open_crowd", "random"), ("crossing", "goal"), ("doorway", "random")]
)
def test_env_episodes_report_events_that_agree_with_metrics(scenario, policy):
    seen = set()
    for seed in range(4):
        env = SocialNavEnv(scenario=scenario)
        obs, _ = env.reset(seed=seed)
        act = make_policy(policy, env, seed=seed)
        done, steps = False, 0
        while not done:
            obs, _, terminated, truncated, info = env.step(act(obs))
            done, steps = terminated or truncated, steps + 1
        assert_agree(info["metrics"], info["events"], info["outcome"], steps)
        seen |= {e["kind"] for e in info["events"]}
    assert seen  # every batch of episodes here has something happen


def test_collision_names_what_was_hit():
    env = SocialNavEnv(scenario="empty")
    env.reset(seed=0)
    env.sim.robot.x, env.sim.robot.y = env.sim.world.bounds_m[0] + 0.1, 5.0  # into the left wall
    env.sim.refresh()
    assert env.sim.collision == "obstacle" and env.sim.contact == ("wall", 3)


def test_records_carry_events_that_validate_and_agree(tmp_path):
    run_batch(tmp_path / "run", scenarios=["open_crowd"], episodes=3, seed=1, policy="random")
    lines = (tmp_path / "run" / "episodes.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    for record in records:
        assert "events" in record
        assert_agree(record["metrics"], record["events"], record["outcome"], record["steps"])
    assert validate_run(tmp_path / "run") == []
    broken = dict(records[0], events=[{"step": 0, "t_s": 0.0, "kind": "bump", "with": None}])
    assert len(record_errors(broken)) >= 2  # step below 1, unknown kind
