"""Vectorised 2-D geometry on segment arrays, shared by the world, the crowd and the lidar.

- ``Segments``: a frozen bundle of wall segments with the per-segment values every query
  needs (direction, squared length, unit normal), computed once per episode.
- ``polygon_edges``: turn polygons (or 2-point walls) into segment start/end arrays.
- ``points_to_segments``: distance and unit push-away direction from many points to many
  segments in one call, shape ``(N, S)``.
- ``point_segment_distance``: distance from one point to the nearest segment.
- ``point_in_polygon``: even-odd test of many points against one polygon.

Everything here is plain numpy on float64 arrays; no Python loop runs per point or segment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Segments",
    "point_in_polygon",
    "point_segment_distance",
    "point_segment_nearest",
    "points_to_segments",
    "polygon_edges",
]

_EPS = 1e-12


def polygon_edges(polygons: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(starts, ends)`` arrays ``(S, 2)`` of the edges of ``polygons``.

    A polygon with ``K >= 3`` vertices is closed implicitly (``K`` edges); a 2-vertex polygon
    is a single wall segment (one edge, not two identical ones).
    """
    starts: list[np.ndarray] = []
    ends: list[np.ndarray] = []
    for poly in polygons:
        pts = np.asarray(poly, dtype=np.float64).reshape(-1, 2)
        if len(pts) == 2:
            starts.append(pts[:1])
            ends.append(pts[1:])
        else:
            starts.append(pts)
            ends.append(np.roll(pts, -1, axis=0))
    if not starts:
        return np.zeros((0, 2)), np.zeros((0, 2))
    return np.concatenate(starts), np.concatenate(ends)


@dataclass(frozen=True, eq=False)
class Segments:
    """Wall segments with their derived per-segment quantities precomputed.

    Attributes:
        start: ``(S, 2)`` first end points in metres.
        end: ``(S, 2)`` second end points in metres.
        delta: ``(S, 2)`` ``end - start``.
        length_sq: ``(S,)`` squared lengths (never zero: degenerate segments are dropped).
        normal: ``(S, 2)`` unit left normals, used when a point lies exactly on a segment.
    """

    start: np.ndarray
    end: np.ndarray
    delta: np.ndarray
    length_sq: np.ndarray
    normal: np.ndarray

    @classmethod
    def from_arrays(cls, start: np.ndarray, end: np.ndarray) -> Segments:
        """Build from start/end arrays, dropping zero-length segments."""
        start = np.asarray(start, dtype=np.float64).reshape(-1, 2)
        end = np.asarray(end, dtype=np.float64).reshape(-1, 2)
        delta = end - start
        length_sq = np.einsum("ij,ij->i", delta, delta)
        keep = length_sq > _EPS
        start, end, delta, length_sq = start[keep], end[keep], delta[keep], length_sq[keep]
        length = np.sqrt(length_sq)
        normal = np.stack((-delta[:, 1], delta[:, 0]), axis=1) / np.maximum(length, _EPS)[:, None]
        return cls(start, end, delta, length_sq, normal)

    def __len__(self) -> int:
        return len(self.start)


def points_to_segments(
    px: np.ndarray, py: np.ndarray, seg: Segments
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distances and unit directions from points to the closest point of every segment.

    Args:
        px: ``(N,)`` point x coordinates.
        py: ``(N,)`` point y coordinates.
        seg: The segments to measure against.

    Returns:
        ``(dist, nx, ny)`` each ``(N, S)``: distance in metres and the unit vector pointing
        from the segment towards the point (the direction that increases the distance). For
        a point exactly on a segment the segment's left normal is used, so the direction is
        always a unit vector.
    """
    rx = px[:, None] - seg.start[:, 0]
    ry = py[:, None] - seg.start[:, 1]
    t = (rx * seg.delta[:, 0] + ry * seg.delta[:, 1]) / seg.length_sq
    np.minimum(np.maximum(t, 0.0, out=t), 1.0, out=t)
    rx -= t * seg.delta[:, 0]
    ry -= t * seg.delta[:, 1]
    dist = np.sqrt(rx * rx + ry * ry)
    on_segment = dist < 1e-9
    inv = 1.0 / np.where(on_segment, 1.0, dist)
    nx = np.where(on_segment, seg.normal[:, 0], rx * inv)
    ny = np.where(on_segment, seg.normal[:, 1], ry * inv)
    return dist, nx, ny


def point_segment_distance(x: float, y: float, seg: Segments) -> float:
    """Distance from one point to the nearest segment (the cheap path for the robot)."""
    return point_segment_nearest(x, y, seg)[0]


def point_segment_nearest(x: float, y: float, seg: Segments) -> tuple[float, int]:
    """Distance from one point to the nearest segment, and that segment's index (-1: none)."""
    if len(seg) == 0:
        return float("inf"), -1
    rx = x - seg.start[:, 0]
    ry = y - seg.start[:, 1]
    t = (rx * seg.delta[:, 0] + ry * seg.delta[:, 1]) / seg.length_sq
    t = np.minimum(np.maximum(t, 0.0), 1.0)
    rx -= t * seg.delta[:, 0]
    ry -= t * seg.delta[:, 1]
    d2 = rx * rx + ry * ry
    k = int(d2.argmin())
    return float(np.sqrt(d2[k])), k


def point_in_polygon(px: np.ndarray, py: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule: which of the points ``(px, py)`` lie strictly inside ``polygon``.

    Polygons with fewer than three vertices have no inside and return all False.
    """
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    px = np.asarray(px, dtype=np.float64).reshape(-1)
    py = np.asarray(py, dtype=np.float64).reshape(-1)
    if len(poly) < 3:
        return np.zeros(len(px), dtype=bool)
    x0, y0 = poly[:, 0], poly[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    straddles = (y0[None, :] > py[:, None]) != (y1[None, :] > py[:, None])
    dy = np.where(y1 == y0, 1.0, y1 - y0)
    x_cross = x0 + (py[:, None] - y0) * (x1 - x0) / dy
    crossings = straddles & (px[:, None] < x_cross)
    return (crossings.sum(axis=1) % 2) == 1
