"""The pygame-ce frame source: anti-aliased, offscreen, never opens a window.

- ``SimulationView``: draws a ``StaticScene`` + ``FrameSnapshot`` with pygame onto an
  offscreen surface: the synthetic renderer's scene plus anti-aliased shapes, velocity
  vectors, optional lidar rays and a HUD in pygame's bundled font.
- ``DEFAULT_SIZE``: ``(640, 480)`` pixels.
- ``load_pygame()``: imports and prepares pygame headless, or raises ``RendererUnavailable``.

Headless by construction: only ``pygame.font`` is initialised (no display, no audio), and
``SDL_VIDEODRIVER=dummy`` is set when neither ``DISPLAY`` nor ``WAYLAND_DISPLAY`` exists, so
a missing display can never make it fail. Each frame is drawn straight into a numpy array
wrapped as a 24-bit pygame surface (``pygame.image.frombuffer``): no pixel grab at all,
about half the cost of drawing on a 32-bit surface and copying it out with
``pygame.image.tobytes`` (PERF.md: ~1.2 ms; ``surfarray.array3d``: ~7 ms).

For the encoder (``draw_for_encoder``) one canvas is kept: only what the previous frame drew
is put back from the static layer, and only the tiles this frame drew over are converted
to yuv420p (``i420_tiles``); the rest of the frame is the layer's own conversion, made once
per episode. The pixels are those of ``render()`` converted whole by swscale.
"""

from __future__ import annotations

import logging
import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from robot_sf_gym_video.render.base import RendererUnavailable, validate_size
from robot_sf_gym_video.render.hud import event_rings, hud_text
from robot_sf_gym_video.render.i420_tiles import TileConverter, to_i420
from robot_sf_gym_video.render.palette import Ink
from robot_sf_gym_video.render.sim_view_scene import SceneLayer, draw_scene
from robot_sf_gym_video.render.sim_view_scene import rgb as _rgb
from robot_sf_gym_video.render.synthetic_layer import hud_height_px, ui_scale

if TYPE_CHECKING:
    from types import ModuleType

    import pygame

    from robot_sf_gym_video.render.viewport import Viewport
    from robot_sf_gym_video.sim.snapshot import FrameSnapshot, StaticScene

__all__ = ["DEFAULT_SIZE", "ENCODER_RING", "SimulationView", "load_pygame"]

logger = logging.getLogger(__name__)

DEFAULT_SIZE: tuple[int, int] = (640, 480)
#: Velocity vectors show where an agent will be this many seconds ahead.
VELOCITY_HORIZON_S = 0.5
#: How many ``draw_for_encoder`` frames stay intact at once (reused I420 buffers).
ENCODER_RING = 4


def load_pygame() -> ModuleType:
    """Import pygame for offscreen drawing and initialise its font module.

    Raises:
        RendererUnavailable: pygame is not importable or SDL/font initialisation failed;
            the message says which, for the fallback note.
    """
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame
    except ImportError as exc:
        raise RendererUnavailable(str(exc) or "pygame is not importable") from exc
    try:
        pygame.font.init()
        probe = pygame.Surface((2, 2))
        pygame.draw.aacircle(probe, (255, 255, 255), (1, 1), 1)
    except Exception as exc:  # pygame.error, or anything SDL throws at start-up
        raise RendererUnavailable(f"pygame could not start: {exc}") from exc
    return pygame


