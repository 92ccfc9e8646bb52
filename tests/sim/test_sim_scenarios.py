"""Built-in scenarios and validation of user scenario files."""

import pytest

from robot_sf_gym_video.errors import ScenarioError, UsageError
from robot_sf_gym_video.sim.scenarios import (
    ScenarioSpec,
    list_scenarios,
    load_scenario,
    load_scenario_file,
)

VALID = """
format_version = 1

[mine]
max_episode_steps = 120
bounds_m = [0, 0, 10, 8]

[mine.robot]
start_m = [1, 4]
goal_m = [9, 4]

[[mine.obstacles]]
rect_m = [4, 0, 5, 2]

[[mine.obstacles]]
segment_m = [[4, 6], [5, 8]]

[[mine.flows]]
count = 3
route_m = [[5, 7.5], [5, 2.5]]
"""


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_builtins_are_listed_and_load():
    names = list_scenarios()
    assert {"crossing", "corridor", "doorway", "open_crowd", "empty"} <= set(names)
    for name in names:
        spec = load_scenario(name)
        assert isinstance(spec, ScenarioSpec) and spec.name == name
        assert 50 <= spec.max_episode_steps <= 1000
    assert load_scenario("open_crowd").ped_count >= 45
    assert load_scenario("empty").ped_count == 0
    assert load_scenario("corridor").ped_count > 0


def test_specs_are_frozen():
    spec = load_scenario("crossing")
    with pytest.raises(AttributeError):
        spec.max_episode_steps = 3


def test_user_file_loads_with_defaults(tmp_path):
    specs = load_scenario_file(write(tmp_path, VALID))
    spec = specs["mine"]
    assert spec.robot.goal_radius_m == 0.5 and spec.robot.heading_rad is None
    assert spec.flows[0].mode == "respawn" and spec.flows[0].count == 3
    assert len(spec.obstacles_m) == 2 and len(spec.obstacles_m[1]) == 2
    assert spec.source.endswith("s.toml")


def test_user_file_is_searched_before_builtins(tmp_path):
    path = write(
        tmp_path, VALID + VALID.replace("[mine", "[crossing").split("format_version = 1")[1]
    )
    assert load_scenario("crossing", path).max_episode_steps == 120  # overridden
    assert load_scenario("mine", path).name == "mine"
    assert load_scenario("corridor", path).name == "corridor"  # built-ins still there


HOSTILE = """
["../../x"]
max_episode_steps = 10
bounds_m = [0, 0, 5, 5]
robot = { start_m = [1, 1], goal_m = [4, 4] }

["<script>"]
max_episode_steps = 10
bounds_m = [0, 0, 5, 5]
robot = { start_m = [1, 1], goal_m = [4, 4] }
"""


def test_hostile_names_are_plain_data(tmp_path):
    path = write(tmp_path, HOSTILE)
    assert set(load_scenario_file(path)) == {"../../x", "<script>"}
    assert load_scenario("../../x", path).name == "../../x"


def assert_one_line(exc, *parts):
    message = str(exc.value)
    assert "\n" not in message
    for part in parts:
        assert part in message, (part, message)
    assert isinstance(exc.value, UsageError)


