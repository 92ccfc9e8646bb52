"""A recorder transport that starts its recorder on the first message.

- ``LazyTransport(start)``: a ``transport.Transport`` whose real transport (e.g. a forked
  recorder process) is made by ``start()`` only when the first message is sent.

Why: a wrapper with ``keep_episode`` holds every episode and sends nothing for the ones it
drops, so a worker whose episodes are all dropped (a mostly-successful batch filming
failures) never pays for forking a recorder and building its renderer and encoder. A live
take sends its first message on its first step, so it only starts a step later than an
eager recorder would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from robot_sf_gym_video.video._util import RecorderDiedError
from robot_sf_gym_video.video.transport import Transport

__all__ = ["LazyTransport"]

#: ``start()`` failures that make the recorder count as dead (its take: ``encode-error``).
_START_ERRORS = (OSError, RuntimeError, ValueError)


class LazyTransport:
    """Start the real transport with the first ``send``; until then nothing runs.

    Args:
        start: Makes the real transport (starts the recorder).
    """

    def __init__(self, start: Callable[[], Transport]) -> None:
        self._start = start
        self._real: Transport | None = None
        self._error: str | None = None

    @property
    def started(self) -> bool:
        """True once the real transport exists."""
        return self._real is not None

    @property
    def pid(self) -> int | None:
        """Process id of the recorder, None before it starts (or for a thread)."""
        return getattr(self._real, "pid", None)

    def send(self, kind: str, payload: Any) -> None:
        """Send one message, starting the recorder first if this is the first one.

        Raises:
            RecorderDiedError: the recorder is gone, or could not be started.
        """
        real = self._real
        if real is None:
            real = self._real = self._start_real()
        real.send(kind, payload)

    def _start_real(self) -> Transport:
        if self._error is not None:
            raise RecorderDiedError(self._error)
        try:
            return self._start()
        except _START_ERRORS as exc:
            self._error = f"cannot start the video recorder: {exc}"
            raise RecorderDiedError(self._error) from exc

    def ready(self) -> list[dict[str, Any]]:
        """Return results already back (none before the recorder starts)."""
        return self._real.ready() if self._real is not None else []

    def next_result(self) -> dict[str, Any]:
        """Wait for the next result (a recorder never started owes none)."""
        if self._real is None:
            raise RecorderDiedError(self.cause())
        return self._real.next_result()

    def stop(self) -> list[dict[str, Any]]:
        """Stop the recorder if it was started; return its remaining results."""
        return self._real.stop() if self._real is not None else []

    @property
    def alive(self) -> bool:
        """False once the recorder is gone or failed to start (True before it starts)."""
        if self._real is None:
            return self._error is None
        return self._real.alive

    def cause(self) -> str:
        """Say why the recorder stopped."""
        if self._real is not None:
            return self._real.cause()
        return self._error or "the video recorder was never started"
