"""Fixtures of the video tests."""

import numpy as np
import pytest

from .helpers import ProcessWatch


@pytest.fixture
def procs() -> ProcessWatch:
    """Watch for processes a test starts (and must stop)."""
    return ProcessWatch()


@pytest.fixture
def gradient_frames() -> list[np.ndarray]:
    """Twelve distinct 64x48 RGB frames (a moving gradient)."""
    yy, xx = np.mgrid[0:48, 0:64]
    out = []
    for i in range(12):
        img = np.stack([(xx * 4 + i * 9) % 256, (yy * 5) % 256, (xx + yy + i * 20) % 256], -1)
        out.append(img.astype(np.uint8))
    return out
