"""The one metres -> pixels transform shared by both renderers.

- ``Viewport``: fits a world rectangle (``StaticScene.bounds_m``, metres, y up) into the
  part of a frame below a HUD strip (pixels, y down), keeping the aspect ratio.

Pixel coordinates are continuous: ``(0.0, 0.0)`` is the top-left corner of the top-left
pixel, so pixel ``(row r, column c)`` covers ``[c, c + 1) x [r, r + 1)`` and its centre is
``(c + 0.5, r + 0.5)``. A rasterizer takes ``floor`` of a coordinate to get the pixel;
pygame, whose pixel centres sit on integers, subtracts 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Viewport"]


@dataclass(frozen=True)
class Viewport:
    """Maps world metres to frame pixels for one ``(bounds_m, size)`` pair.

    Attributes:
        width_px: Frame width in pixels.
        height_px: Frame height in pixels.
        hud_height_px: Height of the HUD strip at the top of the frame; the map is below it.
        px_per_m: Pixels per metre, identical in x and y (aspect ratio kept).
        x_min_m: World x (metres) that maps to column ``origin_x_px``.
        y_max_m: World y (metres) that maps to row ``origin_y_px`` (y is flipped).
        origin_x_px: Column (continuous) of world ``x_min_m``.
        origin_y_px: Row (continuous) of world ``y_max_m``.
    """

    width_px: int
    height_px: int
    hud_height_px: int
    px_per_m: float
    x_min_m: float
    y_max_m: float
    origin_x_px: float
    origin_y_px: float

    @classmethod
    def fit(
        cls,
        bounds_m: tuple[float, float, float, float],
        size: tuple[int, int],
        *,
        hud_height_px: int,
        margin_px: int,
    ) -> Viewport:
        """Fit ``bounds_m`` (x_min, y_min, x_max, y_max in metres) centred into the map area.

        The map area is the frame below the HUD strip, shrunk by ``margin_px`` on each side
        so the bounds outline and agents at the border stay visible.
        """
        width_px, height_px = size
        x_min, y_min, x_max, y_max = (float(v) for v in bounds_m)
        world_w_m = max(x_max - x_min, 1e-6)
        world_h_m = max(y_max - y_min, 1e-6)
        avail_w_px = max(width_px - 2 * margin_px, 1)
        avail_h_px = max(height_px - hud_height_px - 2 * margin_px, 1)
        px_per_m = min(avail_w_px / world_w_m, avail_h_px / world_h_m)
        pad_x_px = (avail_w_px - world_w_m * px_per_m) / 2.0
        pad_y_px = (avail_h_px - world_h_m * px_per_m) / 2.0
        return cls(
            width_px=width_px,
            height_px=height_px,
            hud_height_px=hud_height_px,
            px_per_m=px_per_m,
            x_min_m=x_min,
            y_max_m=y_max,
            origin_x_px=margin_px + pad_x_px,
            origin_y_px=hud_height_px + margin_px + pad_y_px,
        )

    def to_px(self, xy_m: np.ndarray) -> np.ndarray:
        """Convert points ``(..., 2)`` in metres to continuous pixel ``(x_px, y_px)``.

        World y grows upwards, image rows grow downwards, hence the sign flip.
        """
        xy = np.asarray(xy_m, dtype=np.float64)
        out = np.empty(xy.shape, dtype=np.float64)
        out[..., 0] = self.origin_x_px + (xy[..., 0] - self.x_min_m) * self.px_per_m
        out[..., 1] = self.origin_y_px + (self.y_max_m - xy[..., 1]) * self.px_per_m
        return out

    def length_px(self, length_m: float) -> float:
        """Convert a length in metres (a radius, a grid step) to pixels."""
        return float(length_m) * self.px_per_m

    def world_rect_px(self, bounds_m: tuple[float, float, float, float]) -> np.ndarray:
        """Return ``[x0_px, y0_px, x1_px, y1_px]`` (continuous) of a world rectangle.

        ``(x0, y0)`` is the top-left corner in the image, i.e. world ``(x_min, y_max)``.
        """
        x_min, y_min, x_max, y_max = bounds_m
        corners = self.to_px(np.array([[x_min, y_max], [x_max, y_min]], dtype=np.float64))
        return corners.ravel()
