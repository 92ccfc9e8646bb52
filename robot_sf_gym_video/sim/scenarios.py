"""Scenarios as data: TOML loading and validation into typed specs.

- ``RobotSpec``, ``FlowSpec``, ``ScenarioSpec``, ``FLOW_MODES``: the data model, defined in
  ``scenario_spec`` (so physics can import it without the reader) and re-exported here.
- ``list_scenarios()``: names of the built-in scenarios shipped in ``sim/scenarios/*.toml``.
- ``load_scenario(name, scenarios_file=None)``: one scenario, from a user file first and the
  built-ins second.
- ``load_scenario_file(path)``: every scenario of one TOML file, validated.

A file holds one top-level table per scenario (``[crossing]``, ``["my scenario"]``) and an
optional ``format_version = 1``. Every problem raises ``ScenarioError`` with one line naming
the file, the scenario and the field; unknown fields are errors too, so a typo never passes
silently (field access goes through ``scenario_table.Table``). The format is documented in
``docs/environment.md``.
"""

from __future__ import annotations

import functools
import os
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from robot_sf_gym_video.errors import ScenarioError
from robot_sf_gym_video.sim.geometry import point_in_polygon
from robot_sf_gym_video.sim.scenario_spec import (
    FLOW_MODES,
    MAX_COORD_M,  # noqa: F401 - re-exported: importable from here as before the split
    MAX_EPISODE_STEPS,
    MAX_MAP_SIDE_M,  # noqa: F401 - re-exported
    MAX_PEDESTRIANS,
    MAX_RADIUS_M,
    MAX_SPEED_MPS,
    FlowSpec,
    RobotSpec,
    ScenarioSpec,
)
from robot_sf_gym_video.sim.scenario_table import Table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "FLOW_MODES",
    "FlowSpec",
    "RobotSpec",
    "ScenarioSpec",
    "list_scenarios",
    "load_scenario",
    "load_scenario_file",
]

FORMAT_VERSION = 1
_START_GOAL_CLEARANCE_M = 0.3


def _parse_obstacle(table: Table) -> tuple[tuple[float, float], ...]:
    kinds = [k for k in ("polygon_m", "rect_m", "segment_m") if k in table.data]
    if len(kinds) != 1:
        table.used.update(("polygon_m", "rect_m", "segment_m"))
        raise table.error("", "needs exactly one of polygon_m, rect_m, segment_m")
    kind = kinds[0]
    table.used.update(("polygon_m", "rect_m", "segment_m"))
    if kind == "rect_m":
        x0, y0, x1, y1 = table.rect("rect_m")
        points: tuple[tuple[float, float], ...] = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    elif kind == "segment_m":
        points = table.points("segment_m", min_count=2)
        if len(points) != 2:
            raise table.error("segment_m", "expected exactly two [x, y] points")
    else:
        points = table.points("polygon_m", min_count=3)
    table.finish()
    return points


def _parse_flow(table: Table) -> FlowSpec:
    count = table.integer("count", minimum=0, maximum=MAX_PEDESTRIANS)
    mode = table.string("mode", "respawn")
    if mode not in FLOW_MODES:
        raise table.error("mode", f"unknown mode {mode!r}; allowed: {', '.join(FLOW_MODES)}")
    route: tuple[tuple[float, float], ...] = ()
    area = None
    if mode == "wander":
        area = table.rect("area_m")
    else:
        route = table.points("route_m", min_count=2)
    flow = FlowSpec(
        count=count,
        mode=mode,
        route_m=route,
        area_m=area,
        jitter_m=table.number("jitter_m", 0.0, minimum=0.0),
        speed_mean_mps=table.number("speed_mean_mps", 1.2, minimum=0.1, maximum=MAX_SPEED_MPS),
        speed_std_mps=table.number("speed_std_mps", 0.15, minimum=0.0, maximum=MAX_SPEED_MPS),
    )
    table.finish()
    return flow


def _parse_robot(table: Table) -> RobotSpec:
    heading = table.raw("heading_rad", None)
    if heading is not None:
        heading = table._number("heading_rad", heading)
    robot = RobotSpec(
        start_m=table.point("start_m"),
        goal_m=table.point("goal_m"),
        start_jitter_m=table.number("start_jitter_m", 0.0, minimum=0.0),
        goal_jitter_m=table.number("goal_jitter_m", 0.0, minimum=0.0),
        goal_radius_m=table.number("goal_radius_m", 0.5, minimum=0.05),
        heading_rad=heading,
        heading_jitter_rad=table.number("heading_jitter_rad", 0.0, minimum=0.0),
    )
    table.finish()
    return robot


def _sub_tables(parent: Table, key: str) -> list[Table]:
    value = parent.raw(key, [])
    if not isinstance(value, list):
        raise parent.error(key, "expected an array of tables ([[...]])")
    return [
        Table(item, parent.file, parent.scenario, f"{key}[{i}].") for i, item in enumerate(value)
    ]


