"""Immutable views of the simulation, the only thing renderers and recorders ever see.

- ``StaticScene``: what does not move during an episode (map, obstacles, goal, radii).
  Renderers draw it once per episode and reuse the layer.
- ``FrameSnapshot``: the moving state after one step (robot, pedestrians, trail, lidar).
- ``pack_snapshot`` / ``unpack_snapshot``: a compact, exact (float64) byte encoding of a
  ``FrameSnapshot`` so the env's thread can hand a step to a recorder process for a few
  microseconds instead of drawing and encoding the frame itself.

This module is pure data: it imports neither physics nor graphics, so ``render/`` can depend
on it without ever reaching into ``sim/`` physics. Units are in the field names
(``_m`` metres, ``_s`` seconds, ``_rad`` radians, ``_mps`` metres per second).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from robot_sf_gym_video.registry import Registry

__all__ = [
    "COLLISION_KINDS",
    "FRAME_ARRAYS",
    "MARK_S",
    "OUTCOMES",
    "OUTCOME_REGISTRY",
    "EventMark",
    "FrameSnapshot",
    "Outcome",
    "StaticScene",
    "pack_live_state",
    "pack_snapshot",
    "pack_state",
    "unpack_packet",
    "unpack_snapshot",
]


@dataclass(frozen=True)
class Outcome:
    """How an episode can end (the record's ``outcome``).

    Attributes:
        name: The spelling in ``info["outcome"]``, records and reports.
        meaning: One line for the docs.
    """

    name: str
    meaning: str


#: The outcome vocabulary; its order is also the snapshot byte code (1, 2, 3; 0 is None).
OUTCOME_REGISTRY: Registry[Outcome] = Registry(
    "outcome",
    [
        Outcome("success", "the robot reached its goal"),
        Outcome("collision", "the robot touched a pedestrian or an obstacle"),
        Outcome("timeout", "the step limit was reached first"),
    ],
)
OUTCOMES: tuple[str, ...] = OUTCOME_REGISTRY.names()
COLLISION_KINDS: tuple[str, ...] = ("pedestrian", "obstacle")


def _memory_owner(array: np.ndarray) -> object:
    """Follow ``.base`` to the object that owns ``array``'s memory."""
    base: object = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base


def _frozen(array: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    """Return a read-only contiguous array that nothing else can change.

    Arrays that are already read-only, contiguous float64 *and own no writable base* (e.g.
    views into the immutable bytes of a packed snapshot) are taken as they are: the
    recorder unpacks one snapshot per frame, and six defensive copies would cost more than
    the unpacking itself. Everything else is copied.
    """
    if (
        isinstance(array, np.ndarray)
        and array.dtype == dtype
        and not array.flags.writeable
        and array.flags.c_contiguous
        and isinstance(_memory_owner(array), bytes)
    ):
        return array
    out = np.array(array, dtype=dtype, copy=True, order="C")
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class StaticScene:
    """The parts of an episode that never move; identical for every frame of one episode.

    Attributes:
        scenario: Scenario name (shown in the HUD).
        bounds_m: World rectangle ``(x_min, y_min, x_max, y_max)`` in metres.
        obstacles_m: Static obstacles, each a ``(K, 2)`` array of polygon vertices in metres
            (closed implicitly; ``K == 2`` is a wall segment).
        goal_xy_m: Robot goal centre.
        goal_radius_m: Distance to the goal centre that counts as arrival.
        start_xy_m: Robot start position of this episode.
        robot_radius_m: Robot disc radius.
        ped_radius_m: Pedestrian disc radius.
        dt_s: Simulation time step.
        max_steps: Step limit of the episode (truncation).
        lidar_angles_rad: Ray angles relative to the robot heading, shape ``(R,)``.
        lidar_max_range_m: Lidar range cap.
    """

    scenario: str
    bounds_m: tuple[float, float, float, float]
    obstacles_m: tuple[np.ndarray, ...]
    goal_xy_m: tuple[float, float]
    goal_radius_m: float
    start_xy_m: tuple[float, float]
    robot_radius_m: float
    ped_radius_m: float
    dt_s: float
    max_steps: int
    lidar_angles_rad: np.ndarray = field(default_factory=lambda: _frozen(np.zeros(0)))
    lidar_max_range_m: float = 10.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "obstacles_m", tuple(_frozen(o) for o in self.obstacles_m))
        object.__setattr__(self, "lidar_angles_rad", _frozen(self.lidar_angles_rad))


_COLLISION_CODES = {None: 0, "pedestrian": 1, "obstacle": 2}
_OUTCOME_CODES = {None: 0, **{name: code for code, name in enumerate(OUTCOMES, start=1)}}
_COLLISION_NAMES = {v: k for k, v in _COLLISION_CODES.items()}
_OUTCOME_NAMES = {v: k for k, v in _OUTCOME_CODES.items()}
# step, time_s, n_peds, n_trail, n_trail_sent (the newest points the packet holds),
# n_lidar, collision code, outcome code
_HEADER = struct.Struct("<qdiiiibb")
# the header, then the robot's pose (x, y, theta) and velocity (v, omega): the first five
# float64 values of the body, packed in the same call
_HEAD_ROBOT = struct.Struct("<qdiiiibb5d")


#: How long an episode event stays in the snapshots after its step (seconds), so every
#: renderer can mark it on the frames of at least the following second.
MARK_S = 1.5

_MARK_KINDS = ("collision", "near_miss", "goal")
_WITH_CODES = {None: 0, "pedestrian": 1, "obstacle": 2, "wall": 3}
_WITH_NAMES = {v: k for k, v in _WITH_CODES.items()}


class EventMark(NamedTuple):
    """An episode event still recent enough to be marked on a frame (see ``MARK_S``).

    Attributes:
        kind: ``"collision"``, ``"near_miss"`` or ``"goal"``.
        with_type: ``"pedestrian"``, ``"obstacle"``, ``"wall"`` or None (goal).
        with_id: Crowd index, obstacle index or bounds side (-1 when ``with_type`` is None).
        step: The step it happened at.
    """

    kind: str
    with_type: str | None
    with_id: int
    step: int


def _pack_marks(marks: tuple[EventMark, ...]) -> bytes:
    """Return marks as float64 quadruples (kind, with type, id, step), exact integers."""
    rows = [(_MARK_KINDS.index(m.kind), _WITH_CODES[m.with_type], m.with_id, m.step) for m in marks]
    return np.asarray(rows, dtype=np.float64).tobytes()


def _unpack_marks(values: np.ndarray) -> tuple[EventMark, ...]:
    """Inverse of ``_pack_marks`` (``values`` is the trailing float64 part of a packet)."""
    return tuple(
        EventMark(_MARK_KINDS[int(k)], _WITH_NAMES[int(w)], int(i), int(s))
        for k, w, i, s in values.reshape(-1, 4).tolist()
    )


#: The array fields of a ``FrameSnapshot``, in packet order.
FRAME_ARRAYS: tuple[str, ...] = (
    "robot_pose",
    "robot_velocity",
    "ped_positions_m",
    "ped_velocities_mps",
    "trail_m",
    "lidar_ranges_m",
)


@dataclass(frozen=True, eq=False)
class FrameSnapshot:
    """The moving state of the world after a step (or right after reset, ``step == 0``).

    Attributes:
        step: Steps taken since reset.
        time_s: Simulated time since reset (``step * dt_s``).
        robot_pose: ``(3,)`` array ``x_m, y_m, theta_rad``.
        robot_velocity: ``(2,)`` array: linear m/s, angular rad/s.
        ped_positions_m: ``(N, 2)`` pedestrian centres.
        ped_velocities_mps: ``(N, 2)`` pedestrian velocities.
        trail_m: ``(K, 2)`` recent robot positions, oldest first (bounded length).
        lidar_ranges_m: ``(R,)`` ranges of the observation's lidar, same order as
            ``StaticScene.lidar_angles_rad``.
        collision: ``"pedestrian"`` or ``"obstacle"`` when the robot collides at this step.
        outcome: ``"success" | "collision" | "timeout"`` on the episode's last step, else None.
        marks: Episode events of the last ``MARK_S`` seconds, oldest first (what frames
            mark: a ring on what was involved, the HUD naming it).
    """

    step: int
    time_s: float
    robot_pose: np.ndarray
    robot_velocity: np.ndarray
    ped_positions_m: np.ndarray
    ped_velocities_mps: np.ndarray
    trail_m: np.ndarray
    lidar_ranges_m: np.ndarray
    collision: str | None = None
    outcome: str | None = None
    marks: tuple[EventMark, ...] = ()

    def __post_init__(self) -> None:
        for name in FRAME_ARRAYS:
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        if self.collision not in _COLLISION_CODES:
            raise ValueError(f"collision must be one of {COLLISION_KINDS} or None")
        if self.outcome not in _OUTCOME_CODES:
            raise ValueError(f"outcome must be one of {OUTCOMES} or None")


def pack_state(
    step: int,
    time_s: float,
    robot_pose: np.ndarray,
    robot_velocity: np.ndarray,
    ped_positions_m: np.ndarray,
    ped_velocities_mps: np.ndarray,
    trail_m: np.ndarray,
    lidar_ranges_m: np.ndarray,
    collision: str | None,
    outcome: str | None,
    marks: tuple[EventMark, ...] = (),
    trail_sent: int | None = None,
) -> bytes:
    """Encode raw state arrays exactly as ``pack_snapshot`` would, without a snapshot object.

    This is the per-step hot path of video recording: the env packs its live arrays
    straight into bytes instead of first building a frozen ``FrameSnapshot`` (six
    defensive copies): one struct for the header and the robot, and one join that reads
    the arrays' buffers, so the env's thread pays a few microseconds.

    ``trail_sent`` packs only the trail's newest points (a *delta* packet, for a reader
    that holds the older ones: ``snapshot_stream.SnapshotDecoder``); None packs it whole.
    The trail is most of a packet's bytes, and it grows by one point per step.
    """
    return pack_live_state(
        step,
        time_s,
        (*map(float, robot_pose), *map(float, robot_velocity)),
        _f64(ped_positions_m),
        _f64(ped_velocities_mps),
        _f64(trail_m),
        _f64(lidar_ranges_m),
        collision,
        outcome,
        marks,
        trail_sent,
    )


def pack_live_state(
    step: int,
    time_s: float,
    robot: tuple[float, float, float, float, float],
    ped_positions_m: np.ndarray,
    ped_velocities_mps: np.ndarray,
    trail_m: np.ndarray,
    lidar_ranges_m: np.ndarray,
    collision: str | None,
    outcome: str | None,
    marks: tuple[EventMark, ...],
    trail_sent: int | None,
) -> bytes:
    """``pack_state`` for arrays that are already C-contiguous float64 (the simulation's).

    The one home of the packet layout; the env's per-step hand-over calls it directly,
    so no array is converted or copied before the one ``join`` that reads their buffers
    (in C order: what ``ravel`` + concatenate would give). ``robot`` is ``(x_m, y_m,
    theta_rad, v_mps, omega_radps)``. A non-contiguous array makes ``join`` raise, and
    one of another dtype would be packed as its own bytes: the simulation keeps its arrays
    so (``Crowd.set_state`` copies hand-made ones in C order); anything else goes through
    ``pack_state``.
    """
    n_trail = len(trail_m)
    sent = n_trail if trail_sent is None or trail_sent > n_trail else max(trail_sent, 0)
    head = _HEAD_ROBOT.pack(
        step,
        time_s,
        len(ped_positions_m),
        n_trail,
        sent,
        len(lidar_ranges_m),
        _COLLISION_CODES[collision],
        _OUTCOME_CODES[outcome],
        *robot,
    )
    parts = [head, ped_positions_m, ped_velocities_mps, trail_m[n_trail - sent :], lidar_ranges_m]
    if marks:
        parts.append(_pack_marks(marks))
    return b"".join(parts)


_F64 = np.dtype(np.float64)


def _f64(values: np.ndarray) -> np.ndarray:
    """Return ``values`` as a C-contiguous float64 array (itself when it already is one)."""
    if type(values) is np.ndarray and values.dtype is _F64 and values.flags.c_contiguous:
        return values
    return np.ascontiguousarray(values, dtype=np.float64)


def pack_snapshot(snap: FrameSnapshot) -> bytes:
    """Encode ``snap`` exactly (float64) into bytes; inverse of ``unpack_snapshot``."""
    return pack_state(
        snap.step,
        snap.time_s,
        snap.robot_pose,
        snap.robot_velocity,
        snap.ped_positions_m,
        snap.ped_velocities_mps,
        snap.trail_m,
        snap.lidar_ranges_m,
        snap.collision,
        snap.outcome,
        snap.marks,
    )


def unpack_snapshot(data: bytes | memoryview) -> FrameSnapshot:
    """Decode bytes made by ``pack_snapshot`` back into an equal ``FrameSnapshot``.

    The recorder calls this once per frame, so the snapshot is assembled directly: its
    arrays are read-only views into a private ``bytes`` copy of ``data``, which is what
    ``FrameSnapshot``'s own checks would accept unchanged, and the codes are checked by
    the look-ups. A delta packet (see ``pack_state``) raises ``ValueError``: only the
    stream's ``SnapshotDecoder``, which holds the older points, can decode it.
    """
    snap, n_trail = unpack_packet(data)
    if len(snap.trail_m) != n_trail:
        raise ValueError(
            f"a packet with {len(snap.trail_m)} of {n_trail} trail points needs the "
            "stream's SnapshotDecoder"
        )
    return snap


def unpack_packet(data: bytes | memoryview) -> tuple[FrameSnapshot, int]:
    """Return ``(snapshot, n_trail)``: the snapshot's trail holds only the points sent.

    ``n_trail`` is the whole trail's length; for a delta packet it exceeds the points the
    packet holds (``SnapshotDecoder`` puts the trail together).
    """
    step, time_s, n_peds, n_trail, n_sent, n_lidar, coll, outc = _HEADER.unpack_from(data)
    values = np.frombuffer(bytes(data), dtype=np.float64, offset=_HEADER.size)
    peds_end = 5 + 2 * n_peds
    vel_end = peds_end + 2 * n_peds
    trail_end = vel_end + 2 * n_sent
    snap = object.__new__(FrameSnapshot)
    snap.__dict__.update(
        step=step,
        time_s=time_s,
        robot_pose=values[0:3],
        robot_velocity=values[3:5],
        ped_positions_m=values[5:peds_end].reshape(n_peds, 2),
        ped_velocities_mps=values[peds_end:vel_end].reshape(n_peds, 2),
        trail_m=values[vel_end:trail_end].reshape(n_sent, 2),
        lidar_ranges_m=values[trail_end : trail_end + n_lidar],
        collision=_COLLISION_NAMES[coll],
        outcome=_OUTCOME_NAMES[outc],
        marks=_unpack_marks(values[trail_end + n_lidar :])
        if len(values) > trail_end + n_lidar
        else (),
    )
    return snap, n_trail
