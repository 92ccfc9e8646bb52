"""The run manifest: what run.json holds, scenario hashes, and --resume refusing a changed batch."""

import dataclasses
import json
import logging

import pytest

from robot_sf_gym_video import __version__
from robot_sf_gym_video.benchmark import cli
from robot_sf_gym_video.benchmark.manifest import (
    diff_manifest,
    load_manifest,
    scenario_sha256,
)
from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.benchmark.validate import validate_run
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.sim.scenarios import load_scenario

from .conftest import records_of

SCENARIO_TOML = """
[tiny]
max_episode_steps = 40
bounds_m = [0, 0, 8, 6]
[tiny.robot]
start_m = [1, 3]
goal_m = [7, 3]
[[tiny.flows]]
count = {count}
mode = "respawn"
route_m = [[7, 1], [1, 1]]
"""


def _bench(argv):
    """Run the CLI in this process and return its exit code."""
    return cli.main(argv)


def test_run_json_describes_the_batch(tmp_path):
    out = tmp_path / "run"
    run_batch(out, scenarios=["crossing", "empty"], episodes=2, seed=3, max_steps=5)
    manifest = json.loads((out / "run.json").read_text())
    assert manifest == load_manifest(out)
    assert manifest["scenarios"] == [
        {"name": "crossing", "sha256": scenario_sha256(load_scenario("crossing"))},
        {"name": "empty", "sha256": scenario_sha256(load_scenario("empty"))},
    ]
    assert (manifest["episodes"], manifest["seed"], manifest["max_steps"]) == (2, 3, 5)
    assert manifest["policy"] == {"spec": "goal", "sha256": None}
    assert manifest["video"] == {"enabled": False}
    assert manifest["package_version"] == __version__
    assert {r["base_seed"] for r in records_of(out)} == {3}


def test_run_json_records_the_video_settings(tmp_path):
    out = tmp_path / "run"
    run_batch(out, episodes=1, max_steps=3, video_enabled=True, video_size="320x240")
    video = load_manifest(out)["video"]
    assert video == {
        "enabled": True,
        "renderer": "synthetic",
        "size": [320, 240],
        "fps": 10.0,
        "episodes": "all",
    }
    out2 = tmp_path / "default"
    run_batch(out2, episodes=1, max_steps=3, video_enabled=True)
    assert load_manifest(out2)["video"]["size"] == [256, 192]  # the renderer's default


