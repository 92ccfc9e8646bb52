"""A 360-degree lidar ray-cast against wall segments and pedestrian discs, vectorised.

- ``Lidar``: fixed ray angles (relative to the robot heading) and a range cap; ``scan``
  returns one range per ray, measured from the robot centre, in metres.

Each scan is a handful of ``(rays, segments)`` and ``(rays, pedestrians)`` numpy operations;
pedestrians farther than the range are culled first.
"""

from __future__ import annotations

import numpy as np

from robot_sf_gym_video.sim.geometry import Segments

__all__ = ["Lidar"]


class Lidar:
    """Evenly spaced rays over a full circle, ray 0 pointing straight ahead.

    Args:
        num_rays: Number of rays (>= 1).
        max_range_m: Range reported when a ray hits nothing.
    """

    def __init__(self, num_rays: int = 72, max_range_m: float = 10.0) -> None:
        if num_rays < 1 or not max_range_m > 0:
            raise ValueError("Lidar needs num_rays >= 1 and max_range_m > 0")
        self.num_rays = int(num_rays)
        self.max_range_m = float(max_range_m)
        self.angles_rad = np.arange(self.num_rays) * (2.0 * np.pi / self.num_rays)
        self.angles_rad = (self.angles_rad + np.pi) % (2.0 * np.pi) - np.pi

    def scan(
        self,
        x: float,
        y: float,
        theta: float,
        segments: Segments,
        ped_pos: np.ndarray,
        ped_radius_m: float,
    ) -> np.ndarray:
        """Ranges ``(num_rays,)`` from ``(x, y)`` with heading ``theta``, capped at max range."""
        ang = self.angles_rad + theta
        ux, uy = np.cos(ang)[:, None], np.sin(ang)[:, None]
        ranges = np.full(self.num_rays, self.max_range_m)
        with np.errstate(divide="ignore", invalid="ignore"):
            if len(segments):
                wx = segments.start[:, 0] - x
                wy = segments.start[:, 1] - y
                sdx, sdy = segments.delta[:, 0], segments.delta[:, 1]
                inv = 1.0 / (ux * sdy - uy * sdx)  # inf for rays parallel to a segment
                t = (wx * sdy - wy * sdx) * inv
                s = (wx * uy - wy * ux) * inv
                miss = (t < 0.0) | (s < 0.0) | (s > 1.0) | np.isnan(t)
                t[miss] = np.inf
                np.minimum(ranges, t.min(axis=1), out=ranges)
            if len(ped_pos):
                cx = ped_pos[:, 0] - x
                cy = ped_pos[:, 1] - y
                c2 = cx * cx + cy * cy
                near = c2 < (self.max_range_m + ped_radius_m) ** 2
                if near.any():
                    cx, cy = cx[near], cy[near]
                    b = ux * cx + uy * cy
                    disc = b * b - (c2[near] - ped_radius_m * ped_radius_m)
                    t = b - np.sqrt(disc)  # NaN where the ray misses the disc
                    t[~((disc >= 0.0) & (b > 0.0))] = np.inf
                    np.maximum(t, 0.0, out=t)  # the robot inside a disc sees it at 0
                    np.minimum(ranges, t.min(axis=1), out=ranges)
        return ranges
