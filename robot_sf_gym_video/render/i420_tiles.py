"""RGB -> yuv420p (I420) with swscale, converting only what differs from a background.

- ``swscale_options()``: the ``VideoFrame.reformat`` keywords every conversion here (and
  the PyAV writer's) uses: swscale on the calling thread.
- ``to_i420(rgb)``: a whole ``(H, W, 3)`` RGB frame as a new I420 buffer (Y, then U, V).
- ``TileConverter(width_px, height_px)``: ``set_background(rgb)`` converts an episode's
  static background once; ``convert(rgb, rects, out)`` then writes the I420 of a frame drawn
  over that background, converting only the tiles that ``rects`` (what was drawn) touch.

Why tiles are exact: swscale (BT.601 limited range, bilinear) computes each luma sample
from its own pixel, and each chroma sample from one horizontal pixel pair over the rows
``2j-1 .. 2j+2``, with no position-dependent dither. So a tile converted together with two
rows above and two below gets every sample of its own rows bit for bit, wherever it sits
in the image it is converted in. The top and bottom chroma rows are filtered differently
(not as a repeated edge row: they differ by a level), so the first and last row of tiles
are converted as full-width bands that keep the frame's real edge. Inner tiles are
gathered into one small image, converted in one call and scattered back, as 8-byte words:
a frame whose drawing covers a tenth of it costs a fraction of a whole-frame conversion,
which is about as dear as the H.264 encode itself. Frames whose size is not a whole
number of tiles (or fewer than three tile rows) are converted whole.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    import av

__all__ = ["TILE_SIZE", "TileConverter", "swscale_options", "to_i420"]

#: ``(width_px, height_px)`` of a tile: a multiple of 8 bytes in every plane.
TILE_SIZE: tuple[int, int] = (32, 16)
_MARGIN = 2  # rows above and below a tile that its chroma rows read
_STRIP_H = TILE_SIZE[1] + 2 * _MARGIN
# _dirty_tiles' column algebra on rows of (x, y, w, h): first and last pixel column and
# row, one more row each way for chroma, in chroma rows, then in tiles (end exclusive).
_XYXY, _WHWH = [0, 1, 0, 1], [2, 3, 2, 3]
_FAR = np.array([0, 0, 1, 1])
_EDGE_OFFSET = np.array([0, -1, -1, 0])  # x0, y0 - 1, x + w - 1, y + h - 1 + 1
_CHROMA_SHIFT = np.array([0, 1, 0, 1])
_CORNER_ROWS, _CORNER_COLS = [1, 1, 3, 3], [0, 2, 0, 2]
_SIGNS = np.tile([1.0, -1.0, -1.0, 1.0], 1 << 14)
_SIGNS.setflags(write=False)


@functools.lru_cache(maxsize=1)
def swscale_options() -> dict[str, int]:
    """Return the ``reformat`` keywords that keep swscale on the calling thread.

    PyAV's default (``threads=0``) lets swscale slice every conversion over all CPUs: a
    recorder would then wake a thread on the env's vCPU for every frame and pay its
    hand-off, for the same pixels (slices are independent rows). A PyAV without the
    ``threads`` keyword keeps its own default.
    """
    import av

    probe = av.VideoFrame(2, 2, "rgb24")
    try:
        probe.reformat(format="yuv420p", threads=1)
    except TypeError:
        return {}
    return {"threads": 1}


def to_i420(rgb: np.ndarray) -> np.ndarray:
    """Return a new flat I420 buffer of the C-contiguous ``(H, W, 3) uint8`` ``rgb``."""
    import av

    frame = av.VideoFrame.from_numpy_buffer(rgb, format="rgb24")
    return frame.reformat(format="yuv420p", **swscale_options()).to_ndarray().reshape(-1)


def _copy_planes(yuv: av.VideoFrame, out: np.ndarray, size: tuple[int, int]) -> None:
    """Copy the Y, U and V planes of ``yuv`` (whatever their line sizes) into flat ``out``."""
    width_px, height_px = size
    start = 0
    for plane, (width, height) in zip(
        yuv.planes, ((width_px, height_px), *[(width_px // 2, height_px // 2)] * 2), strict=True
    ):
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)
        out[start : start + width * height].reshape(height, width)[...] = rows[:height, :width]
        start += width * height


def _chunks(buffer: object, nbytes: int) -> np.ndarray:
    """View ``buffer`` as items of ``nbytes`` bytes: one tile's row in one plane each."""
    return np.frombuffer(buffer, dtype=np.dtype((np.void, nbytes)))  # type: ignore[call-overload]