class SimulationView:
    """Anti-aliased pygame-ce renderer (``renderer="sim-view"``).

    Attributes:
        name: ``"sim-view"``.
        size: ``(width_px, height_px)``.
        encoder_pix_fmt: ``"yuv420p"``: ``render()`` converted by swscale.
        encoder_ring: How many ``draw_for_encoder`` frames stay intact at once.
    """

    name = "sim-view"
    encoder_pix_fmt = "yuv420p"

    def __init__(
        self,
        size: tuple[int, int] | None = None,
        *,
        show_lidar: bool = False,
        show_velocities: bool = True,
        show_trail: bool = True,
    ) -> None:
        """Prepare pygame headless and a renderer for frames of ``size`` (default 640x480).

        Args:
            size: ``(width_px, height_px)``, both even; ``UsageError`` otherwise.
            show_lidar: Draw the robot's lidar rays when the snapshot carries ranges. Off by
                default: the fan drowns the scene and makes frames far costlier to encode.
            show_velocities: Draw velocity vectors (``VELOCITY_HORIZON_S`` ahead).
            show_trail: Draw the robot's recent path.

        Raises:
            RendererUnavailable: pygame cannot start (the factory falls back to synthetic).
        """
        self.size = validate_size(DEFAULT_SIZE if size is None else size)
        self.show_lidar = bool(show_lidar)
        self.show_velocities = bool(show_velocities)
        self.show_trail = bool(show_trail)
        self._pg: Any = load_pygame()
        self._scale = ui_scale(self.size)
        self._hud_h = hud_height_px(self.size)
        try:
            self._font = self._pg.font.Font(None, max(int(self._hud_h * 0.85), 10))
            # A 24-bit surface with R, G, B byte order, matching frombuffer(..., "RGB").
            self._format = self._pg.image.frombuffer(bytearray(12), (2, 2), "RGB")
        except Exception as exc:
            raise RendererUnavailable(f"pygame could not start: {exc}") from exc
        self._static: StaticScene | None = None
        self._layer: SceneLayer | None = None
        self._viewport: Viewport | None = None
        self._rects: list[Any] = []  # what the frame being drawn covers (pygame Rects)
        self._canvas_rects: list[Any] = []  # what the canvas shows over the static layer
        self.encoder_ring = ENCODER_RING
        self._ring: list[np.ndarray] = []
        self._slot = 0
        self._canvas: tuple[np.ndarray, pygame.Surface] | None = None
        self._canvas_static: StaticScene | None = None  # whose layer the canvas holds
        self._tiles = TileConverter(*self.size)

    # -- public API -------------------------------------------------------------------------

    def render(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return a new ``(H, W, 3) uint8`` C-contiguous RGB frame of ``snap``."""
        background = self._background_for(static)
        width_px, height_px = self.size
        frame = np.empty((height_px, width_px, 3), dtype=np.uint8)
        surface = self._pg.image.frombuffer(frame, (width_px, height_px), "RGB")
        surface.blit(background, (0, 0))
        self._draw_dynamic(surface, static, snap)
        del surface  # release the buffer before handing the array out
        return frame

    def render_for_encoder(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return a new yuv420p (I420) buffer: ``render()`` converted whole by swscale."""
        return to_i420(self.render(static, snap))

    def draw_for_encoder(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return ``render_for_encoder``'s frame in one of ``encoder_ring`` reused buffers.

        The buffers are used in turn, so a frame stays intact for the next
        ``encoder_ring - 1`` calls and is then overwritten (as in ``SyntheticRenderer``):
        the recorder wraps each buffer once instead of copying every frame.
        """
        canvas, surface = self._canvas_for(static)
        layer = self._layer
        assert layer is not None
        restore = [(layer.surface, rect, rect) for rect in self._canvas_rects]
        surface.blits(restore, False)
        self._canvas_rects = self._draw_dynamic(surface, static, snap)
        if not self._ring:
            n_bytes = self.size[0] * self.size[1] * 3 // 2
            self._ring = [np.zeros(n_bytes, dtype=np.uint8) for _ in range(self.encoder_ring)]
        frame = self._ring[self._slot]
        self._slot = (self._slot + 1) % len(self._ring)
        self._tiles.convert(canvas, self._canvas_rects, frame)
        return frame

    def viewport(self, static: StaticScene) -> Viewport:
        """Return the metres -> pixels transform used for ``static`` at this size."""
        self._background_for(static)
        assert self._viewport is not None
        return self._viewport

    def close(self) -> None:
        """Drop the cached layer, canvas and buffers (pygame itself stays importable)."""
        self._layer = self._static = self._canvas = self._canvas_static = None
        self._ring, self._rects, self._canvas_rects = [], [], []

    # -- drawing ----------------------------------------------------------------------------

    def _px(self, xy_m: np.ndarray) -> np.ndarray:
        """World metres -> pygame coordinates (pixel centres on integers, hence -0.5)."""
        assert self._viewport is not None
        return self._viewport.to_px(xy_m) - 0.5

    def _background_for(self, static: StaticScene) -> pygame.Surface:
        """Return the cached static layer of ``static`` (by identity), drawing it once."""
        if self._layer is None or self._static is not static:
            self._layer = draw_scene(self._pg, self._font, self.size, static, self._format)
            self._static, self._viewport = static, self._layer.viewport
        return self._layer.surface

    def _canvas_for(self, static: StaticScene) -> tuple[np.ndarray, pygame.Surface]:
        """Return the encoder's canvas showing ``static``'s layer (redrawn on a new scene)."""
        layer_surface = self._background_for(static)
        if self._canvas is None:
            width_px, height_px = self.size
            array = np.empty((height_px, width_px, 3), dtype=np.uint8)
            self._canvas = (array, self._pg.image.frombuffer(array, self.size, "RGB"))
        if self._canvas_static is not static:
            array, surface = self._canvas
            surface.blit(layer_surface, (0, 0))
            self._tiles.set_background(array)
            self._canvas_static, self._canvas_rects = static, []
        return self._canvas

    def _draw_dynamic(
        self, surf: pygame.Surface, static: StaticScene, snap: FrameSnapshot
    ) -> list[Any]:
        """Draw lidar, trail, pedestrians, robot, collision and event marks, HUD (in order).

        Returns the rects the draw calls report as changed, each grown by a pixel all
        round (in case a primitive bleeds past its rect): all that differs from the layer.
        """
        pg = self._pg
        self._rects = []
        vp = self._viewport
        assert vp is not None
        width_px, height_px = self.size
        surf.set_clip(pg.Rect(0, self._hud_h, width_px, height_px - self._hud_h))
        robot_xy = self._px(snap.robot_pose[:2])
        if self.show_lidar:
            self._draw_lidar(surf, static, snap, robot_xy)
        if self.show_trail:
            self._draw_trail(surf, snap)
        self._draw_pedestrians(surf, static, snap)
        self._draw_robot(surf, static, snap, robot_xy)
        self._draw_marks(surf, static, snap)
        surf.set_clip(None)
        self._draw_hud(surf, static, snap)
        return [rect.inflate(2, 2) for rect in self._rects if rect.w and rect.h]

    def _draw_lidar(
        self, surf: pygame.Surface, static: StaticScene, snap: FrameSnapshot, robot_xy: np.ndarray
    ) -> None:
        """Draw the rays as plain lines and the scan's outline through their hits, anti-aliased."""
        pg, vp = self._pg, self._viewport
        assert vp is not None
        n_rays = min(len(snap.lidar_ranges_m), len(static.lidar_angles_rad))
        if not n_rays:
            return
        theta = float(snap.robot_pose[2])
        angles = theta + static.lidar_angles_rad[:n_rays]
        ranges = np.nan_to_num(snap.lidar_ranges_m[:n_rays], nan=0.0, posinf=0.0)
        ranges = np.clip(ranges, 0.0, static.lidar_max_range_m) * vp.px_per_m
        ends = robot_xy + np.stack((np.cos(angles), -np.sin(angles)), axis=1) * ranges[:, None]
        # Rays are plain lines: anti-aliasing ~10k ray pixels costs ~1 ms; the scan's
        # outline through the hit points is anti-aliased (short segments, cheap).
        colour, origin = _rgb(Ink.LIDAR), (float(robot_xy[0]), float(robot_xy[1]))
        end_list, add = ends.tolist(), self._rects.append
        for end in end_list:
            add(pg.draw.line(surf, colour, origin, end))
        if n_rays >= 3:
            add(pg.draw.aalines(surf, _rgb(Ink.LIDAR_SCAN), True, end_list))

    def _draw_trail(self, surf: pygame.Surface, snap: FrameSnapshot) -> None:
        """Draw the robot's recent path: the older half of its segments, then the newer one."""
        trail = snap.trail_m.reshape(-1, 2)  # also accepts an empty trail of shape (0,)
        if len(trail) < 2:
            return
        pts = self._px(trail).tolist()
        half = (len(pts) - 1) // 2  # older half of the segments, as in synthetic
        for part, ink in ((pts[: half + 1], Ink.TRAIL_OLD), (pts[half:], Ink.TRAIL_NEW)):
            if len(part) >= 2:
                self._rects.append(self._pg.draw.aalines(surf, _rgb(ink), False, part))

    def _draw_pedestrians(
        self, surf: pygame.Surface, static: StaticScene, snap: FrameSnapshot
    ) -> None:
        """Draw discs, outlines, and a velocity vector from each centre (also the heading).

        The vector is at least as long as the radius, so slow walkers show it too. Discs are
        one pre-drawn anti-aliased sprite, blitted for everyone in one C call.
        """
        vp, scale = self._viewport, self._scale
        assert vp is not None
        ped_r = max(vp.length_px(static.ped_radius_m), 1.5)
        horizon_px = VELOCITY_HORIZON_S * vp.px_per_m
        ped_edge, vel_ink = _rgb(Ink.PED_EDGE), _rgb(Ink.VELOCITY)
        min_len = ped_r + 2.0 * scale
        ped_xy = self._px(snap.ped_positions_m.reshape(-1, 2))
        assert self._layer is not None
        sprite, half = self._layer.ped_sprite
        corners = np.clip(np.rint(np.nan_to_num(ped_xy, nan=-1e6)) - half, -1e6, 1e6)
        blits = [(sprite, corner) for corner in corners.astype(int).tolist()]
        self._rects.extend(surf.blits(blits) or ())
        for (x, y), (vx, vy) in zip(
            ped_xy.tolist(), snap.ped_velocities_mps.reshape(-1, 2).tolist(), strict=True
        ):
            speed = math.hypot(vx, vy)
            if speed > 1e-3:
                length = max(speed * horizon_px, min_len) if self.show_velocities else min_len
                ux, uy = vx / speed, -vy / speed
                colour = vel_ink if self.show_velocities else ped_edge
                self._arrow(surf, (x, y), (x + ux * length, y + uy * length), colour)

    def _draw_robot(
        self, surf: pygame.Surface, static: StaticScene, snap: FrameSnapshot, robot_xy: np.ndarray
    ) -> None:
        """Draw body, outline, heading nose, velocity arrow and, on a collision, red marks."""
        pg, vp, scale = self._pg, self._viewport, self._scale
        assert vp is not None
        theta = float(snap.robot_pose[2])
        heading = np.array([math.cos(theta), -math.sin(theta)])
        robot_r = max(vp.length_px(static.robot_radius_m), 2.0)
        horizon_px = VELOCITY_HORIZON_S * vp.px_per_m
        rx, ry = robot_xy
        add = self._rects.append
        add(pg.draw.aacircle(surf, _rgb(Ink.ROBOT), (rx, ry), robot_r))
        add(pg.draw.aacircle(surf, _rgb(Ink.ROBOT_EDGE), (rx, ry), robot_r, max(scale, 2)))
        nose = robot_xy + heading * (robot_r + max(3.0 * scale, 0.6 * robot_r))
        add(pg.draw.line(surf, _rgb(Ink.ROBOT_EDGE), (rx, ry), tuple(nose), max(scale, 2)))
        if self.show_velocities:
            lin_mps = float(snap.robot_velocity[0])
            tip = robot_xy + heading * lin_mps * horizon_px
            if abs(lin_mps) * horizon_px > robot_r:
                self._arrow(surf, (rx, ry), tuple(tip), _rgb(Ink.VELOCITY))
        if snap.collision is not None:
            width_px, height_px = self.size
            ring_r = robot_r + 3.0 * scale
            add(pg.draw.aacircle(surf, _rgb(Ink.COLLISION), (rx, ry), ring_r, 2 * scale))
            border = pg.Rect(0, self._hud_h, width_px, height_px - self._hud_h)
            add(pg.draw.rect(surf, _rgb(Ink.COLLISION), border, 3 * scale))

    def _draw_marks(self, surf: pygame.Surface, static: StaticScene, snap: FrameSnapshot) -> None:
        """Ring what each recent episode event involved (the rings the synthetic one draws)."""
        assert self._viewport is not None
        for x, y, inner, outer, ink in event_rings(static, snap, self._viewport, self._scale):
            width = max(1, round(outer - inner))
            self._rects.append(self._pg.draw.aacircle(surf, _rgb(ink), (x, y), outer, width))

    def _arrow(
        self,
        surf: pygame.Surface,
        start: tuple[float, float],
        end: tuple[float, float],
        colour: tuple[int, int, int],
    ) -> None:
        """Draw an anti-aliased line ``start -> end`` with a small filled head."""
        pg, add = self._pg, self._rects.append
        add(pg.draw.aaline(surf, colour, start, end, self._scale))
        dx, dy = end[0] - start[0], end[1] - start[1]
        length = math.hypot(dx, dy)
        head = min(3.0 * self._scale, 0.35 * length)
        if head < 1.5:
            return
        ux, uy = dx / length, dy / length
        back_x, back_y = end[0] - head * ux, end[1] - head * uy
        side_x, side_y = -uy * head * 0.6, ux * head * 0.6
        wings = ((back_x + side_x, back_y + side_y), (back_x - side_x, back_y - side_y))
        add(pg.draw.polygon(surf, colour, (end, *wings)))

    def _draw_hud(self, surf: pygame.Surface, static: StaticScene, snap: FrameSnapshot) -> None:
        """Step counter and sim time after the scenario name; outcome right-aligned."""
        text = hud_text(static, snap)
        progress = self._font.render(text.progress, True, _rgb(Ink.HUD_DIM))
        top = (self._hud_h - progress.get_height()) // 2 + 1
        assert self._layer is not None
        add = self._rects.append
        add(surf.blit(progress, (self._layer.progress_x, top)))
        if text.status:
            status = self._font.render(text.status, True, _rgb(text.status_ink))
            add(surf.blit(status, (self.size[0] - status.get_width() - 3 * self._scale, top)))
