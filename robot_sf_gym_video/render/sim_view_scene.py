"""sim-view's static layer: what every frame of an episode shares, drawn once with pygame.

- ``SceneLayer``: the drawn background surface, the viewport it was drawn with, where the
  HUD's progress text starts, and the pedestrian disc sprite at this scale.
- ``draw_scene(pg, font, size, static, fmt)``: draw it (floor, grid, bounds, obstacles,
  scale bar, goal, start mark, HUD bar and scenario label).

Why apart from ``sim_view``: the layer is drawn once per episode, the dynamic part once per
frame; the frame code only blits this layer and draws over it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from robot_sf_gym_video.render.hud import scale_bar, scenario_label
from robot_sf_gym_video.render.palette import PALETTE_RGB, Ink
from robot_sf_gym_video.render.synthetic_layer import hud_height_px, ui_scale
from robot_sf_gym_video.render.viewport import Viewport

if TYPE_CHECKING:
    import pygame

    from robot_sf_gym_video.sim.snapshot import StaticScene

__all__ = ["SceneLayer", "draw_scene", "rgb"]


def rgb(ink: Ink) -> tuple[int, int, int]:
    """Return the palette colour of ``ink`` as a plain tuple (pygame's colour argument)."""
    r, g, b = PALETTE_RGB[int(ink)]
    return int(r), int(g), int(b)


@dataclass(frozen=True)
class SceneLayer:
    """One episode's static layer at one frame size.

    Attributes:
        surface: The background, the frame's pixel format.
        viewport: Metres -> pixels for this scene and size.
        progress_x: Left edge of the HUD's step counter, after the scenario label.
        ped_sprite: An anti-aliased pedestrian disc on a transparent sprite, and its half size.
    """

    surface: pygame.Surface
    viewport: Viewport
    progress_x: int
    ped_sprite: tuple[pygame.Surface, int]


class _Painter:
    """Draws one static layer (one call of ``draw_scene``)."""

    def __init__(self, pg: Any, font: Any, size: tuple[int, int], static: StaticScene) -> None:
        self.pg, self.font, self.size, self.static = pg, font, size, static
        self.scale, self.hud_h = ui_scale(size), hud_height_px(size)
        self.vp = Viewport.fit(
            static.bounds_m, size, hud_height_px=self.hud_h, margin_px=3 * self.scale + 1
        )

    def px(self, xy_m: np.ndarray) -> np.ndarray:
        """World metres -> pygame coordinates (pixel centres on integers, hence -0.5)."""
        return self.vp.to_px(xy_m) - 0.5

    def floor(self, surf: pygame.Surface) -> pygame.Rect:
        """Letterbox, floor, grid, bounds and obstacles; return the floor's rect."""
        pg, vp, scale = self.pg, self.vp, self.scale
        surf.fill(rgb(Ink.LETTERBOX))
        x0, y0, x1, y1 = vp.world_rect_px(self.static.bounds_m)
        floor = pg.Rect(round(x0), round(y0), round(x1) - round(x0), round(y1) - round(y0))
        surf.fill(rgb(Ink.FLOOR), floor)
        self.grid(surf, floor)
        pg.draw.rect(surf, rgb(Ink.BOUNDS), floor.inflate(2 * scale, 2 * scale), scale)
        for poly in self.static.obstacles_m:
            pts = [tuple(p) for p in self.px(poly)]
            if len(pts) >= 3:
                pg.draw.polygon(surf, rgb(Ink.OBSTACLE), pts)
                pg.draw.aalines(surf, rgb(Ink.OBSTACLE_EDGE), True, pts)
            elif len(pts) == 2:
                wall_px = max(2 * scale, round(vp.length_px(0.12)))
                pg.draw.line(surf, rgb(Ink.OBSTACLE_EDGE), pts[0], pts[1], wall_px)
        return floor

    def grid(self, surf: pygame.Surface, floor: pygame.Rect) -> None:
        """Grid lines every 1 m (coarser when 1 m < 6 px), bolder every 5th."""
        vp, line = self.vp, self.pg.draw.line
        step_m = next(s for s in (1, 2, 5, 10, 20, 50, 100, 1e9) if vp.length_px(s) >= 6)
        x_min, y_min, x_max, y_max = self.static.bounds_m
        for k in range(math.ceil(x_min / step_m), math.floor(x_max / step_m) + 1):
            x = int(vp.to_px(np.array([k * step_m, y_min]))[0])
            ink = Ink.GRID_MAJOR if k % 5 == 0 else Ink.GRID
            if floor.left <= x < floor.right:
                line(surf, rgb(ink), (x, floor.top), (x, floor.bottom - 1))
        for k in range(math.ceil(y_min / step_m), math.floor(y_max / step_m) + 1):
            y = int(vp.to_px(np.array([x_min, k * step_m]))[1])
            ink = Ink.GRID_MAJOR if k % 5 == 0 else Ink.GRID
            if floor.top <= y < floor.bottom:
                line(surf, rgb(ink), (floor.left, y), (floor.right - 1, y))

    def scale_bar(self, surf: pygame.Surface, floor: pygame.Rect) -> None:
        """Draw the scale bar where the synthetic renderer does (``hud.scale_bar``)."""
        pg, scale, colour = self.pg, self.scale, rgb(Ink.SCALE_BAR)
        rect = (floor.left, floor.top, floor.right, floor.bottom)
        x0, x1, y, label = scale_bar(self.vp, rect, scale)
        pg.draw.line(surf, colour, (x0, y), (x1, y), scale)
        for x in (x0, x1):
            pg.draw.line(surf, colour, (x, y - 2 * scale), (x, y + scale - 1), scale)
        text = self.font.render(label, True, colour)
        surf.blit(text, (x0, y - 2 * scale - text.get_height()))

    def marks(self, surf: pygame.Surface) -> None:
        """Draw the goal (disc, outline, cross) and the start (an X)."""
        pg, vp, scale, static = self.pg, self.vp, self.scale, self.static
        gx, gy = self.px(np.array(static.goal_xy_m))
        goal_r = max(vp.length_px(static.goal_radius_m), 2.0 * scale)
        pg.draw.aacircle(surf, rgb(Ink.GOAL), (gx, gy), goal_r)
        pg.draw.aacircle(surf, rgb(Ink.GOAL_EDGE), (gx, gy), goal_r, max(scale, 1))
        arm = min(goal_r * 0.5, 4.0 * scale)
        for dx, dy in ((arm, 0.0), (0.0, arm)):
            pg.draw.aaline(surf, rgb(Ink.GOAL_EDGE), (gx - dx, gy - dy), (gx + dx, gy + dy))
        sx, sy = self.px(np.array(static.start_xy_m))
        arm = 3.0 * scale
        for dy in (arm, -arm):
            pg.draw.aaline(surf, rgb(Ink.START), (sx - arm, sy - dy), (sx + arm, sy + dy))

    def hud(self, surf: pygame.Surface) -> int:
        """Draw the HUD bar and the scenario label; return where the progress text starts."""
        pg, scale, hud_h = self.pg, self.scale, self.hud_h
        surf.fill(rgb(Ink.HUD_BG), pg.Rect(0, 0, self.size[0], hud_h))
        label = self.font.render(scenario_label(self.static), True, rgb(Ink.HUD_TEXT))
        surf.blit(label, (3 * scale, (hud_h - label.get_height()) // 2 + 1))
        return 3 * scale + label.get_width() + self.font.size("  ")[0]

    def disc_sprite(self, radius_px: float, fill: Ink, edge: Ink) -> tuple[pygame.Surface, int]:
        """Return an anti-aliased outlined disc on a transparent sprite, and its half size.

        Blitting one sprite per agent with ``Surface.blits`` is a single C call for the
        whole crowd, against two ``aacircle`` calls per pedestrian; the pixels are the same
        up to rounding of the blending (positions snap to whole pixels).
        """
        pg = self.pg
        half = math.ceil(radius_px) + 1
        sprite = pg.Surface((2 * half + 1, 2 * half + 1), pg.SRCALPHA)
        pg.draw.aacircle(sprite, rgb(fill), (half, half), radius_px)
        pg.draw.aacircle(sprite, rgb(edge), (half, half), radius_px, self.scale)
        return sprite, half


def draw_scene(
    pg: Any, font: Any, size: tuple[int, int], static: StaticScene, fmt: pygame.Surface
) -> SceneLayer:
    """Draw ``static``'s layer at ``size`` on a new surface of ``fmt``'s pixel format."""
    painter = _Painter(pg, font, size, static)
    surf = pg.Surface(size, 0, fmt)
    floor = painter.floor(surf)
    painter.scale_bar(surf, floor)
    painter.marks(surf)
    progress_x = painter.hud(surf)
    radius = max(painter.vp.length_px(static.ped_radius_m), 1.5)
    sprite = painter.disc_sprite(radius, Ink.PED, Ink.PED_EDGE)
    return SceneLayer(surf, painter.vp, progress_x, sprite)
