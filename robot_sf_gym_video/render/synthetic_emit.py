"""The synthetic renderer's emitters: write one draw list (``synthetic_draw``) over a frame.

- ``emit_indices``: a palette-index frame (what tests and the docs' PNGs compare).
- ``emit_rgb``: an RGB frame, each pixel one 3-byte element written in one assignment.
- ``emit_i420``: a planar I420 frame whose chroma matches swscale's RGB subsampling.

Why separate from the draw list: the list says WHAT a frame shows, once; each emitter only
turns inks into its own pixel format, so a visual change is never made per format.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from robot_sf_gym_video.render.palette import LUT_Y, PALETTE_RGB

if TYPE_CHECKING:
    from robot_sf_gym_video.render.synthetic_draw import DrawList, DrawTables

__all__ = ["emit_i420", "emit_indices", "emit_rgb"]

#: One 3-byte element per palette colour, so an RGB pixel is written in one assignment.
_PALETTE_V3 = np.ascontiguousarray(PALETTE_RGB).view("V3").ravel()


def _index_buffer(ops: DrawList, static_idx: np.ndarray, n_buffer: int) -> np.ndarray:
    """Return a fresh ``n_buffer``-byte buffer: ``static_idx``, then every op's inks.

    Clipped entries land in the tail past the frame, so no op needs masking.
    """
    buf = np.empty(n_buffer, dtype=np.uint8)
    buf[: static_idx.size] = static_idx.reshape(-1)
    for pos, inks in ops:
        buf[pos] = inks
    return buf


def emit_indices(ops: DrawList, static_idx: np.ndarray, n_buffer: int) -> np.ndarray:
    """Return a new ``(H, W)`` palette-index frame: ``static_idx`` with every op's inks."""
    buf = _index_buffer(ops, static_idx, n_buffer)
    return buf[: static_idx.size].reshape(static_idx.shape)


def emit_rgb(ops: DrawList, static_rgb: np.ndarray, n_buffer: int) -> np.ndarray:
    """Return a new ``(H, W, 3)`` RGB frame: ``static_rgb`` with every op's pixels.

    Like ``emit_indices``, with each pixel one 3-byte element.
    """
    n_px = static_rgb.shape[0] * static_rgb.shape[1]
    buf = np.empty((n_buffer, 3), dtype=np.uint8)
    buf[:n_px] = static_rgb.reshape(n_px, 3)
    pixels = buf.view("V3").reshape(n_buffer)
    for pos, inks in ops:
        pixels[pos] = _PALETTE_V3.take(inks)
    return buf[:n_px].reshape(static_rgb.shape)


def emit_i420(
    ops: DrawList,
    static_idx: np.ndarray,
    static_i420: np.ndarray,
    tables: DrawTables,
    frame: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Return an I420 frame: ``static_i420`` with the ops' luma and swscale chroma.

    The inks are drawn into a palette-index buffer (the tables' scratch) and their luma
    into the frame, each in one write in drawing order, so every touched pixel ends with
    its final ink and that ink's luma; then every chroma block whose window holds a
    touched pixel is recomputed from the final inks (``chroma.ChromaBlocks``). The frame
    is the first ``len(static_i420)`` bytes of a ``tables.n_buffer``-byte buffer whose
    tail takes what was clipped away: a fresh one, or ``frame``, a ``(buffer, view of
    its frame bytes)`` pair the caller reuses (the view is returned).
    """
    ibuf = tables.index_scratch
    ibuf[: static_idx.size] = static_idx.reshape(-1)
    if frame is None:
        buf = np.empty(tables.n_buffer, dtype=np.uint8)
        out = buf[: len(static_i420)]
    else:
        buf, out = frame
    out[:] = static_i420
    if ops:
        pixels = np.concatenate([pos for pos, _ in ops])
        inks = np.concatenate([inks for _, inks in ops])
        ibuf[pixels] = inks  # in drawing order: the last write wins, in both buffers
        buf[pixels] = LUT_Y.take(inks)
        tables.chroma.update(buf, ibuf, pixels)
    return out
