"""The environment and metrics docs stay true to the code."""

import re
from pathlib import Path

from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.sim.metrics import METRIC_KEYS
from robot_sf_gym_video.sim.scenarios import list_scenarios, load_scenario_file

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_scenario_file_example_loads_and_runs(tmp_path):
    text = (DOCS / "environment.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")
    spec = load_scenario_file(path)["my_crossing"]
    assert spec.ped_count == 16 and len(spec.obstacles_m) == 3
    env = SocialNavEnv("my_crossing", scenarios_file=path)
    env.reset(seed=0)
    env.step(env.action_space.sample())


def test_builtin_scenarios_are_documented():
    text = (DOCS / "environment.md").read_text(encoding="utf-8")
    for name in list_scenarios():
        assert f"| `{name}` |" in text


def test_every_metric_is_defined():
    text = (DOCS / "metrics.md").read_text(encoding="utf-8")
    for key in METRIC_KEYS:
        assert f"| `{key}` |" in text, key
