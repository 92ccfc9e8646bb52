"""What the HUD strip says, so both renderers show the same words.

- ``HudText``: the three parts of a HUD line and the ink of the right-hand part.
- ``hud_text(static, snap)``: builds it from a scene and a snapshot.
- ``progress_text(static, snap)``: just the per-step counter, for drawers that handle the
  common no-status frame without building a ``HudText``.

Left: scenario name (constant for an episode, drawn once), then step counter and sim time.
Right: the outcome on the episode's last frame (``SUCCESS`` / ``COLLISION`` / ``TIMEOUT``),
or ``HIT PEDESTRIAN`` / ``HIT OBSTACLE`` on a collision frame that does not end the episode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from robot_sf_gym_video.render.palette import Ink

if TYPE_CHECKING:
    from robot_sf_gym_video.sim.snapshot import FrameSnapshot, StaticScene

__all__ = ["HudText", "hud_text", "progress_text", "scenario_label"]

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


def hud_text(static: StaticScene, snap: FrameSnapshot) -> HudText:
    """Return the HUD line for ``snap`` (pure function of its inputs, hence deterministic).

    ``status`` is empty exactly when ``snap.outcome`` and ``snap.collision`` are None.
    """
    progress = progress_text(static, snap)
    if snap.outcome is not None:
        status, ink = snap.outcome.upper(), _OUTCOME_INK[snap.outcome]
    elif snap.collision is not None:
        status, ink = f"HIT {snap.collision.upper()}", Ink.OUTCOME_COLLISION
    else:
        status, ink = "", Ink.HUD_TEXT
    return HudText(scenario_label(static), progress, status, ink)
