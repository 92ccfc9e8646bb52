"""What every frame source promises, and the size rules they share.

- ``Renderer``: the protocol the env, the video wrapper and the recorder program against.
- ``RENDERER_NAMES``: the selectable renderer names (from ``render.registry.RENDERERS``).
- ``RendererUnavailable``: raised by a renderer's constructor when its backend cannot start
  (the factory turns it into a fallback plus a note, never into a failed batch).
- ``validate_size``: the one check of a user-given ``(width_px, height_px)``.

Renderers only read a ``StaticScene`` and a ``FrameSnapshot``: they never import physics and
never touch the env's RNG, so rendering (or not) cannot change a rollout.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from robot_sf_gym_video.errors import RobotSfError, UsageError
from robot_sf_gym_video.render.registry import RENDERER_NAMES

if TYPE_CHECKING:
    import numpy as np

    from robot_sf_gym_video.sim.snapshot import FrameSnapshot, StaticScene

__all__ = [
    "MAX_SIZE_PX",
    "MIN_SIZE_PX",
    "RENDERER_NAMES",
    "Renderer",
    "RendererUnavailable",
    "validate_size",
]


#: Smallest frame that still fits a one-line HUD and a readable map: (width_px, height_px).
MIN_SIZE_PX: tuple[int, int] = (96, 72)
#: Largest frame accepted; beyond this a frame costs more than any sim step (4K UHD).
MAX_SIZE_PX: tuple[int, int] = (3840, 2160)


class RendererUnavailable(RobotSfError):
    """A renderer's backend (e.g. pygame/SDL) could not start; the message says why."""


@runtime_checkable
class Renderer(Protocol):
    """A frame source: draws one immutable snapshot of the simulation into pixels.

    Attributes:
        name: ``"synthetic"`` or ``"sim-view"`` (what the video metadata records).
        size: ``(width_px, height_px)``, both even so yuv420p and H.264 accept them as-is.
        encoder_pix_fmt: The raw pixel format of ``render_for_encoder``'s buffer, as ffmpeg
            names it: ``"yuv420p"`` (planar I420) or ``"rgb24"``.
    """

    name: str
    size: tuple[int, int]
    encoder_pix_fmt: str

    def render(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return a new C-contiguous ``(H, W, 3) uint8`` RGB frame of ``snap``.

        The same ``(static, snap)`` always gives a byte-identical frame; inputs are never
        modified, and the returned array is never reused by the renderer.
        """
        ...

    def render_for_encoder(self, static: StaticScene, snap: FrameSnapshot) -> np.ndarray:
        """Return the same frame as a new contiguous uint8 buffer in ``encoder_pix_fmt``.

        For ``"yuv420p"``: the Y plane (``H*W`` bytes), then U, then V (``H/2*W/2`` each),
        BT.601 limited range, which is what ffmpeg and players assume for untagged
        yuv420p. Feeding this instead of RGB saves ffmpeg's RGB->YUV conversion, which
        costs about as much as the H.264 encode itself. For ``"rgb24"``: as ``render``.
        """
        ...

    def close(self) -> None:
        """Release backend resources; the renderer must not be used afterwards."""
        ...


def validate_size(size: object) -> tuple[int, int]:
    """Return ``size`` as ``(width_px, height_px)`` or raise a one-line ``UsageError``.

    Sizes must be even because yuv420p stores chroma per 2x2 block and H.264 rejects odd
    dimensions; the minimum keeps the HUD and the map legible.
    """
    rule = (
        f"(width_px, height_px) must be two even integers between "
        f"{MIN_SIZE_PX[0]}x{MIN_SIZE_PX[1]} and {MAX_SIZE_PX[0]}x{MAX_SIZE_PX[1]}"
    )
    try:
        width_px, height_px = size  # type: ignore[misc]
    except (TypeError, ValueError):
        raise UsageError(f"bad frame size {size!r}: {rule}") from None
    for value in (width_px, height_px):
        # numbers.Integral admits numpy integers (e.g. from a config array) but not 320.0.
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise UsageError(f"bad frame size {size!r}: {rule}")
    width_px, height_px = int(width_px), int(height_px)
    if (
        width_px % 2
        or height_px % 2
        or not MIN_SIZE_PX[0] <= width_px <= MAX_SIZE_PX[0]
        or not MIN_SIZE_PX[1] <= height_px <= MAX_SIZE_PX[1]
    ):
        raise UsageError(f"bad frame size {width_px}x{height_px}: {rule}")
    return width_px, height_px
