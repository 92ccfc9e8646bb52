"""The flat observation vector of ``SocialNavEnv``: layout, encoding and decoding.

- ``ObservationLayout``: where each quantity sits in the vector and the scales used to
  normalise it; ``space()`` builds the matching ``Box``; ``encode`` fills a vector from the
  simulation; ``decode`` turns a vector back into physical units (used by the ``goal``
  policy, which sees only what an agent sees).

Layout (``float32``, length ``num_rays + 5``, every entry normalised):

===========================  ==================================================  ==========
index                        quantity                                            range
===========================  ==================================================  ==========
``0 .. R-1``                 lidar range / max range (ray ``k`` at angle         ``[0, 1]``
                             ``2 pi k / R`` from the heading, counter-clockwise)
``R``                        linear speed / max forward speed                    ``[-1, 1]``
``R+1``                      angular speed / max angular speed                   ``[-1, 1]``
``R+2``                      goal distance / goal distance scale                 ``[0, 1]``
``R+3``, ``R+4``             cos and sin of the goal bearing (robot frame)       ``[-1, 1]``
===========================  ==================================================  ==========
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from gymnasium import spaces

__all__ = ["DecodedObservation", "ObservationLayout"]


@dataclass(frozen=True)
class DecodedObservation:
    """An observation in physical units.

    Attributes:
        lidar_ranges_m: ``(R,)`` ranges in metres.
        linear_speed_mps: Robot forward speed.
        angular_speed_radps: Robot turn rate.
        goal_distance_m: Distance to the goal centre (saturates at the scale).
        goal_bearing_rad: Goal direction relative to the heading, in ``(-pi, pi]``.
    """

    lidar_ranges_m: np.ndarray
    linear_speed_mps: float
    angular_speed_radps: float
    goal_distance_m: float
    goal_bearing_rad: float


@dataclass(frozen=True, eq=False)
class ObservationLayout:
    """Positions and scales of the observation vector.

    Attributes:
        lidar_angles_rad: ``(R,)`` ray angles relative to the heading.
        lidar_max_range_m: Lidar range cap (scale of the lidar entries).
        max_speed_mps: Scale of the linear speed entry.
        max_angular_speed_radps: Scale of the angular speed entry.
        goal_distance_scale_m: Scale of the goal distance entry (the map diagonal).
        robot_radius_m: Robot radius (not in the vector; for controllers).
    """

    lidar_angles_rad: np.ndarray
    lidar_max_range_m: float
    max_speed_mps: float
    max_angular_speed_radps: float
    goal_distance_scale_m: float
    robot_radius_m: float

    @property
    def num_rays(self) -> int:
        """Number of lidar entries ``R``."""
        return len(self.lidar_angles_rad)

    @property
    def size(self) -> int:
        """Length of the vector, ``R + 5``."""
        return self.num_rays + 5

    def space(self) -> spaces.Box:
        """Return the ``Box`` every observation lies in."""
        r = self.num_rays
        low = np.concatenate((np.zeros(r), [-1.0, -1.0, 0.0, -1.0, -1.0])).astype(np.float32)
        high = np.ones(r + 5, dtype=np.float32)
        return spaces.Box(low=low, high=high, dtype=np.float32)

    def encode(
        self,
        lidar_ranges_m: np.ndarray,
        linear_speed_mps: float,
        angular_speed_radps: float,
        goal_distance_m: float,
        goal_bearing_rad: float,
    ) -> np.ndarray:
        """Build the observation vector (a new ``float32`` array, clipped to the space)."""
        r = self.num_rays
        out = np.empty(r + 5, dtype=np.float32)
        lidar = out[:r]
        np.multiply(lidar_ranges_m, 1.0 / self.lidar_max_range_m, out=lidar, casting="unsafe")
        np.minimum(np.maximum(lidar, 0.0, out=lidar), 1.0, out=lidar)
        out[r] = min(max(linear_speed_mps / self.max_speed_mps, -1.0), 1.0)
        out[r + 1] = min(max(angular_speed_radps / self.max_angular_speed_radps, -1.0), 1.0)
        out[r + 2] = min(goal_distance_m / self.goal_distance_scale_m, 1.0)
        out[r + 3] = math.cos(goal_bearing_rad)
        out[r + 4] = math.sin(goal_bearing_rad)
        return out

    def decode(self, obs: np.ndarray) -> DecodedObservation:
        """Physical quantities of an observation vector."""
        obs = np.asarray(obs, dtype=np.float64).reshape(-1)
        if obs.shape[0] != self.size:
            raise ValueError(f"observation has {obs.shape[0]} entries, expected {self.size}")
        r = self.num_rays
        return DecodedObservation(
            lidar_ranges_m=obs[:r] * self.lidar_max_range_m,
            linear_speed_mps=float(obs[r]) * self.max_speed_mps,
            angular_speed_radps=float(obs[r + 1]) * self.max_angular_speed_radps,
            goal_distance_m=float(obs[r + 2]) * self.goal_distance_scale_m,
            goal_bearing_rad=math.atan2(float(obs[r + 4]), float(obs[r + 3])),
        )
