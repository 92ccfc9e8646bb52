"""Suite-wide set-up: the tests' child processes can always be interrupted.

A shell without job control starts background commands with SIGINT ignored, and an
ignored signal stays ignored across ``exec``: every CLI the tests start would then ignore
the Ctrl-C the signal tests send it, and those tests would measure the launcher instead of
the product. A Python handler, unlike an ignore, is reset to the default in a child, so
installing Python's own one here gives every child a Ctrl-C-able start, as in a terminal.
"""

from __future__ import annotations

import signal

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
