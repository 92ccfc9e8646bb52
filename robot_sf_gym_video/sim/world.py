"""The static map: a bounding rectangle plus polygon or wall-segment obstacles.

- ``World``: built once per scenario; holds the obstacle polygons (for drawing) and one
  precomputed ``Segments`` array of every obstacle edge and the four bound edges (for
  physics, collision and lidar), and answers clearance / free-space queries.

The bounds are walls: pedestrians are pushed back by them, the robot collides with them and
the lidar sees them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from robot_sf_gym_video.sim.geometry import (
    _EPS,
    Segments,
    point_in_polygon,
    points_to_segments,
    polygon_edges,
)

__all__ = ["World"]


class World:
    """Bounds and static obstacles with precomputed segment arrays.

    Args:
        bounds_m: ``(x_min, y_min, x_max, y_max)`` in metres.
        obstacles_m: Polygons as ``(K, 2)`` vertex arrays; ``K == 2`` is a thin wall.
    """

    def __init__(
        self,
        bounds_m: tuple[float, float, float, float],
        obstacles_m: Sequence[np.ndarray] = (),
    ) -> None:
        self.bounds_m = tuple(float(b) for b in bounds_m)
        self.obstacles_m: tuple[np.ndarray, ...] = tuple(
            np.asarray(o, dtype=np.float64).reshape(-1, 2) for o in obstacles_m
        )
        x0, y0, x1, y1 = self.bounds_m
        box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
        start, end = polygon_edges([*self.obstacles_m, box])
        self.segments = Segments.from_arrays(start, end)
        self.segment_owner = _segment_owners(self.obstacles_m, start, end)

    @property
    def diagonal_m(self) -> float:
        """Length of the bounds' diagonal, the largest distance inside the map."""
        x0, y0, x1, y1 = self.bounds_m
        return float(np.hypot(x1 - x0, y1 - y0))

    def clearance(self, px: np.ndarray, py: np.ndarray) -> np.ndarray:
        """Centre distance of each point to the nearest wall or obstacle edge, ``(N,)``."""
        dist, _, _ = points_to_segments(np.atleast_1d(px), np.atleast_1d(py), self.segments)
        return dist.min(axis=1)

    def is_free(self, px: np.ndarray, py: np.ndarray, radius_m: float) -> np.ndarray:
        """Mark where a disc of ``radius_m`` fits: inside bounds, off every obstacle."""
        px = np.atleast_1d(np.asarray(px, dtype=np.float64))
        py = np.atleast_1d(np.asarray(py, dtype=np.float64))
        x0, y0, x1, y1 = self.bounds_m
        ok = (px > x0) & (px < x1) & (py > y0) & (py < y1)
        ok &= self.clearance(px, py) >= radius_m
        for poly in self.obstacles_m:
            ok &= ~point_in_polygon(px, py, poly)
        return ok


def _segment_owners(
    obstacles_m: Sequence[np.ndarray], start: np.ndarray, end: np.ndarray
) -> tuple[tuple[str, int], ...]:
    """Return what each kept segment belongs to: ``("obstacle", k)`` or ``("wall", side)``.

    Sides of the bounds are numbered 0-3 (bottom, right, top, left). Zero-length edges
    are dropped exactly as ``Segments.from_arrays`` drops them, so indices line up.
    """
    owners: list[tuple[str, int]] = []
    for k, poly in enumerate(obstacles_m):
        owners += [("obstacle", k)] * (1 if len(poly) == 2 else len(poly))
    owners += [("wall", side) for side in range(4)]
    delta = np.asarray(end, dtype=np.float64) - np.asarray(start, dtype=np.float64)
    keep = np.einsum("ij,ij->i", delta, delta) > _EPS
    return tuple(owner for owner, kept in zip(owners, keep, strict=True) if kept)
