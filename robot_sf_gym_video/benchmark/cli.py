"""``robot-sf-bench``: a thin command line over the library.

- ``main_parser()``: the argparse parser (subcommands ``run``, ``validate``, ``scenarios``,
  ``report``, ``summary``, ``compare``, ``perf``), each with an example in its ``--help``.
- ``main(argv)``: parse, call the library, print, return the exit code. Library errors
  become ONE line ``error: ...`` and an exit code here and nowhere else: usage and input
  errors (``UsageError``, ``ScenarioError``, ``DependencyNotInstalled``) exit 2, anything
  else 1; tracebacks only with ``--debug`` (or ``-vv``).
- ``entrypoint()``: the console script; the only place that calls ``sys.exit``.

Each command is a few lines over ``run_batch``, ``validate_run``, ``list_scenarios``,
``write_report`` or the ``perf`` module, which owns its own options.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

from robot_sf_gym_video import __version__
from robot_sf_gym_video.benchmark.budget import judge_overhead
from robot_sf_gym_video.benchmark.cli_base import (
    PACKAGE_LOGGER,
    HelpFormatter,
    OneLineParser,
    common_options,
    configure_logging,
    examples,
    one_line,
)
from robot_sf_gym_video.benchmark.config import RunConfig, load_config_file
from robot_sf_gym_video.benchmark.film_cli import add_film
from robot_sf_gym_video.benchmark.interrupts import (
    BatchInterrupted,
    exit_after_interrupt,
    exit_code,
)
from robot_sf_gym_video.benchmark.options import RUN_OPTIONS
from robot_sf_gym_video.errors import DependencyNotInstalled, RobotSfError, UsageError

__all__ = ["entrypoint", "main", "main_parser"]

logger = logging.getLogger(__name__)
_PACKAGE_LOGGER = PACKAGE_LOGGER


# Parser building blocks live in cli_base; the private names stay for the commands here.
_examples, _HelpFormatter = examples, HelpFormatter
_OneLineParser, _common_options = OneLineParser, common_options
_configure_logging, _one_line = configure_logging, one_line


def main_parser() -> argparse.ArgumentParser:
    """Build the ``robot-sf-bench`` parser."""
    common = _common_options()
    parser = _OneLineParser(
        prog="robot-sf-bench",
        description="Run social-navigation benchmark batches, optionally filming each episode.",
        epilog=_examples(
            "robot-sf-bench run --scenario crossing --episodes 2 --video --out results"
        ),
        formatter_class=_HelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_text: str, epilog: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_text,
            description=help_text.replace("%%", "%"),  # only help= is %-formatted
            epilog=epilog,
            formatter_class=_HelpFormatter,
            parents=[common],
        )

    for add_command in _COMMANDS:
        add_command(add)
    return parser


def _add_validate(add: Callable[..., argparse.ArgumentParser]) -> None:
    validate = add(
        "validate",
        "check episodes.jsonl against the schema and every video against its record",
        _examples(
            "robot-sf-bench validate results",
            "robot-sf-bench validate --decode results/episodes.jsonl",
        ),
    )
    validate.add_argument("path", metavar="PATH", help="a run directory or its episodes.jsonl")
    validate.add_argument(
        "--decode", action="store_true", help="also decode every video and count its frames"
    )
    validate.set_defaults(func=_cmd_validate)


def _add_scenarios(add: Callable[..., argparse.ArgumentParser]) -> None:
    scenarios = add(
        "scenarios",
        "list the built-in scenarios (and those of a scenarios file)",
        _examples(
            "robot-sf-bench scenarios",
            "robot-sf-bench scenarios --long --scenarios my.toml",
        ),
    )
    scenarios.add_argument(
        "--scenarios",
        dest="scenarios_file",
        metavar="FILE",
        help="also list the scenarios of this TOML file (default: built-in only)",
    )
    scenarios.add_argument(
        "--long",
        action="store_true",
        help="one line each: description, map size, pedestrian count, step limit",
    )
    scenarios.set_defaults(func=_cmd_scenarios)


def _add_report(add: Callable[..., argparse.ArgumentParser]) -> None:
    report = add(
        "report",
        "write DIR/report.html, a gallery of a run's episodes and videos",
        _examples("robot-sf-bench report results"),
    )
    report.add_argument("run_dir", metavar="DIR", help="a run directory")
    report.set_defaults(func=_cmd_report)


def _add_summary(add: Callable[..., argparse.ArgumentParser]) -> None:
    summary = add(
        "summary",
        "per-scenario success/collision/timeout rates and metric means with 95%% intervals",
        _examples(
            "robot-sf-bench summary results",
            "robot-sf-bench summary results --csv results/summary.csv",
        ),
    )
    summary.add_argument("run_dir", metavar="DIR", help="a run directory")
    summary.add_argument(
        "--csv", metavar="FILE", help="also write one row per (scenario, metric) (default: none)"
    )
    summary.add_argument("--json", action="store_true", help="print JSON instead of the table")
    summary.set_defaults(func=_cmd_summary)


def _add_compare(add: Callable[..., argparse.ArgumentParser]) -> None:
    compare = add(
        "compare",
        "pair two runs' episodes (scenario, seed, index), test the differences, and write "
        "a page with both videos of each pair side by side",
        _examples(
            "robot-sf-bench run --policy goal --seed 0 --episodes 20 --out runs/goal",
            "robot-sf-bench run --policy social_force --seed 0 --episodes 20 --out runs/sf",
            "robot-sf-bench compare runs/goal runs/sf   # writes runs/goal/compare-sf.html",
        ),
    )
    compare.add_argument("dir_a", metavar="DIR_A", help="run A (the reference)")
    compare.add_argument("dir_b", metavar="DIR_B", help="run B; deltas are B - A")
    compare.add_argument(
        "--out", metavar="FILE", help="page to write (default DIR_A/compare-<B>.html)"
    )
    compare.set_defaults(func=_cmd_compare)


def _add_perf(add: Callable[..., argparse.ArgumentParser]) -> None:
    perf = add(
        "perf",
        "measure the video overhead (paired runs with and without video) and print the sample",
        _examples("robot-sf-bench perf --out perf_results", "robot-sf-bench perf --quick"),
    )
    _add_perf_arguments(perf)


def _add_run(add: Callable[..., argparse.ArgumentParser]) -> None:
    run = add(
        "run",
        "run a batch of episodes; write DIR/episodes.jsonl (and DIR/videos/*.mp4 with video)",
        _examples(
            "robot-sf-bench run --scenario crossing --episodes 2 --video --out results",
            "robot-sf-bench run --config batch.toml --resume",
            "robot-sf-bench run --policy examples/my_policy.py:make_policy --out mine",
        ),
    )
    for option in RUN_OPTIONS.entries():  # one flag per declared option (options.py)
        if option.flags:
            run.add_argument(*option.flags, dest=option.name, help=option.help, **option.cli)
    arg = run.add_argument  # the flags that set options another way (see run_kwargs)
    arg("--video", action="store_true", default=None, help="film every episode (default off)")
    arg(
        "--no-video",
        action="store_true",
        default=None,
        help="no video; wins over anything (default: video off unless asked)",
    )
    arg(
        "--config",
        metavar="FILE",
        help="TOML file whose keys are run_batch argument names (default: none)",
    )
    arg("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=_cmd_run)


#: The subcommands, in ``--help`` order; each adds its parser and sets ``func``.
_COMMANDS: tuple[Callable[[Callable[..., argparse.ArgumentParser]], None], ...] = (
    _add_run,
    _add_validate,
    _add_scenarios,
    _add_report,
    _add_summary,
    _add_compare,
    _add_perf,
    add_film,
)


def _add_perf_arguments(parser: argparse.ArgumentParser) -> None:
    perf = importlib.import_module("robot_sf_gym_video.benchmark.perf")
    perf.add_arguments(parser)
    parser.set_defaults(func=perf.run)


#: Options the generic flags set directly; ``video_renderer`` also decides ``video_enabled``.
_RUN_KEYS: tuple[str, ...] = tuple(
    o.name for o in RUN_OPTIONS.entries() if o.flags and o.name != "video_renderer"
)


def run_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Merge ``--config`` with the flags given (flags win) into ``run_batch`` arguments.

    ``--video-renderer synthetic|sim-view`` turns video on; ``--no-video`` and
    ``--video-renderer none`` turn it off and win over everything else.
    """
    kwargs = load_config_file(args.config) if args.config else {}
    kwargs.update({k: getattr(args, k) for k in _RUN_KEYS if getattr(args, k) is not None})
    if args.video_renderer is not None:
        kwargs["video_renderer"] = args.video_renderer
        kwargs["video_enabled"] = args.video_renderer != "none"
    if args.video:
        kwargs["video_enabled"] = True
    if args.no_video:
        kwargs["video_enabled"] = False
    if args.quiet:
        kwargs["progress"] = False
    else:
        kwargs.setdefault("progress", True)
    if not kwargs.get("out_dir"):
        raise UsageError("--out DIR is required (or out_dir in --config)")
    return kwargs


