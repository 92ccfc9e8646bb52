"""Building blocks of the ``robot-sf-bench`` parser: one-line errors, defaults in ``--help``.

- ``OneLineParser``: usage errors are one line (value, what is allowed, where to look), exit 2.
- ``HelpFormatter``: examples kept as written; every option shows its default.
- ``common_options()``: ``-v``/``--debug``, accepted before or after the subcommand.
- ``examples(*lines)``: the ``example:`` block every subcommand's ``--help`` ends with.
- ``configure_logging(args)`` / ``one_line(exc)``: what the user sees on stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
import textwrap
from collections.abc import Sequence
from typing import NoReturn

__all__ = [
    "PACKAGE_LOGGER",
    "HelpFormatter",
    "OneLineParser",
    "common_options",
    "configure_logging",
    "examples",
    "one_line",
]

PACKAGE_LOGGER = "robot_sf_gym_video"


def examples(*lines: str) -> str:
    """Return the ``example:`` block of a ``--help`` epilog."""
    return "example:\n" + textwrap.indent("\n".join(lines), "  ")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keep examples as written, and show every option's default.

    An option whose help does not mention its default gets ``(default: X)``; a flag that
    is off unless given gets ``(default off)``. An option whose default is ``None`` must
    say in its own help what that means (``tests/benchmark/test_cli_help.py`` checks).
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if not action.option_strings or "default" in text or not text:
            return text
        if isinstance(action, (argparse._StoreTrueAction, argparse._CountAction)):
            return f"{text} (default off)"
        if action.default not in (None, argparse.SUPPRESS):
            return f"{text} (default: %(default)s)"
        return text


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line, like every other input error.

    argparse's default prints the whole usage block before the message; a user who typed
    one wrong value needs the value, what is allowed and where to look, nothing more.
    """

    def error(self, message: str) -> NoReturn:
        """Print ``error: <message>`` and a pointer to ``--help``, then exit with code 2."""
        self.exit(2, f"error: {message} (see '{self.prog} --help')\n")

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """Parse like argparse, but blame an unknown option on the subcommand it followed.

        argparse reports ``run --bogus`` from the root parser, which points the user at
        ``robot-sf-bench --help``, where ``run``'s options are not listed.
        """
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            self._parser_of(parsed).error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed

    def _parser_of(self, parsed: argparse.Namespace) -> argparse.ArgumentParser:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(parsed, action.dest, None) or "")
                if chosen is not None:
                    return chosen
        return self


def common_options() -> argparse.ArgumentParser:
    """Return the logging options, accepted before or after the subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS,
        help="more log output on stderr (-v info, -vv debug)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks and debug logs on errors",
    )
    return common


def configure_logging(args: argparse.Namespace) -> logging.Handler:
    """Send the package's log records to stderr at the level ``-v``/``--debug`` ask for."""
    verbosity = getattr(args, "verbose", 0)
    if getattr(args, "debug", False) or verbosity >= 2:
        level = logging.DEBUG
    elif verbosity == 1:
        level = logging.INFO
    else:
        level = logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    package_logger = logging.getLogger(PACKAGE_LOGGER)
    package_logger.addHandler(handler)
    package_logger.setLevel(level)
    return handler


def one_line(exc: BaseException) -> str:
    """Return an exception's message on one line (its type name when it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__