def test_unknown_name_lists_valid_ones(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        load_scenario("crosing")
    assert_one_line(exc, "'crosing'", "crossing", "corridor", "empty")
    with pytest.raises(ScenarioError) as exc:
        load_scenario("nope", write(tmp_path, VALID))
    assert_one_line(exc, "'nope'", "mine", "crossing", "s.toml")


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        load_scenario_file(tmp_path / "absent.toml")
    assert_one_line(exc, "absent.toml", "cannot read")


def test_bad_toml(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        load_scenario_file(write(tmp_path, "[mine\nx = 1\n"))
    assert_one_line(exc, "s.toml", "not valid TOML")


@pytest.mark.parametrize(
    ("edit", "field", "words"),
    [
        (("start_m = [1, 4]\n", ""), "robot.start_m", "required"),
        (("max_episode_steps = 120\n", ""), "max_episode_steps", "required"),
        (("max_episode_steps = 120", "max_episode_steps = 0"), "max_episode_steps", ">= 1"),
        (("max_episode_steps = 120", "max_episode_steps = 1.5"), "max_episode_steps", "integer"),
        (("max_episode_steps = 120", "max_episode_steps = true"), "max_episode_steps", "integer"),
        (("bounds_m = [0, 0, 10, 8]", "bounds_m = [0, 0, -1, 8]"), "bounds_m", "x_min"),
        (("bounds_m = [0, 0, 10, 8]", "bounds_m = [0, 0, 10]"), "bounds_m", "x_max"),
        (("goal_m = [9, 4]", "goal_m = [19, 4]"), "robot.goal_m", "inside bounds"),
        (("goal_m = [9, 4]", "goal_m = [4.5, 1]"), "robot.goal_m", "obstacles[0]"),
        (("goal_m = [9, 4]", 'goal_m = "far"'), "robot.goal_m", "[x, y]"),
        (("goal_m = [9, 4]", "goal_m = [9, 4]\ngoal_radus_m = 1"), "robot.goal_radus_m", "unknown"),
        (("count = 3", "count = -1"), "flows[0].count", ">= 0"),
        (("count = 3", 'count = 3\nmode = "zigzag"'), "flows[0].mode", "respawn, reverse, wander"),
        (("route_m = [[5, 7.5], [5, 2.5]]", "route_m = [[5, 7.5]]"), "flows[0].route_m", "2"),
        (("route_m = [[5, 7.5], [5, 2.5]]", "route_m = [[5, 7.5], [5, 20]]"), "route_m", "bounds"),
        (("rect_m = [4, 0, 5, 2]", "circle_m = [4, 0, 1]"), "obstacles[0]", "exactly one of"),
        (("[mine.robot]", "speed = 3\n[mine.robot]"), "speed", "unknown field"),
        (("[mine.robot]", "robot_visible = 0\n[mine.robot]"), "robot_visible", "true or false"),
    ],
)
def test_invalid_fields_name_file_scenario_and_field(tmp_path, edit, field, words):
    old, new = edit
    assert old in VALID
    path = write(tmp_path, VALID.replace(old, new, 1))
    with pytest.raises(ScenarioError) as exc:
        load_scenario_file(path)
    assert_one_line(exc, "s.toml", "'mine'", field, words)


def test_empty_file_and_bad_version(tmp_path):
    with pytest.raises(ScenarioError) as exc:
        load_scenario_file(write(tmp_path, "# nothing\n"))
    assert_one_line(exc, "no scenarios")
    with pytest.raises(ScenarioError) as exc:
        load_scenario_file(write(tmp_path, "format_version = 2\n" + VALID.split("\n", 2)[2]))
    assert_one_line(exc, "format_version", "2")
    with pytest.raises(ScenarioError) as exc:
        load_scenario_file(write(tmp_path, "stray = 1\n" + VALID))
    assert_one_line(exc, "'stray'", "not a scenario table")


def test_wander_flow_needs_area(tmp_path):
    text = VALID.replace("route_m = [[5, 7.5], [5, 2.5]]", 'mode = "wander"')
    with pytest.raises(ScenarioError) as exc:
        load_scenario_file(write(tmp_path, text))
    assert_one_line(exc, "flows[0].area_m", "required")
    ok = text.replace('mode = "wander"', 'mode = "wander"\narea_m = [1, 1, 9, 7]')
    assert load_scenario_file(write(tmp_path, ok))["mine"].flows[0].area_m == (1, 1, 9, 7)


def test_robot_visible_is_a_scenario_option(tmp_path):
    text = VALID.replace("[mine.robot]", "robot_visible = false\n[mine.robot]", 1)
    assert load_scenario_file(write(tmp_path, text))["mine"].robot_visible is False
    assert load_scenario_file(write(tmp_path, VALID, "t.toml"))["mine"].robot_visible is True
    visible = {name: load_scenario(name).robot_visible for name in list_scenarios()}
    assert [n for n, v in visible.items() if not v] == ["oblivious_crossing"]
