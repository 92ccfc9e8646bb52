"""Scenarios as data: typed specs, TOML loading and validation.

- ``RobotSpec``, ``FlowSpec``, ``ScenarioSpec``: frozen dataclasses describing one scenario
  (map, obstacles, robot start/goal with jitter, pedestrian flows, step limit).
- ``list_scenarios()``: names of the built-in scenarios shipped in ``sim/scenarios/*.toml``.
- ``load_scenario(name, scenarios_file=None)``: one scenario, from a user file first and the
  built-ins second.
- ``load_scenario_file(path)``: every scenario of one TOML file, validated.

A file holds one top-level table per scenario (``[crossing]``, ``["my scenario"]``) and an
optional ``format_version = 1``. Every problem raises ``ScenarioError`` with one line naming
the file, the scenario and the field; unknown fields are errors too, so a typo never passes
silently. The format is documented in ``docs/environment.md``.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from robot_sf_gym_video.errors import ScenarioError
from robot_sf_gym_video.sim.geometry import point_in_polygon

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

FLOW_MODES: tuple[str, ...] = ("respawn", "reverse", "wander")
"""How a pedestrian flow recycles its walkers at the end of the route (see ``FlowSpec``)."""

FORMAT_VERSION = 1
#: Bounds that keep a scenario simulable and drawable; beyond them a typo (1e308, 100000
#: pedestrians) would fail much later as a numpy error or an out-of-memory kill. They
#: leave room for dense crowds and large maps (documented in docs/environment.md).
MAX_COORD_M = 10_000.0  # any coordinate, in metres from the origin
MAX_MAP_SIDE_M = 1_000.0  # width and height of bounds_m
MAX_PEDESTRIANS = 1_000  # all flows of a scenario together
MAX_RADIUS_M = 5.0  # pedestrian radius
MAX_SPEED_MPS = 10.0
MAX_EPISODE_STEPS = 1_000_000
_START_GOAL_CLEARANCE_M = 0.3
_REQUIRED = object()


@dataclass(frozen=True)
class RobotSpec:
    """Where the robot starts and where it must go.

    Attributes:
        start_m: Nominal start position.
        goal_m: Nominal goal centre.
        start_jitter_m: Start is drawn uniformly in a disc of this radius (seeded).
        goal_jitter_m: Goal is drawn uniformly in a disc of this radius (seeded).
        goal_radius_m: Arrival tolerance around the goal centre.
        heading_rad: Initial heading; None faces the goal.
        heading_jitter_rad: Heading is perturbed uniformly within +- this angle.
    """

    start_m: tuple[float, float]
    goal_m: tuple[float, float]
    start_jitter_m: float = 0.0
    goal_jitter_m: float = 0.0
    goal_radius_m: float = 0.5
    heading_rad: float | None = None
    heading_jitter_rad: float = 0.0


@dataclass(frozen=True)
class FlowSpec:
    """A group of pedestrians sharing a route (or an area to wander in).

    Attributes:
        count: Number of pedestrians kept alive in this flow.
        mode: ``"respawn"``: walk the route, reappear at its first waypoint;
            ``"reverse"``: walk the route back and forth (half start each way);
            ``"wander"``: walk to random points of ``area_m``, forever.
        route_m: Waypoints (>= 2) for ``respawn`` / ``reverse``.
        area_m: ``(x_min, y_min, x_max, y_max)`` for ``wander``.
        jitter_m: Each walker follows the route shifted sideways by its own random offset
            of up to this distance, so a flow spreads over a lane instead of a line.
        speed_mean_mps: Mean preferred walking speed.
        speed_std_mps: Standard deviation of the preferred speed across walkers.
    """

    count: int
    mode: str
    route_m: tuple[tuple[float, float], ...] = ()
    area_m: tuple[float, float, float, float] | None = None
    jitter_m: float = 0.0
    speed_mean_mps: float = 1.2
    speed_std_mps: float = 0.15


@dataclass(frozen=True)
class ScenarioSpec:
    """One validated scenario.

    Attributes:
        name: Scenario name (any string; sanitising it for file names is the caller's job).
        bounds_m: ``(x_min, y_min, x_max, y_max)``; the bounds are walls.
        robot: Start and goal of the robot.
        max_episode_steps: Step limit; the env truncates when it is reached.
        obstacles_m: Polygons (tuples of vertices); 2 vertices make a thin wall.
        flows: Pedestrian flows.
        ped_radius_m: Radius of every pedestrian disc.
        robot_visible: False makes the crowd ignore the robot (no repulsion, no collision
            prediction): pedestrians walk as if it were not there, so avoiding them is the
            robot's job alone. Applies to any scenario; True (the default) keeps the
            robot's usual, stronger-than-a-pedestrian repulsion.
        description: One line for humans.
        source: File the scenario was read from.
    """

    name: str
    bounds_m: tuple[float, float, float, float]
    robot: RobotSpec
    max_episode_steps: int
    obstacles_m: tuple[tuple[tuple[float, float], ...], ...] = ()
    flows: tuple[FlowSpec, ...] = ()
    ped_radius_m: float = 0.25
    robot_visible: bool = True
    description: str = ""
    source: str = ""

    @property
    def ped_count(self) -> int:
        """Total number of pedestrians over all flows."""
        return sum(f.count for f in self.flows)


class _Table:
    """Typed, validating access to one TOML table; errors name file, scenario and field."""

    def __init__(self, data: Any, file: str, scenario: str, prefix: str) -> None:
        self.file, self.scenario, self.prefix = file, scenario, prefix
        if not isinstance(data, Mapping):
            raise self.error("", f"expected a table, got {type(data).__name__}")
        self.data = data
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> ScenarioError:
        field = f"{self.prefix}{key}" if key else self.prefix.rstrip(".") or "<table>"
        text = f"{self.file}: scenario {self.scenario!r}: field {field!r}: {message}"
        return ScenarioError(" ".join(text.split()))

    def raw(self, key: str, default: Any = _REQUIRED) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is _REQUIRED:
                raise self.error(key, "required field is missing")
            return default
        return self.data[key]

    def number(
        self,
        key: str,
        default: Any = _REQUIRED,
        *,
        minimum: float | None = None,
        maximum: float = MAX_COORD_M,
    ) -> Any:
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        return self._number(key, value, minimum, maximum)

    def _number(
        self,
        key: str,
        value: Any,
        minimum: float | None = None,
        maximum: float = MAX_COORD_M,
    ) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"expected a number, got {value!r}")
        value = float(value)
        if not math.isfinite(value):
            raise self.error(key, f"expected a finite number, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be >= {minimum:g}, got {value:g}")
        low = -maximum if minimum is None else minimum
        if not low <= value <= maximum:
            raise self.error(key, f"must be between {low:g} and {maximum:g}, got {value:g}")
        return value

    def integer(
        self, key: str, default: Any = _REQUIRED, *, minimum: int = 0, maximum: int | None = None
    ) -> int:
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {value!r}")
        if value < minimum:
            raise self.error(key, f"must be >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise self.error(key, f"must be <= {maximum}, got {value}")
        return value

    def boolean(self, key: str, default: Any = _REQUIRED) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r}")
        return value

    def string(self, key: str, default: Any = _REQUIRED) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {value!r}")
        return value

    def point(self, key: str, value: Any = _REQUIRED) -> tuple[float, float]:
        if value is _REQUIRED:
            value = self.raw(key)
        if not isinstance(value, list) or len(value) != 2:
            raise self.error(key, f"expected [x, y], got {value!r}")
        x, y = (self._number(key, v) for v in value)
        return (x, y)

    def points(self, key: str, *, min_count: int) -> tuple[tuple[float, float], ...]:
        value = self.raw(key)
        if not isinstance(value, list) or len(value) < min_count:
            raise self.error(key, f"expected a list of at least {min_count} [x, y] points")
        return tuple(self.point(key, v) for v in value)

    def rect(self, key: str, default: Any = _REQUIRED) -> Any:
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        if not isinstance(value, list) or len(value) != 4:
            raise self.error(key, f"expected [x_min, y_min, x_max, y_max], got {value!r}")
        x0, y0, x1, y1 = (self._number(key, v) for v in value)
        if not (x0 < x1 and y0 < y1):
            raise self.error(key, "needs x_min < x_max and y_min < y_max")
        if max(x1 - x0, y1 - y0) > MAX_MAP_SIDE_M:
            raise self.error(key, f"sides must be at most {MAX_MAP_SIDE_M:g} m, got {value!r}")
        return (x0, y0, x1, y1)

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            allowed = ", ".join(sorted(self.used))
            raise self.error(unknown[0], f"unknown field; allowed here: {allowed}")


def _parse_obstacle(table: _Table) -> tuple[tuple[float, float], ...]:
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


def _parse_flow(table: _Table) -> FlowSpec:
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


def _parse_robot(table: _Table) -> RobotSpec:
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


def _sub_tables(parent: _Table, key: str) -> list[_Table]:
    value = parent.raw(key, [])
    if not isinstance(value, list):
        raise parent.error(key, "expected an array of tables ([[...]])")
    return [
        _Table(item, parent.file, parent.scenario, f"{key}[{i}].") for i, item in enumerate(value)
    ]


def _check_geometry(spec: ScenarioSpec, table: _Table) -> None:
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
    table = _Table(data, file, name, "")
    description = table.string("description", "")
    steps = table.integer("max_episode_steps", minimum=1, maximum=MAX_EPISODE_STEPS)
    bounds = table.rect("bounds_m")
    ped_radius = table.number("ped_radius_m", 0.25, minimum=0.05, maximum=MAX_RADIUS_M)
    robot_visible = table.boolean("robot_visible", True)
    robot = _parse_robot(_Table(table.raw("robot"), file, name, "robot."))
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
