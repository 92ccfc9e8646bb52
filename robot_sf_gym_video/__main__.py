"""``python -m robot_sf_gym_video`` is the ``robot-sf-bench`` CLI.

A Ctrl-C while Python is still importing the package ends the process like one during a
run (one line, exit 130) instead of a traceback from the middle of an import.
"""

import os
import sys

try:
    from robot_sf_gym_video.benchmark.cli import entrypoint
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr, flush=True)
    os._exit(130)  # not sys.exit: see interrupts.exit_after_interrupt

if __name__ == "__main__":
    entrypoint()