def _cmd_run(args: argparse.Namespace) -> int:
    from robot_sf_gym_video.benchmark.runner import run_config

    summary = run_config(RunConfig.build(**run_kwargs(args)))
    for line in summary.lines():
        print(line)
    judged = summary.estimated_overhead_pct if summary.budget_judgeable else None
    verdict = judge_overhead(judged, summary.budget_pct)
    if verdict.over_budget:
        logger.warning("%s", verdict.message())
    if summary.failures:  # Ray: episodes lost after retries
        return 1
    return verdict.exit_code


def _cmd_validate(args: argparse.Namespace) -> int:
    from robot_sf_gym_video.benchmark.validate import Checked, validate_run

    checked = Checked()
    problems = validate_run(args.path, decode=args.decode, checked=checked)
    for problem in problems:
        print(problem)
    print(f"checked: {checked.line()}")
    if not problems:
        print(f"ok: {args.path}")
    return 1 if problems else 0


def _cmd_scenarios(args: argparse.Namespace) -> int:
    from robot_sf_gym_video.sim.scenarios import list_scenarios, load_scenario, load_scenario_file

    names = list_scenarios()
    if args.scenarios_file:
        names = [*load_scenario_file(args.scenarios_file), *names]
    for name in dict.fromkeys(names):
        if not args.long:
            print(name)  # one name per line, for scripts
            continue
        spec = load_scenario(name, args.scenarios_file)
        x0, y0, x1, y1 = spec.bounds_m
        print(
            f"{name}: {spec.description or '(no description)'} | map {x1 - x0:g} x {y1 - y0:g} m"
            f" | {spec.ped_count} pedestrians | {spec.max_episode_steps} steps"
        )
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    try:
        write_report = importlib.import_module("robot_sf_gym_video.report").write_report
    except (ImportError, AttributeError):
        print("error: the report module is not available in this installation", file=sys.stderr)
        return 1
    print(write_report(args.run_dir))
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    import json

    from robot_sf_gym_video.report.run_summary import format_table
    from robot_sf_gym_video.report.summary_files import rows_json, summarize_run, write_csv

    rows = summarize_run(args.run_dir)
    if args.csv:
        write_csv(args.csv, rows)
    if args.json:
        print(json.dumps(rows_json(args.run_dir, rows), indent=2))
    else:
        for line in format_table(rows):
            print(line)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from robot_sf_gym_video.report.compare import (
        compare_runs,
        default_page_path,
        write_compare_page,
    )
    from robot_sf_gym_video.report.pairing import format_deltas

    comparison = compare_runs(args.dir_a, args.dir_b)
    print(f"A: {args.dir_a} (policy {comparison.a.policy})")
    print(f"B: {args.dir_b} (policy {comparison.b.policy})")
    for note in comparison.notes:
        print(f"note: {note}")
    print(f"paired episodes: {len(comparison.pairing.pairs)}; * marks p < 0.05")
    for line in format_deltas(comparison.deltas):
        print(line)
    page = args.out or default_page_path(args.dir_a, args.dir_b)
    print(f"page: {write_compare_page(comparison, page)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    args = main_parser().parse_args(argv)
    handler = _configure_logging(args)
    debug = getattr(args, "debug", False) or logger.isEnabledFor(logging.DEBUG)
    try:
        return int(args.func(args))
    except (UsageError, DependencyNotInstalled) as exc:
        if debug:
            logger.exception("usage error")
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except BatchInterrupted as exc:
        print(exc.line(), file=sys.stderr)
        return exit_code(exc.signum)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return exit_code(signal.SIGINT)
    except Exception as exc:
        if debug:
            logger.exception("unexpected error")
        kind = "" if isinstance(exc, RobotSfError) else f"{type(exc).__name__}: "  # on purpose
        print(f"error: {kind}{_one_line(exc)}", file=sys.stderr)
        return 1
    finally:
        logging.getLogger(_PACKAGE_LOGGER).removeHandler(handler)


def entrypoint() -> None:
    """Console script; a Ctrl-C before ``main``'s handlers or after its work is exit 130 too.

    After an interrupt the process ends at once (``exit_after_interrupt``): everything that
    needed cleaning up was cleaned before the one line was printed.
    """
    try:
        code = main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        code = exit_code(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if code in (exit_code(signal.SIGINT), exit_code(signal.SIGTERM)):
        exit_after_interrupt(code)
    sys.exit(code)
