"""Turning arbitrary ``env.render()`` arrays into frames the encoder takes.

- ``to_rgb24(frame)``: a C-contiguous ``(H, W, 3) uint8`` array with even ``H`` and ``W``.

Runs on the writer thread, never on the env's thread: Gymnasium's classic-control envs
return a transposed view, and making it contiguous costs ~1.5 ms at 600x400 (numpy
releases the GIL while copying, so the env's thread keeps running).
"""

from __future__ import annotations

import numpy as np

__all__ = ["to_rgb24"]


def to_rgb24(frame: np.ndarray) -> np.ndarray:
    """Return ``frame`` as a contiguous ``(H, W, 3) uint8`` array of even size.

    Accepts ``(H, W, 3)`` RGB, ``(H, W, 4)`` RGBA (alpha dropped) and ``(H, W)`` or
    ``(H, W, 1)`` grey. H.264 in yuv420p needs even sides, so an odd height or width is
    padded by one row or column repeating the edge pixels (nothing is cut, no black line
    appears); the decoded video is then one pixel larger than ``env.render()`` on that side.

    Raises:
        ValueError: if the array is not uint8 or not an image shape.
    """
    arr = np.asarray(frame)
    if arr.dtype != np.uint8:
        raise ValueError(f"render() must return uint8 frames, got {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[..., :3]
    elif arr.ndim == 2:
        arr = arr[..., None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 3) or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"render() must return an (H, W, 3) image, got shape {arr.shape}")
    if arr.shape[2] == 1:
        arr = np.repeat(arr, 3, axis=2)
    height_px, width_px = arr.shape[:2]
    if height_px % 2 or width_px % 2:
        return np.pad(arr, ((0, height_px % 2), (0, width_px % 2), (0, 0)), mode="edge")
    return np.ascontiguousarray(arr)
