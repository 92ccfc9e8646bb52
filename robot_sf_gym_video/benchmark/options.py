"""Every run option, declared once: name, default, help, CLI flags, config-file type, check.

- ``RunOption``: one option of ``run_batch`` (also a ``RunConfig`` field group and a
  ``--config`` key of the same name).
- ``RUN_OPTIONS``: the registry, in ``run_batch`` argument order. The CLI's ``run`` flags,
  the config file's keys and types, and ``RunConfig.build``'s per-value checks derive from
  it; ``tests/benchmark/test_options.py`` checks ``run_batch``'s signature (names and
  defaults) against it, so a new option that is missing somewhere fails a test instead of
  being silently ignored.

Options without ``flags`` are set on the CLI by dedicated flags (``cli.py``):
``video_enabled`` by ``--video`` / ``--no-video`` / ``--video-renderer``, ``progress`` by
``--quiet``. Cross-option rules (``resume`` vs ``overwrite``, ``ray_address`` needs backend
``ray``, ``video_renderer="none"`` means no video) live in ``RunConfig.build``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from robot_sf_gym_video.benchmark.selection import SELECTOR_FORMS, VideoSelection, parse_selection
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.registry import Registry
from robot_sf_gym_video.render.registry import RENDERER_NAMES
from robot_sf_gym_video.video.supervise import DEFAULT_STALL_TIMEOUT_S

__all__ = [
    "BACKENDS",
    "MAX_EPISODES",
    "RUN_OPTIONS",
    "VIDEO_RENDERERS",
    "RunOption",
    "parse_video_size",
]

#: ``video_renderer`` values: a registered renderer, or ``"none"`` (no video).
VIDEO_RENDERERS: tuple[str, ...] = (*RENDERER_NAMES, "none")
#: Most episodes per scenario: the plan is built up front and resume reads every record.
MAX_EPISODES = 100_000
#: Where episodes run: this machine's processes, or one Ray task per episode.
BACKENDS: tuple[str, ...] = ("local", "ray")


def _integer(minimum: int | None = None, maximum: int | None = None) -> Callable[[str, Any], int]:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UsageError(f"{name} must be an integer, got {value!r}")
        if minimum is not None and value < minimum:
            raise UsageError(f"{name} must be >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise UsageError(f"{name} must be <= {maximum}, got {value} (split the batch)")
        return value

    return check


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{name} must be a number of seconds, got {value!r}")
    if not 0 < value < float("inf"):
        raise UsageError(f"{name} must be positive and finite, got {value!r}")
    return float(value)


def _optional(check: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    return lambda name, value: None if value is None else check(name, value)


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{name} must be true or false, got {value!r}")
    return value


def _choice(allowed: tuple[str, ...]) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        if value not in allowed:
            raise UsageError(f"{name} {value!r} is not one of {', '.join(allowed)}")
        return value

    return check


def _out_dir(name: str, value: Any) -> Path:
    if value in (None, ""):
        raise UsageError("out_dir (--out) is required")
    return Path(value)


def _scenario_names(name: str, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, Iterable) or not all(isinstance(n, str) and n for n in names):
        raise UsageError(f"scenarios must be a list of non-empty names, got {value!r}")
    names = tuple(dict.fromkeys(names))  # drop repeats, keep order
    if not names:
        raise UsageError("scenarios must name at least one scenario")
    return names


def _scenarios_file(name: str, value: Any) -> Path | None:
    if value is not None and not Path(value).is_file():
        raise UsageError(f"scenarios file {os.fspath(value)} does not exist")
    return None if value is None else Path(value)


def _policy(name: str, value: Any) -> Any:
    """Check a policy spec (or API factory/object) once, before any directory or episode."""
    from robot_sf_gym_video.policies.spec import resolve_policy

    return resolve_policy(value)


def _policy_names() -> tuple[str, ...]:
    from robot_sf_gym_video.policies.registry import POLICY_NAMES

    return POLICY_NAMES


def _ray_address(name: str, value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise UsageError(f"ray_address must be a non-empty string, got {value!r}")
    return value


def _selection(name: str, value: Any) -> VideoSelection:
    return parse_selection(value, name)


def parse_video_size(value: Any) -> tuple[int, int] | None:
    """Return ``(width_px, height_px)`` from ``"WxH"``, ``[W, H]`` or None.

    The size rule (even sides, legible minimum) is the renderers' own
    (``render.base.validate_size``), checked here so a bad size fails before any episode.
    """
    if value is None:
        return None
    if isinstance(value, str):
        parts = value.lower().split("x")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise UsageError(f"video size {value!r} is not WxH, e.g. 320x240")
        value = (int(parts[0]), int(parts[1]))
    from robot_sf_gym_video.render.base import validate_size

    return validate_size(value)


@dataclasses.dataclass(frozen=True)
class RunOption:
    """One option of a batch, the single declaration its CLI flag and config key derive from.

    Attributes:
        name: ``run_batch`` argument, config-file key and ``argparse`` dest.
        default: Value when neither the CLI nor the config file sets it.
        help: One line for ``--help`` (the default is said here when it helps).
        check: ``check(name, value) -> value``: normalise a value or raise a one-line
            ``UsageError`` naming it and what is allowed.
        toml: TOML value types a config file may use (``bool`` is never an ``int``).
        toml_expected: How an error names those types (``"an integer"``).
        flags: CLI flags; empty when the CLI sets the option another way (module doc).
        cli: Extra ``argparse.add_argument`` keywords (``type``, ``metavar``, ``action``,
            ``choices``).
        path: A path that a config file gives relative to its own folder.
        required: ``run_batch`` has no default for it (``default`` is then None).
    """

    name: str
    default: Any
    help: str
    check: Callable[[str, Any], Any]
    toml: tuple[type, ...]
    toml_expected: str
    flags: tuple[str, ...] = ()
    cli: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    path: bool = False
    required: bool = False

    def parse(self, value: Any) -> Any:
        """Return the checked, normalised value (``UsageError`` on a bad one)."""
        return self.check(self.name, value)


_INT, _AN_INTEGER = (int,), "an integer"
_BOOL, _TRUE_FALSE = (bool,), "true or false"
_FLAG = {"action": "store_true", "default": None}

RUN_OPTIONS: Registry[RunOption] = Registry(
    "option",
    [
        RunOption(
            name="out_dir",
            default=None,
            help="run directory (no default: required here or in --config)",
            check=_out_dir,
            toml=(str,),
            toml_expected="a path string",
            flags=("--out",),
            cli={"metavar": "DIR"},
            path=True,
            required=True,
        ),
        RunOption(
            name="scenarios",
            default=None,
            help="scenario to run; repeatable (default: crossing, or all of --scenarios)",
            check=_scenario_names,
            toml=(list, str),
            toml_expected="a list of scenario names",
            flags=("--scenario",),
            cli={"action": "append", "metavar": "NAME"},
        ),
        RunOption(
            name="episodes",
            default=1,
            help=f"episodes per scenario (default 1, at most {MAX_EPISODES})",
            check=_integer(1, MAX_EPISODES),
            toml=_INT,
            toml_expected=_AN_INTEGER,
            flags=("--episodes",),
            cli={"type": int, "metavar": "N"},
        ),
        RunOption(
            name="seed",
            default=0,
            help="batch seed (default 0)",
            check=_integer(),
            toml=_INT,
            toml_expected=_AN_INTEGER,
            flags=("--seed",),
            cli={"type": int, "metavar": "S"},
        ),
        RunOption(
            name="max_steps",
            default=None,
            help="step limit per episode (default: each scenario's own)",
            check=_optional(_integer(1)),
            toml=_INT,
            toml_expected="an integer (omit it for the scenario's own limit)",
            flags=("--max-steps",),
            cli={"type": int, "metavar": "N"},
        ),
        RunOption(
            name="policy",
            default="goal",
            help=(
                f"robot policy: {', '.join(_policy_names())} (default goal), "
                "package.module:factory, path/to/file.py:factory or sb3:ALGO:model.zip "
                "(see docs/policies.md)"
            ),
            check=_policy,
            toml=(str,),
            toml_expected="a policy spec string",
            flags=("--policy",),
            cli={"metavar": "SPEC"},
        ),
        RunOption(
            name="workers",
            default=1,
            help="worker processes (default 1)",
            check=_integer(1),
            toml=_INT,
            toml_expected=_AN_INTEGER,
            flags=("--workers",),
            cli={"type": int, "metavar": "N"},
        ),
        RunOption(
            name="video_enabled",
            default=False,
            help="film every episode (default off)",
            check=_boolean,
            toml=_BOOL,
            toml_expected=_TRUE_FALSE,
        ),
        RunOption(
            name="video_renderer",
            default="synthetic",
            help="frame source; 'none' means no video (default: synthetic when video is on)",
            check=_choice(VIDEO_RENDERERS),
            toml=(str,),
            toml_expected="a renderer name",
            flags=("--video-renderer",),
            cli={"choices": VIDEO_RENDERERS},
        ),
        RunOption(
            name="resume",
            default=False,
            help="finish an interrupted run: skip recorded episodes (default off)",
            check=_boolean,
            toml=_BOOL,
            toml_expected=_TRUE_FALSE,
            flags=("--resume",),
            cli=_FLAG,
        ),
        RunOption(
            name="overwrite",
            default=False,
            help="delete this run's records and videos first (default off)",
            check=_boolean,
            toml=_BOOL,
            toml_expected=_TRUE_FALSE,
            flags=("--overwrite",),
            cli=_FLAG,
        ),
        RunOption(
            name="scenarios_file",
            default=None,
            help="TOML file of extra scenarios (default: built-in only)",
            check=_scenarios_file,
            toml=(str,),
            toml_expected="a path string",
            flags=("--scenarios",),
            cli={"metavar": "FILE"},
            path=True,
        ),
        RunOption(
            name="video_size",
            default=None,
            help="video frame size, e.g. 320x240 (default: the renderer's)",
            check=lambda name, value: parse_video_size(value),
            toml=(str, list),
            toml_expected='"WxH" or [W, H]',
            flags=("--video-size",),
            cli={"metavar": "WxH"},
        ),
        RunOption(
            name="video_lidar",
            default=False,
            help="draw the robot's lidar rays in sim-view videos (off by default)",
            check=_boolean,
            toml=_BOOL,
            toml_expected=_TRUE_FALSE,
            flags=("--video-lidar",),
            cli=_FLAG,
        ),
        RunOption(
            name="video_stall_timeout_s",
            default=DEFAULT_STALL_TIMEOUT_S,
            help="kill a video recorder without progress for S seconds (default 30)",
            check=_seconds,
            toml=(int, float),
            toml_expected="a number of seconds",
            flags=("--video-stall-timeout",),
            cli={"type": float, "metavar": "S"},
        ),
        RunOption(
            name="progress",
            default=False,
            help="show a progress bar on a terminal",
            check=_boolean,
            toml=_BOOL,
            toml_expected=_TRUE_FALSE,
        ),
        RunOption(
            name="report",
            default=False,
            help="write DIR/report.html at the end (default off)",
            check=_boolean,
            toml=_BOOL,
            toml_expected=_TRUE_FALSE,
            flags=("--report",),
            cli=_FLAG,
        ),
        RunOption(
            name="backend",
            default="local",
            help="where episodes run: local (default) or ray",
            check=_choice(BACKENDS),
            toml=(str,),
            toml_expected="a backend name",
            flags=("--backend",),
            cli={"choices": BACKENDS},
        ),
        RunOption(
            name="ray_address",
            default=None,
            help="Ray cluster to use (default: start a local one)",
            check=_ray_address,
            toml=(str,),
            toml_expected="a Ray address string",
            flags=("--ray-address",),
            cli={"metavar": "ADDR"},
        ),
        RunOption(
            name="video_episodes",
            default="all",
            help="which episodes to film: all (default), failures, first:N or every:K "
            "(per scenario by episode_idx); film the others later with 'film'",
            check=_selection,
            toml=(str,),
            toml_expected=f"a selector: {SELECTOR_FORMS}",
            flags=("--video-episodes",),
            cli={"metavar": "SEL"},
        ),
    ],
)
