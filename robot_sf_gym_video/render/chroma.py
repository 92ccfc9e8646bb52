"""yuv420p chroma of palette frames, computed the way swscale subsamples RGB.

- ``chroma_planes(idx)``: the U and V planes of a whole ``(H, W)`` palette-index frame
  (the synthetic renderer's static layer, once per episode).
- ``ChromaBlocks(width_px, height_px, n_buffer)``: per-geometry tables; ``update(out,
  ibuf, pixels)`` recomputes, in an I420 frame, only the chroma blocks whose window holds
  one of ``pixels`` (what a frame's draw list touched).

Why: the reference for what a recorded frame should look like is ``render()`` converted to
yuv420p by swscale (PyAV ``reformat``), the best any yuv420p file can show. swscale
averages each horizontal pixel pair and filters rows with taps 1/8, 3/8, 3/8, 1/8 (rows
``2j-1 .. 2j+2`` for chroma row ``j``, clamped at the frame edges). Giving a touched
block the chroma of the last ink drawn in it, as the renderer once did, is simpler but
differs from that by up to ~20 levels along thin coloured lines, which costs more RGB
PSNR than the encoder does. Values are exact integers (palette chroma in 1/64 steps), so
a block recomputed per frame equals the same block of the whole-frame computation,
whatever the summation order. The rounding offset is calibrated against swscale on
palette frames (it rounds through fixed-point steps of its own).
"""

from __future__ import annotations

import numpy as np

from robot_sf_gym_video.render.palette import PALETTE_RGB, rgb_to_yuv601

__all__ = ["ChromaBlocks", "chroma_planes"]

_SCALE = 64  # palette chroma in 1/64 levels: exact integer arithmetic below
_TAPS = np.array([1, 3, 3, 1])  # rows 2j-1 .. 2j+2; x2 for the pixel pair
_SHIFT = 10  # log2(_SCALE * 2 * 8): sum of taps (8) times two pixels times the scale
_ROUND = int(0.3 * (1 << _SHIFT))  # calibrated against swscale (see the module docstring)


def _pair_tables() -> tuple[np.ndarray, np.ndarray]:
    """Return U and V sums of two inks, ``(65536,) float32`` indexed ``a + 256 * b``.

    Integers (1/64 levels) held as float32, exact up to 2**24: the tap sums below are
    one BLAS product and still exact.
    """
    uv = np.rint(rgb_to_yuv601(PALETTE_RGB)[:, 1:] * _SCALE)  # (256, 2)
    codes = np.arange(65536)
    tables = []
    for plane in (0, 1):
        table = (uv[codes & 255, plane] + uv[codes >> 8, plane]).astype(np.float32)
        table.setflags(write=False)
        tables.append(table)
    return tables[0], tables[1]


_PAIR_U, _PAIR_V = _pair_tables()
_TAPS_F = _TAPS.astype(np.float32)

#: Both sums of a pair in one float64: U + V * 2**24, each plus an eighth of the rounding
#: offset (the taps add up to 8), all multiples of 1/8 below 2**45, so every sum below is
#: exact. Why 24: the weighted sum, scaled by 2**-_SHIFT and truncated, holds U in byte 0
#: of its little-endian int64 and V in byte 3 (U's sum stays below 2**18, so nothing
#: carries into V): one weighted sum yields both planes, already rounded.
_PAIR_UV = (_PAIR_U.astype(np.float64) + _ROUND / 8) + (_PAIR_V.astype(np.float64) + _ROUND / 8) * (
    1 << 24
)
_PAIR_UV.setflags(write=False)
_TAPS_UV = _TAPS.astype(np.float64) / (1 << _SHIFT)  # powers of two: exact


def _finish(sums: np.ndarray) -> np.ndarray:
    """Turn exact tap sums (in 1/1024 levels) into 8-bit chroma (in place, then cast)."""
    sums += _ROUND
    sums *= 1.0 / (1 << _SHIFT)  # a power of two: exact; the cast then floors (>= 0)
    return sums.astype(np.uint8)


def chroma_planes(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(U, V)``, each ``(H/2, W/2) uint8``, of the palette-index frame ``idx``."""
    height_px = idx.shape[0]
    pairs = np.ascontiguousarray(idx).view(np.uint16)  # (H, W/2): one code per pixel pair
    rows = np.clip(2 * np.arange(height_px // 2)[:, None] + np.arange(-1, 3), 0, height_px - 1)
    planes = []
    for table in (_PAIR_U, _PAIR_V):
        taps = table[pairs][rows]  # (H/2, 4, W/2)
        planes.append(_finish(np.matmul(_TAPS_F, taps)))  # same products as ChromaBlocks
    return planes[0], planes[1]


class ChromaBlocks:
    """Tables that map touched pixels to the chroma blocks they feed (one geometry).

    ``ibuf`` (what ``update`` reads) is a palette-index buffer of ``n_buffer`` bytes whose
    first ``W * H`` are the frame; positions past the frame (clipped entries) mark a
    dummy that is never recomputed.

    A pixel of row ``r`` feeds exactly two chroma rows, ``(r - 1) >> 1`` and the next
    (the taps' rows ``2j-1 .. 2j+2``; rows past the frame edges do not exist). Each
    pixel marks one flag, at mark row ``(r + 1) >> 1``; block row ``j`` is then needed
    when mark row ``j`` or ``j + 1`` is set, which one OR of two shifted views finds.
    """

    def __init__(self, width_px: int, height_px: int, n_buffer: int) -> None:
        """Precompute pixel -> mark and block -> tap tables (a few ms, once per geometry)."""
        half_w = width_px // 2
        self.half_w, self.half_h = half_w, height_px // 2
        self.n_y = width_px * height_px
        self.n_c = n_c = self.n_y // 4
        n_marks = (self.half_h + 1) * half_w  # mark rows 0 .. half_h, then the dummy
        rows, cols = np.divmod(np.arange(n_buffer), width_px)
        self.pixel_mark = np.where(
            rows < height_px, ((rows + 1) >> 1) * half_w + (cols >> 1), n_marks
        ).astype(np.intp)
        self._marks = np.zeros(n_marks + 1, dtype=bool)
        # Block j's window: pixel-pair rows 2j-1 .. 2j+2 (clamped), in pair units.
        j, c = np.divmod(np.arange(n_c), half_w)
        tap_rows = np.clip(2 * j[:, None] + np.arange(-1, 3), 0, height_px - 1)
        self.block_taps = np.ascontiguousarray(tap_rows * half_w + c[:, None])  # (n_c, 4)

    def update(self, out: np.ndarray, ibuf: np.ndarray, pixels: np.ndarray) -> None:
        """Recompute the U and V blocks of ``out`` (an I420 buffer) fed by ``pixels``.

        Exactly the blocks whose window holds one of ``pixels`` are recomputed, each
        from the final inks in ``ibuf``; U and V come out of one weighted sum
        (``_PAIR_UV``).
        """
        marks, half_w, n_c, n_y = self._marks, self.half_w, self.n_c, self.n_y
        marks[self.pixel_mark.take(pixels)] = True
        blocks = (marks[half_w : half_w + n_c] | marks[:n_c]).nonzero()[0]
        marks.fill(False)
        codes = ibuf.view(np.uint16).take(self.block_taps.take(blocks, axis=0))  # (N, 4)
        planes = np.dot(_PAIR_UV.take(codes), _TAPS_UV).astype("<i8").view(np.uint8)
        planes = planes.reshape(-1, 8)
        out[n_y : n_y + n_c][blocks] = planes[:, 0]
        out[n_y + n_c : n_y + 2 * n_c][blocks] = planes[:, 3]