class TileConverter:
    """I420 of frames drawn over one background, converted tile by tile (one geometry).

    Args:
        width_px: Frame width (even).
        height_px: Frame height (even).
    """

    def __init__(self, width_px: int, height_px: int) -> None:
        """Precompute the tile -> word tables (once per renderer)."""
        tile_w, tile_h = TILE_SIZE
        self.size = (width_px, height_px)
        self.tiled = width_px % tile_w == 0 and height_px % tile_h == 0
        self.tiled = self.tiled and height_px >= 3 * tile_h
        self.grid = (height_px // tile_h, width_px // tile_w)  # tile rows, tile columns
        self._divisors = np.array([tile_w, tile_h // 2, tile_w, tile_h // 2])
        self._limits = np.array([self.grid[1], self.grid[0]] * 2)
        self._n_y = width_px * height_px
        self._background = np.zeros(self._n_y * 3 // 2, dtype=np.uint8)
        # The largest gathered image worth converting: past half the frame's rows,
        # gathering and scattering cost more than converting the rest too.
        self._max_rows = height_px // 2 // _STRIP_H
        self._atlas = np.zeros((self._max_rows * _STRIP_H, width_px, 3), dtype=np.uint8)
        self._frames: dict[int, av.VideoFrame] = {}  # by gathered rows, or -1 for a band
        self._whole: tuple[np.ndarray, av.VideoFrame] | None = None  # see _convert_whole
        self._band = np.zeros((tile_h + _MARGIN, width_px, 3), dtype=np.uint8)
        self._slot_src: tuple[np.ndarray, np.ndarray] | None = None  # see _slot_tables
        if self.tiled:
            self._gather, self._dst_y = self._tile_tables()

    def set_background(self, rgb: np.ndarray) -> None:
        """Convert the background that every following frame is drawn over."""
        self._background = to_i420(rgb)

    def convert(self, rgb: np.ndarray, rects: Sequence[object], out: np.ndarray) -> None:
        """Write into ``out`` (flat I420) the conversion of ``rgb`` (background + ``rects``).

        Args:
            rgb: The drawn frame, ``(H, W, 3) uint8``, C-contiguous.
            rects: ``(x, y, w, h)`` of every area drawn over the background (pygame
                ``Rect``s as the draw calls return them); pixels outside them must be
                the background's.
            out: Receives the frame; overwritten entirely.
        """
        tiles = self._dirty_tiles(rects) if self.tiled else None
        if tiles is None or len(tiles) > self._max_rows * self.grid[1]:
            self._convert_whole(rgb, out)
            return
        np.copyto(out, self._background)
        rows, cols = self.grid
        inner = tiles[(tiles >= cols) & (tiles < (rows - 1) * cols)]
        if len(inner):
            self._convert_tiles(rgb, inner, out)
        if len(tiles) and tiles[0] < cols:
            self._convert_band(rgb, out, bottom=False)
        if len(tiles) and tiles[-1] >= (rows - 1) * cols:
            self._convert_band(rgb, out, bottom=True)

    # -- tiles ------------------------------------------------------------------------------

    def _tile_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """Chunk indices: each tile's RGB strip in the frame, and its Y rows in a plane."""
        tile_h = TILE_SIZE[1]
        rows, cols = self.grid
        ty, tx = np.divmod(np.arange(rows * cols), cols)
        strip = np.clip(ty[:, None] * tile_h - _MARGIN + np.arange(_STRIP_H), 0, self.size[1] - 1)
        gather = strip * cols + tx[:, None]  # (tiles, strip rows)
        dst_y = (ty[:, None] * tile_h + np.arange(tile_h)) * cols + tx[:, None]
        return gather, dst_y  # a tile's chroma rows: dst_y[:, : tile_h // 2] - ty * tile_h // 2

    def _dirty_tiles(self, rects: Sequence[object]) -> np.ndarray:
        """Return the sorted indices of the tiles whose samples ``rects`` may change.

        A handful of whole-array steps, whatever the number of rects: each rect becomes
        its range of tile rows and columns (a pixel of row r feeds chroma rows
        ``(r - 1) >> 1 .. (r + 1) >> 1``, so the rows reach one further each way), adds
        +1 at its first corner, -1 past each side and +1 past both; the 2-D running sum
        is then positive exactly on the covered tiles.
        """
        rows, cols = self.grid
        if not rects:
            return np.zeros(0, dtype=np.intp)
        box = np.fromiter((v for r in rects for v in r), np.int64, 4 * len(rects)).reshape(-1, 4)
        edges = box[:, _XYXY] + box[:, _WHWH] * _FAR + _EDGE_OFFSET  # x0, y0 - 1, x1, y1 + 1
        edges >>= _CHROMA_SHIFT
        tiles = edges // self._divisors + _FAR
        np.clip(tiles, 0, self._limits, out=tiles)
        corners = tiles[:, _CORNER_ROWS] * (cols + 1) + tiles[:, _CORNER_COLS]
        signs = (
            _SIGNS[: corners.size]
            if corners.size <= _SIGNS.size
            else np.resize(_SIGNS, corners.size)
        )
        marks = np.bincount(corners.reshape(-1), signs, (rows + 1) * (cols + 1))
        covered = marks.reshape(rows + 1, cols + 1).cumsum(axis=0).cumsum(axis=1)
        return (covered[:rows, :cols] > 0.5).reshape(-1).nonzero()[0]

    def _convert_whole(self, rgb: np.ndarray, out: np.ndarray) -> None:
        """Convert all of ``rgb`` (wrapped once while the caller reuses the same array)."""
        if self._whole is None or self._whole[0] is not rgb:
            import av

            self._whole = (rgb, av.VideoFrame.from_numpy_buffer(rgb, format="rgb24"))
        yuv = self._whole[1].reformat(format="yuv420p", **swscale_options())
        _copy_planes(yuv, out, self.size)

    def _convert_band(self, rgb: np.ndarray, out: np.ndarray, *, bottom: bool) -> None:
        """Convert the first or last row of tiles whole, with the frame's own edge."""
        (width_px, height_px), tile_h = self.size, TILE_SIZE[1]
        band_h = tile_h + _MARGIN
        np.copyto(self._band, rgb[height_px - band_h :] if bottom else rgb[:band_h])
        frame = self._frames.get(-1)
        if frame is None:
            import av

            frame = self._frames[-1] = av.VideoFrame.from_numpy_buffer(self._band, format="rgb24")
        yuv = frame.reformat(format="yuv420p", **swscale_options())
        first_y, first_c = (height_px - tile_h, (height_px - tile_h) // 2) if bottom else (0, 0)
        skip_y, skip_c = (_MARGIN, _MARGIN // 2) if bottom else (0, 0)
        n_y, n_c = self._n_y, self._n_y // 4
        planes = (
            (out[:n_y].reshape(height_px, width_px), first_y, skip_y, tile_h),
            (out[n_y : n_y + n_c].reshape(-1, width_px // 2), first_c, skip_c, tile_h // 2),
            (out[n_y + n_c :].reshape(-1, width_px // 2), first_c, skip_c, tile_h // 2),
        )
        for plane, (dst, first, skip, n_rows) in zip(yuv.planes, planes, strict=True):
            src = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)
            dst[first : first + n_rows] = src[skip : skip + n_rows, : dst.shape[1]]

    def _convert_tiles(self, rgb: np.ndarray, tiles: np.ndarray, out: np.ndarray) -> None:
        """Gather ``tiles``' strips into one image, convert it, scatter the samples."""
        (tile_w, tile_h), cols = TILE_SIZE, self.grid[1]
        n_rows = -(-len(tiles) // cols)
        padded = np.resize(tiles, n_rows * cols)  # repeats tiles to fill the last row
        atlas = self._atlas[: n_rows * _STRIP_H]
        index = self._gather[padded].reshape(n_rows, cols, _STRIP_H).transpose(0, 2, 1)
        src, dst = _chunks(rgb, 3 * tile_w), _chunks(atlas, 3 * tile_w).reshape(index.shape)
        np.take(src, index, out=dst, mode="clip")
        frame = self._frames.get(n_rows)
        if frame is None:
            import av

            frame = self._frames[n_rows] = av.VideoFrame.from_numpy_buffer(atlas, format="rgb24")
        yuv = frame.reformat(format="yuv420p", **swscale_options())
        n_y, n_c, n = self._n_y, self._n_y // 4, len(tiles)
        src_y, src_c = self._slot_tables(yuv)
        dst_y = self._dst_y[tiles]
        out_y = _chunks(out[:n_y], tile_w)
        out_y[dst_y] = _chunks(yuv.planes[0], tile_w)[src_y[:n]]
        # Chroma row k of a tile: its luma row k's chunk index, less ty * cols * tile_h / 2.
        dst_c = dst_y[:, : tile_h // 2] - (tiles // cols * cols * (tile_h // 2))[:, None]
        for plane, start in ((1, n_y), (2, n_y + n_c)):
            out_c = _chunks(out[start : start + n_c], tile_w // 2)
            out_c[dst_c] = _chunks(yuv.planes[plane], tile_w // 2)[src_c[:n]]

    def _slot_tables(self, yuv: av.VideoFrame) -> tuple[np.ndarray, np.ndarray]:
        """Chunk indices of each gathered slot's own Y and chroma rows in a converted image."""
        if self._slot_src is None:
            (tile_w, tile_h), cols = TILE_SIZE, self.grid[1]
            stride_y = yuv.planes[0].line_size // tile_w
            stride_c = yuv.planes[1].line_size // (tile_w // 2)
            slot_row, slot_col = np.divmod(np.arange(self._max_rows * cols), cols)
            y_rows = slot_row[:, None] * _STRIP_H + _MARGIN + np.arange(tile_h)
            c_rows = slot_row[:, None] * (_STRIP_H // 2) + _MARGIN // 2 + np.arange(tile_h // 2)
            self._slot_src = (
                y_rows * stride_y + slot_col[:, None],
                c_rows * stride_c + slot_col[:, None],
            )
        return self._slot_src
