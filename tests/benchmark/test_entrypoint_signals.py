"""A Ctrl-C outside a command's own handlers still ends in one line and exit 130."""

from __future__ import annotations

import signal
import subprocess
import sys

# The parser is built before main() has its handlers in place: a signal there used to end
# the process by SIGINT (return code -2, a traceback) instead of exit 130.
_SIGINT_WHILE_PARSING = """
import os, signal
from robot_sf_gym_video.benchmark import cli
real = cli.main_parser
def parser_then_ctrl_c():
    os.kill(os.getpid(), signal.SIGINT)
    return real()
cli.main_parser = parser_then_ctrl_c
cli.entrypoint()
"""


def test_ctrl_c_while_parsing_is_one_line_and_exit_130():
    proc = subprocess.run(
        [sys.executable, "-c", _SIGINT_WHILE_PARSING, "scenarios"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert proc.stderr.strip().splitlines() == ["interrupted"]


# A Ctrl-C while the package itself still imports gymnasium (the first fraction of a
# second of ``python -m robot_sf_gym_video``): no CLI code runs yet to catch it.
_SIGINT_WHILE_IMPORTING_GYMNASIUM = """
import os, signal, sys
class CtrlCOnGymnasium:
    def find_spec(self, name, path=None, target=None):
        if name == "gymnasium":
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, CtrlCOnGymnasium())
import robot_sf_gym_video
"""


def test_ctrl_c_while_the_package_imports_is_one_line_and_death_by_sigint():
    proc = subprocess.run(
        [sys.executable, "-c", _SIGINT_WHILE_IMPORTING_GYMNASIUM],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == -signal.SIGINT, (proc.returncode, proc.stderr)  # shell: 130
    assert proc.stderr.strip().splitlines() == ["interrupted"]
