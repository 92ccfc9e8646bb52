"""What the HUD strip says, so both renderers show the same words.

- ``HudText``: the three parts of a HUD line and the ink of the right-hand part.
- ``hud_text(static, snap)``: builds it from a scene and a snapshot.
- ``progress_text(static, snap)``: just the per-step counter, for drawers that handle the
  common no-status frame without building a ``HudText``.

Left: scenario name (constant for an episode, drawn once), then step counter and sim time.
Right: the outcome on the episode's last frame (``SUCCESS`` / ``COLLISION`` / ``TIMEOUT``),
or ``HIT PEDESTRIAN`` / ``HIT OBSTACLE`` on a collision frame that does not end the episode;
for a while after an episode event (``FrameSnapshot.marks``) it names the latest one and
what was involved: ``NEAR MISS P12``, ``HIT P3``, ``HIT OBST 2``, ``HIT WALL 1`` (after the
outcome on the last frame: ``COLLISION P3``).
- ``mark_label(mark)``: that short name of an event.
- ``scale_bar(viewport, floor_px, scale)``: where both renderers draw the scale bar (1 m,
  or the first of 2/5/10 m that is at least 8 px long) and its label.
- ``event_rings(static, snap, viewport, scale)``: where both renderers ring what an event
  involved (a pedestrian, an obstacle, or the robot for a wall), in pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from robot_sf_gym_video.render.palette import Ink

if TYPE_CHECKING:
    from robot_sf_gym_video.render.viewport import Viewport
    from robot_sf_gym_video.sim.snapshot import EventMark, FrameSnapshot, StaticScene

__all__ = [
    "HudText",
    "event_rings",
    "hud_text",
    "mark_label",
    "progress_text",
    "scale_bar",
    "scenario_label",
]

_OUTCOME_INK = {
    "success": Ink.OUTCOME_SUCCESS,
    "collision": Ink.OUTCOME_COLLISION,
    "timeout": Ink.OUTCOME_TIMEOUT,
}


@dataclass(frozen=True)
class HudText:
    """One HUD line.

    Attributes:
        scenario: Scenario label (left, main ink).
        progress: ``"STEP s/max  T 12.3S"`` (left, after the scenario, dim ink).
        status: Outcome or collision note (right-aligned), empty when nothing to say.
        status_ink: Palette ink of ``status``.
    """

    scenario: str
    progress: str
    status: str
    status_ink: Ink


def scenario_label(static: StaticScene) -> str:
    """Return the scenario name as shown in the HUD (upper case, at most 24 characters)."""
    return static.scenario.upper()[:24]


def progress_text(static: StaticScene, snap: FrameSnapshot) -> str:
    """Return ``"STEP s/max  T 12.3S"``; frames without status say nothing else per step."""
    return f"STEP {snap.step}/{static.max_steps}  T {snap.time_s:.1f}S"


_WHO = {"pedestrian": "P{}", "obstacle": "OBST {}", "wall": "WALL {}"}


def _who(mark: EventMark) -> str:
    """Return the short name of what a mark involves (empty for none)."""
    if mark.with_type is None:
        return ""
    return _WHO[mark.with_type].format(mark.with_id)


def mark_label(mark: EventMark) -> str:
    """Return the HUD's name of an event: ``NEAR MISS P12``, ``HIT WALL 1``, ``GOAL``."""
    verb = {"near_miss": "NEAR MISS", "collision": "HIT", "goal": "GOAL"}[mark.kind]
    return f"{verb} {_who(mark)}".strip()


def hud_text(static: StaticScene, snap: FrameSnapshot) -> HudText:
    """Return the HUD line for ``snap`` (pure function of its inputs, hence deterministic).

    ``status`` is empty exactly when ``snap.outcome`` and ``snap.collision`` are None and
    ``snap.marks`` is empty.
    """
    progress = progress_text(static, snap)
    hits = [m for m in snap.marks if m.kind == "collision"]
    if snap.outcome is not None:
        status, ink = snap.outcome.upper(), _OUTCOME_INK[snap.outcome]
        if hits:
            status = f"{status} {_who(hits[-1])}".strip()
    elif snap.marks:
        mark = snap.marks[-1]
        status = mark_label(mark)
        ink = Ink.OUTCOME_COLLISION if mark.kind == "collision" else Ink.EVENT_TEXT
    elif snap.collision is not None:
        status, ink = f"HIT {snap.collision.upper()}", Ink.OUTCOME_COLLISION
    else:
        status, ink = "", Ink.HUD_TEXT
    return HudText(scenario_label(static), progress, status, ink)


def event_rings(
    static: StaticScene, snap: FrameSnapshot, viewport: Viewport, scale: int
) -> tuple[tuple[float, float, float, float, Ink], ...]:
    """Return ``(x_px, y_px, inner_px, outer_px, ink)`` rings marking ``snap.marks``.

    A pedestrian gets a ring just outside its disc, an obstacle one around its vertices,
    a wall (and a goal) one around the robot. Collisions ring in the collision colour,
    near misses in the event colour; both renderers draw these same rings.
    """
    rings = []
    gap = 2.0 * scale
    for mark in snap.marks:
        ink = Ink.OUTCOME_COLLISION if mark.kind == "collision" else Ink.EVENT
        if mark.kind == "goal":
            ink = Ink.OUTCOME_SUCCESS
        peds = snap.ped_positions_m.reshape(-1, 2)
        if mark.with_type == "pedestrian" and 0 <= mark.with_id < len(peds):
            centre, radius = peds[mark.with_id], viewport.length_px(static.ped_radius_m)
        elif mark.with_type == "obstacle" and 0 <= mark.with_id < len(static.obstacles_m):
            poly = static.obstacles_m[mark.with_id]
            centre = poly.mean(axis=0)
            radius = viewport.length_px(float(np.hypot(*(poly - centre).T).max()))
        else:
            centre, radius = snap.robot_pose[:2], viewport.length_px(static.robot_radius_m)
        x_px, y_px = viewport.to_px(np.asarray(centre, dtype=np.float64)[None, :])[0]
        outer = max(radius, 1.5) + gap + 2.0 * scale
        rings.append((float(x_px), float(y_px), outer - 2.0 * scale, outer, ink))
    return tuple(rings)


def scale_bar(
    viewport: Viewport, floor_px: tuple[int, int, int, int], scale: int
) -> tuple[int, int, int, str]:
    """Return ``(x0_px, x1_px, y_px, label)``: a bar of a round length in the map's corner.

    ``floor_px`` is the floor rectangle ``(x0, y0, x1, y1)``; the bar sits ``3 * scale``
    pixels inside its bottom-left corner, the label (``"1M"``) above its left end.
    """
    length_m = next((m for m in (1, 2, 5, 10) if viewport.length_px(m) >= 8), 10)
    x0 = floor_px[0] + 3 * scale
    y = floor_px[3] - 3 * scale - 1
    return x0, x0 + round(viewport.length_px(length_m)), y, f"{length_m}M"
