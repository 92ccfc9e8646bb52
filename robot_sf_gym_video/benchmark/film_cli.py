"""The ``film`` subcommand of ``robot-sf-bench`` (kept apart from ``cli.py`` to keep it small).

- ``add_film(add)``: add the subcommand and its options.

Like every command, a few lines over the library (``film.film_run``); ``cli.main`` turns
its errors into one line and an exit code.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable

__all__ = ["add_film"]


def _examples(*lines: str) -> str:
    return "example:\n" + textwrap.indent("\n".join(lines), "  ")


def add_film(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the ``film`` subcommand through the CLI's ``add(name, help, epilog)``."""
    film = add(
        "film",
        "film episodes of a finished run by replaying their logged actions (no policy needed)",
        _examples(
            "robot-sf-bench film results --episodes failures",
            "robot-sf-bench film results --episodes crossing__604868483__0 "
            "--video-renderer sim-view --video-size 1280x720",
        ),
    )
    _add_arguments(film)
    film.set_defaults(func=_cmd_film)


def _cmd_film(args: argparse.Namespace) -> int:
    from robot_sf_gym_video.benchmark.film import film_run

    options = ("episodes", "video_renderer", "video_size", "video_lidar", "workers")
    kwargs = {name: getattr(args, name) for name in (*options, "scenarios_file")}
    for line in film_run(args.run_dir, **kwargs).lines():
        print(line)
    return 0


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``film``'s options to ``parser``."""
    from robot_sf_gym_video.render.registry import RENDERER_NAMES

    arg = parser.add_argument
    arg("run_dir", metavar="DIR", help="a run directory (made with or without --video)")
    arg(
        "--episodes",
        nargs="+",
        metavar="SEL|ID",
        help="all (default), failures, first:N, every:K (per scenario by episode_idx) "
        "or episode ids; several are combined",
    )
    arg("--video-renderer", choices=RENDERER_NAMES, help="frame source (default: the run's)")
    arg("--video-size", metavar="WxH", help="frame size (default: the run's)")
    lidar = "draw the lidar fan (default: as the run did)"
    arg("--video-lidar", action="store_true", default=None, help=lidar)
    arg("--workers", type=int, default=1, metavar="N", help="processes filming (default 1)")
    arg(
        "--scenarios",
        dest="scenarios_file",
        metavar="FILE",
        help="the run's scenarios file (default: built-in scenarios only)",
    )