def _check_geometry(spec: ScenarioSpec, table: Table) -> None:
    """Reject positions that are outside the map or inside an obstacle."""
    x0, y0, x1, y1 = spec.bounds_m
    polygons = [np.asarray(p) for p in spec.obstacles_m]

    def check(field: str, xy: tuple[float, float], clearance: float) -> None:
        x, y = xy
        inside = x0 + clearance <= x <= x1 - clearance and y0 + clearance <= y <= y1 - clearance
        if not inside:
            raise table.error(
                field, f"point {list(xy)} must lie inside bounds_m with {clearance:g} m margin"
            )
        for i, poly in enumerate(polygons):
            if len(poly) >= 3 and point_in_polygon(np.array([x]), np.array([y]), poly)[0]:
                raise table.error(field, f"point {list(xy)} lies inside obstacles[{i}]")

    check("robot.start_m", spec.robot.start_m, _START_GOAL_CLEARANCE_M)
    check("robot.goal_m", spec.robot.goal_m, _START_GOAL_CLEARANCE_M)
    for i, flow in enumerate(spec.flows):
        for point in flow.route_m:
            check(f"flows[{i}].route_m", point, spec.ped_radius_m)
        if flow.area_m is not None:
            a0, b0, a1, b1 = flow.area_m
            if a0 < x0 or b0 < y0 or a1 > x1 or b1 > y1:
                raise table.error(f"flows[{i}].area_m", "must lie inside bounds_m")


def _parse_scenario(name: str, data: Any, file: str) -> ScenarioSpec:
    table = Table(data, file, name, "")
    description = table.string("description", "")
    steps = table.integer("max_episode_steps", minimum=1, maximum=MAX_EPISODE_STEPS)
    bounds = table.rect("bounds_m")
    ped_radius = table.number("ped_radius_m", 0.25, minimum=0.05, maximum=MAX_RADIUS_M)
    robot_visible = table.boolean("robot_visible", True)
    robot = _parse_robot(Table(table.raw("robot"), file, name, "robot."))
    obstacles = tuple(_parse_obstacle(t) for t in _sub_tables(table, "obstacles"))
    flows = tuple(_parse_flow(t) for t in _sub_tables(table, "flows"))
    total = sum(flow.count for flow in flows)
    if total > MAX_PEDESTRIANS:
        raise table.error("flows", f"{total} pedestrians in all; at most {MAX_PEDESTRIANS}")
    table.finish()
    spec = ScenarioSpec(
        name=name,
        bounds_m=bounds,
        robot=robot,
        max_episode_steps=steps,
        obstacles_m=obstacles,
        flows=flows,
        ped_radius_m=ped_radius,
        robot_visible=robot_visible,
        description=description,
        source=file,
    )
    _check_geometry(spec, table)
    return spec


def load_scenario_file(path: str | os.PathLike[str]) -> dict[str, ScenarioSpec]:
    """Read and validate every scenario of a TOML file.

    Args:
        path: A TOML file with one top-level table per scenario.

    Returns:
        Scenario name -> spec, in file order.

    Raises:
        ScenarioError: The file is missing, unreadable, not TOML, or a scenario is invalid.
    """
    file = os.fspath(path)
    try:
        text = Path(file).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScenarioError(f"{file}: cannot read scenario file: {reason}") from exc
    return _load_text(text, file)


def _load_text(text: str, file: str) -> dict[str, ScenarioSpec]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = " ".join(str(exc).split())
        raise ScenarioError(f"{file}: not valid TOML: {message}") from exc
    version = data.pop("format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise ScenarioError(
            f"{file}: field 'format_version': unsupported value {version!r}; allowed: "
            f"{FORMAT_VERSION}"
        )
    specs: dict[str, ScenarioSpec] = {}
    for name, body in data.items():
        if not isinstance(body, dict):
            raise ScenarioError(
                f"{file}: top-level key {name!r} is not a scenario table; use [{name}] "
                "(only format_version may be a plain value)"
            )
        specs[name] = _parse_scenario(name, body, file)
    if not specs:
        raise ScenarioError(f"{file}: no scenarios found (expected tables like [my_scenario])")
    return specs


@functools.lru_cache(maxsize=1)
def _builtin_specs() -> dict[str, ScenarioSpec]:
    folder = resources.files("robot_sf_gym_video.sim").joinpath("scenarios")
    specs: dict[str, ScenarioSpec] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            specs.update(_load_text(entry.read_text(encoding="utf-8"), f"<built-in>/{entry.name}"))
    return specs


def list_scenarios() -> list[str]:
    """Names of the built-in scenarios, sorted."""
    return sorted(_builtin_specs())


def load_scenario(name: str, scenarios_file: str | os.PathLike[str] | None = None) -> ScenarioSpec:
    """Return the scenario called ``name``.

    A ``scenarios_file`` is searched first; the built-ins second, so a user file can both add
    scenarios and override built-in ones while the built-ins stay available.

    Raises:
        ScenarioError: Unknown name (the message lists the valid ones) or an invalid file.
    """
    if not isinstance(name, str):
        raise ScenarioError(f"scenario name must be a string, got {name!r}")
    user: dict[str, ScenarioSpec] = {}
    if scenarios_file is not None:
        user = load_scenario_file(scenarios_file)
        if name in user:
            return user[name]
    builtins = _builtin_specs()
    if name in builtins:
        return builtins[name]
    valid = ", ".join([*user, *(n for n in sorted(builtins) if n not in user)])
    where = f" (built-in or in {os.fspath(scenarios_file)})" if scenarios_file else ""
    raise ScenarioError(f"unknown scenario {name!r}{where}; valid: {valid}")
