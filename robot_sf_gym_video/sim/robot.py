"""Differential-drive (unicycle) robot kinematics with speed and acceleration limits.

- ``RobotParams``: radius and the limits of linear / angular speed and acceleration.
- ``Robot``: pose and velocity; ``command`` turns a normalised action into a velocity
  command and ``step`` integrates one time step.

Commands are normalised to ``[-1, 1]``: linear ``+1`` is full forward speed, ``-1`` full
reverse speed (reverse is slower than forward); ``0`` means stop. Actual velocities follow
the command only as fast as the acceleration limits allow, so a policy cannot teleport the
robot's speed, and the integration is exact for constant velocities over the step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Robot", "RobotParams"]


@dataclass(frozen=True)
class RobotParams:
    """Physical limits of the robot.

    Attributes:
        radius_m: Disc radius used for collisions and clearance.
        max_speed_mps: Forward speed limit.
        max_reverse_speed_mps: Reverse speed limit (positive number).
        max_angular_speed_radps: Turn-rate limit.
        max_accel_mps2: Linear acceleration (and braking) limit.
        max_angular_accel_radps2: Angular acceleration limit.
    """

    radius_m: float = 0.3
    max_speed_mps: float = 1.2
    max_reverse_speed_mps: float = 0.3
    max_angular_speed_radps: float = 1.5
    max_accel_mps2: float = 1.5
    max_angular_accel_radps2: float = 4.0

    def __post_init__(self) -> None:
        for name in (
            "radius_m",
            "max_speed_mps",
            "max_angular_speed_radps",
            "max_accel_mps2",
            "max_angular_accel_radps2",
        ):
            if not getattr(self, name) > 0:
                raise ValueError(f"RobotParams.{name} must be > 0")
        if self.max_reverse_speed_mps < 0:
            raise ValueError("RobotParams.max_reverse_speed_mps must be >= 0")


class Robot:
    """Unicycle state ``(x, y, theta, v, omega)`` stepped with limited accelerations."""

    def __init__(self, params: RobotParams) -> None:
        self.params = params
        self.x = 0.0
        self.y = 0.0
        self.theta = 0.0
        self.v = 0.0
        self.omega = 0.0

    def reset(self, x: float, y: float, theta: float) -> None:
        """Place the robot at rest at ``(x, y)`` facing ``theta``."""
        self.x, self.y, self.theta = float(x), float(y), float(theta)
        self.v = 0.0
        self.omega = 0.0

    def command(self, linear: float, angular: float) -> tuple[float, float]:
        """Map a normalised action (clipped to ``[-1, 1]``) to target velocities."""
        p = self.params
        lin = min(max(float(linear), -1.0), 1.0)
        ang = min(max(float(angular), -1.0), 1.0)
        v = lin * (p.max_speed_mps if lin >= 0.0 else p.max_reverse_speed_mps)
        return v, ang * p.max_angular_speed_radps

    def step(self, v_target: float, omega_target: float, dt_s: float) -> None:
        """Accelerate towards the targets within the limits, then integrate one step.

        The heading is integrated exactly for a constant-velocity arc (midpoint heading is
        exact for the chord direction; the chord length uses ``sinc``).
        """
        p = self.params
        dv = p.max_accel_mps2 * dt_s
        dw = p.max_angular_accel_radps2 * dt_s
        self.v = min(max(v_target, self.v - dv), self.v + dv)
        self.v = min(max(self.v, -p.max_reverse_speed_mps), p.max_speed_mps)
        self.omega = min(max(omega_target, self.omega - dw), self.omega + dw)
        lim = p.max_angular_speed_radps
        self.omega = min(max(self.omega, -lim), lim)
        half = 0.5 * self.omega * dt_s
        chord = self.v * dt_s * (math.sin(half) / half if abs(half) > 1e-9 else 1.0)
        heading = self.theta + half
        self.x += chord * math.cos(heading)
        self.y += chord * math.sin(heading)
        self.theta = (self.theta + 2.0 * half + math.pi) % (2.0 * math.pi) - math.pi

    @property
    def velocity_xy(self) -> tuple[float, float]:
        """World-frame velocity vector in m/s."""
        return self.v * math.cos(self.theta), self.v * math.sin(self.theta)

    def pose(self) -> np.ndarray:
        """``(3,)`` array ``x_m, y_m, theta_rad``."""
        return np.array((self.x, self.y, self.theta))