@pytest.mark.parametrize(
    ("changed", "key"),
    [
        (["--seed", "5"], "seed"),
        (["--max-steps", "6"], "max_steps"),
        (["--policy", "zero"], "policy.spec"),
        (["--video"], "video.enabled"),
        (["--episodes", "1"], "episodes"),
        (["--scenario", "empty"], "scenarios"),
    ],
)
def test_resume_with_a_different_batch_is_refused_naming_the_key(tmp_path, capsys, changed, key):
    out = tmp_path / "run"
    base = ["run", "--out", str(out), "--quiet", "--episodes", "2", "--max-steps", "4"]
    assert _bench([*base, "--scenario", "crossing"]) == 0
    before = (out / "episodes.jsonl").read_bytes(), (out / "run.json").read_bytes()
    capsys.readouterr()
    argv = [*base, "--resume", *changed]
    if "--scenario" not in changed:
        argv += ["--scenario", "crossing"]
    assert _bench(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"different {key}" in err and "only --episodes may grow" in err
    # nothing of the run was touched
    assert ((out / "episodes.jsonl").read_bytes(), (out / "run.json").read_bytes()) == before


def test_resume_with_other_video_settings_names_each_key(tmp_path, capsys):
    out = tmp_path / "run"
    base = ["run", "--out", str(out), "--quiet", "--max-steps", "3", "--video"]
    assert _bench(base) == 0
    capsys.readouterr()
    changed = ["--video-renderer", "sim-view", "--video-size", "320x240"]
    assert _bench([*base, "--resume", *changed]) == 2
    err = capsys.readouterr().err
    assert "different video.renderer, video.size " in err


def test_resume_may_grow_episodes(tmp_path):
    out = tmp_path / "run"
    run_batch(out, episodes=1, max_steps=4)
    summary = run_batch(out, episodes=3, max_steps=4, resume=True)
    assert (summary.episodes_skipped_resume, summary.episodes_run) == (1, 2)
    assert load_manifest(out)["episodes"] == 3
    assert [r["episode_idx"] for r in records_of(out)] == [0, 1, 2]


def test_resume_refuses_a_changed_scenario_definition(tmp_path):
    scenarios = tmp_path / "s.toml"
    scenarios.write_text(SCENARIO_TOML.format(count=2))
    out = tmp_path / "run"
    run_batch(out, scenarios_file=scenarios, episodes=1, max_steps=3)
    scenarios.write_text(SCENARIO_TOML.format(count=3))
    with pytest.raises(UsageError, match=r"different scenarios\.tiny "):
        run_batch(out, scenarios_file=scenarios, episodes=1, max_steps=3, resume=True)
    scenarios.write_text("# moved\n" + SCENARIO_TOML.format(count=2))  # same definition
    run_batch(out, scenarios_file=scenarios, episodes=2, max_steps=3, resume=True)


def test_scenario_hash_covers_the_definition_only():
    spec = load_scenario("crossing")
    digest = scenario_sha256(spec)
    assert len(digest) == 64 and digest == scenario_sha256(load_scenario("crossing"))
    assert digest != scenario_sha256(load_scenario("corridor"))
    assert scenario_sha256(dataclasses.replace(spec, source="elsewhere.toml")) == digest
    assert scenario_sha256(dataclasses.replace(spec, description="other words")) == digest
    assert scenario_sha256(dataclasses.replace(spec, max_episode_steps=7)) != digest
    robot = dataclasses.replace(spec.robot, goal_radius_m=spec.robot.goal_radius_m + 0.1)
    assert scenario_sha256(dataclasses.replace(spec, robot=robot)) != digest
    flow = dataclasses.replace(spec.flows[0], count=spec.flows[0].count + 1)
    flows = (flow, *spec.flows[1:])
    assert scenario_sha256(dataclasses.replace(spec, flows=flows)) != digest


def test_diff_manifest_names_nested_keys_and_lets_episodes_grow():
    old = {
        "manifest_version": "run.v1",
        "episodes": 2,
        "seed": 0,
        "policy": {"spec": "goal", "sha256": None},
        "video": {"enabled": True, "renderer": "synthetic", "size": [256, 192]},
        "scenarios": [{"name": "a", "sha256": "1"}, {"name": "b", "sha256": "2"}],
    }
    assert diff_manifest(old, old) == []
    grown = {**old, "episodes": 5, "scenarios": old["scenarios"][::-1]}
    assert diff_manifest(old, grown) == []  # more episodes; scenario order is no identity
    new = {
        **old,
        "episodes": 1,
        "policy": {"spec": "goal", "sha256": "f" * 64},
        "video": {"enabled": False},
        "scenarios": [{"name": "a", "sha256": "1"}, {"name": "b", "sha256": "3"}],
    }
    assert diff_manifest(old, new) == [
        "episodes",
        "policy.sha256",
        "scenarios.b",
        "video.enabled",
        "video.renderer",
        "video.size",
    ]
    assert diff_manifest(old, {**old, "scenarios": old["scenarios"][:1]}) == ["scenarios"]
    assert diff_manifest(old, {**old, "package_version": "9"}) == ["package_version"]


def test_malformed_run_json_is_one_line_usage_error(tmp_path):
    (tmp_path / "run.json").write_text("{not json")
    with pytest.raises(UsageError, match="not valid JSON"):
        load_manifest(tmp_path)
    (tmp_path / "run.json").write_text('{"seed": 0}')
    with pytest.raises(UsageError, match="not a run manifest"):
        load_manifest(tmp_path)
    assert load_manifest(tmp_path / "nothing") is None


def _make_v1_run(out):
    """A run as an older version left it: v1 records, no run.json."""
    run_batch(out, episodes=2, max_steps=4)
    (out / "run.json").unlink()
    lines = []
    for record in records_of(out):
        record["schema_version"] = "episode.v1"
        record.pop("actions", None)  # v1 had no action logs
        record.pop("events", None)  # nor events
        lines.append(json.dumps(record) + "\n")
    (out / "episodes.jsonl").write_text("".join(lines))


def test_v1_run_without_manifest_validates_reports_and_resumes(tmp_path, caplog):
    from robot_sf_gym_video.report import write_report

    out = tmp_path / "run"
    _make_v1_run(out)
    assert validate_run(out) == []
    assert "crossing__" in write_report(out).read_text()
    with caplog.at_level(logging.WARNING, logger="robot_sf_gym_video"):
        summary = run_batch(out, episodes=3, max_steps=4, resume=True)
    warned = [r.getMessage() for r in caplog.records if "run.json" in r.getMessage()]
    assert len(warned) == 1 and "cannot check its scenario definitions" in warned[0]
    assert (summary.episodes_skipped_resume, summary.episodes_run) == (2, 1)
    versions = [r["schema_version"] for r in records_of(out)]
    assert versions == ["episode.v1", "episode.v1", "episode.v2"]
    assert validate_run(out) == []
    assert load_manifest(out)["episodes"] == 3  # checked from here on


@pytest.mark.parametrize(
    ("changed", "keys"),
    [({"seed": 9}, "seed"), ({"policy": "zero", "max_steps": 5}, "max_steps, policy.spec")],
)
def test_v1_run_without_manifest_refuses_what_its_records_contradict(tmp_path, changed, keys):
    out = tmp_path / "run"
    _make_v1_run(out)
    before = (out / "episodes.jsonl").read_bytes()
    with pytest.raises(UsageError, match=f"different {keys} "):
        run_batch(out, **{"episodes": 2, "max_steps": 4, **changed, "resume": True})
    assert (out / "episodes.jsonl").read_bytes() == before and not (out / "run.json").exists()


def test_record_settings_keeps_only_what_records_agree_on():
    from robot_sf_gym_video.benchmark.manifest import record_settings

    a = {"base_seed": 0, "max_steps": None, "policy": "goal"}
    assert record_settings([a, a]) == {"seed": 0, "max_steps": None, "policy.spec": "goal"}
    mixed = [a, {**a, "policy": "zero"}, {"base_seed": 0, "max_steps": None}]
    assert record_settings(mixed) == {"seed": 0, "max_steps": None}
    assert record_settings([]) == {}


def test_manifest_settings_uses_the_record_keys_and_survives_bad_entries():
    from robot_sf_gym_video.benchmark.manifest import manifest_settings

    manifest = {
        "seed": 3,
        "max_steps": None,
        "policy": {"spec": "goal", "sha256": None},
        "scenarios": [{"name": "a", "sha256": "1"}, "junk", {"sha256": "2"}],
    }
    assert manifest_settings(manifest) == {
        "seed": 3,
        "max_steps": None,
        "policy.spec": "goal",
        "scenarios.a": "1",
    }
    assert manifest_settings({"policy": "not a table", "scenarios": 7}) == {}
