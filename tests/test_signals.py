"""``signals_blocked``: a stop signal never interrupts the block, and is never lost."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from robot_sf_gym_video._signals import signals_blocked


def _busy(seconds: float) -> None:
    """Run Python bytecode for a while: the points where a pending handler would run."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sum(range(100))


def test_a_sigint_taken_by_another_thread_is_raised_after_the_block():
    # The kernel may hand a process-wide Ctrl-C to any thread that does not block it
    # (numpy's BLAS pool, a queue's feeder thread); Python still raises in the main thread.
    other = threading.Thread(target=time.sleep, args=(0.5,))
    other.start()
    finished_block = False
    with pytest.raises(KeyboardInterrupt), signals_blocked():
        signal.pthread_kill(other.ident, signal.SIGINT)
        _busy(0.2)
        finished_block = True
    other.join()
    assert finished_block


def test_a_sigint_sent_to_the_blocking_thread_is_raised_after_the_block():
    finished_block = False
    with pytest.raises(KeyboardInterrupt), signals_blocked():
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        _busy(0.2)
        finished_block = True
    assert finished_block


def test_the_handlers_and_the_mask_are_restored():
    before_int, before_term = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    with signals_blocked():
        assert signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert signal.getsignal(signal.SIGINT) is before_int
    assert signal.getsignal(signal.SIGTERM) is before_term
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == mask
