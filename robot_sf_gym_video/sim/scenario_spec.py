"""The scenario data model: what one scenario is, as frozen, typed specs.

- ``RobotSpec``, ``FlowSpec``, ``ScenarioSpec``: frozen dataclasses describing one scenario
  (map, obstacles, robot start/goal with jitter, pedestrian flows, step limit).
- ``FLOW_MODES``: the ways a pedestrian flow recycles its walkers.
- ``MAX_*``: the bounds a valid scenario stays within.

Why a module of its own: the simulator and the crowd only need these types, not the TOML
reader that builds them (``scenarios``), so they import the model alone; the reader
validates once at the boundary and everything downstream trusts the specs.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "FLOW_MODES",
    "MAX_COORD_M",
    "MAX_EPISODE_STEPS",
    "MAX_MAP_SIDE_M",
    "MAX_PEDESTRIANS",
    "MAX_RADIUS_M",
    "MAX_SPEED_MPS",
    "FlowSpec",
    "RobotSpec",
    "ScenarioSpec",
]

FLOW_MODES: tuple[str, ...] = ("respawn", "reverse", "wander")
"""How a pedestrian flow recycles its walkers at the end of the route (see ``FlowSpec``)."""

#: Bounds that keep a scenario simulable and drawable; beyond them a typo (1e308, 100000
#: pedestrians) would fail much later as a numpy error or an out-of-memory kill. They
#: leave room for dense crowds and large maps (documented in docs/environment.md).
MAX_COORD_M = 10_000.0  # any coordinate, in metres from the origin
MAX_MAP_SIDE_M = 1_000.0  # width and height of bounds_m
MAX_PEDESTRIANS = 1_000  # all flows of a scenario together
MAX_RADIUS_M = 5.0  # pedestrian radius
MAX_SPEED_MPS = 10.0
MAX_EPISODE_STEPS = 1_000_000


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
