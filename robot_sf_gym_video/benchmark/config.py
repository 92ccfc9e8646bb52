"""Typed, validated settings of one batch, and loading them from a ``--config`` TOML file.

- ``RunConfig``: every ``run_batch`` argument, checked once (``RunConfig.build``) so a bad
  value fails before any episode runs, with one line naming the value and what is allowed.
- ``CONFIG_KEYS``: the keys a config file may use (the ``run_batch`` argument names).
- ``VIDEO_RENDERERS``: allowed ``video_renderer`` values.
- ``BACKENDS``: allowed ``backend`` values.
- ``load_config_file(path)``: the TOML file as ``run_batch`` keyword arguments.
- ``parse_video_size(value)``: ``"WxH"`` or ``[W, H]`` to ``(W, H)``.

A typed dataclass rather than a dict of strings: a misspelt key is an error, never a
silently ignored option.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from robot_sf_gym_video.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib

__all__ = [
    "BACKENDS",
    "CONFIG_KEYS",
    "VIDEO_RENDERERS",
    "RunConfig",
    "load_config_file",
    "parse_video_size",
]

VIDEO_RENDERERS: tuple[str, ...] = ("synthetic", "sim-view", "none")
BACKENDS: tuple[str, ...] = ("local", "ray")


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Settings of one batch; field names and meanings are those of ``run_batch``.

    Attributes:
        out_dir: Run directory (``episodes.jsonl`` and ``videos/`` go there).
        scenarios: Scenario names; ``None`` means every scenario of ``scenarios_file``, or
            ``("crossing",)`` without a file.
        episodes: Episodes per scenario, >= 1.
        seed: Batch seed; episode seeds are derived from it.
        max_steps: Step limit per episode (None: the scenario's own limit).
        policy: Robot policy name.
        workers: Worker processes, >= 1 (1 runs in this process).
        video_enabled: Record one MP4 per episode.
        video_renderer: Frame source; ``"none"`` turns video off whatever ``video_enabled``.
        resume: Keep complete episodes of an existing run and run the rest.
        overwrite: Delete this run's records and videos first.
        scenarios_file: TOML file with user scenarios (searched before the built-ins).
        video_size: Frame size ``(width_px, height_px)``; None is the renderer default.
        progress: Show a progress bar (only on a terminal; needs tqdm).
        report: Write ``report.html`` after the batch.
        backend: ``"local"`` (this machine's processes) or ``"ray"`` (one Ray task per
            episode).
        ray_address: Ray cluster to connect to (backend ``"ray"`` only); None starts a
            local Ray instance.
    """

    out_dir: Path
    scenarios: tuple[str, ...] | None = None
    episodes: int = 1
    seed: int = 0
    max_steps: int | None = None
    policy: str = "goal"
    workers: int = 1
    video_enabled: bool = False
    video_renderer: str = "synthetic"
    resume: bool = False
    overwrite: bool = False
    scenarios_file: Path | None = None
    video_size: tuple[int, int] | None = None
    progress: bool = False
    report: bool = False
    backend: str = "local"
    ray_address: str | None = None

    @property
    def video_on(self) -> bool:
        """True when episodes are filmed (``video_renderer="none"`` always wins)."""
        return self.video_enabled and self.video_renderer != "none"

    @classmethod
    def build(cls, **kwargs: Any) -> RunConfig:
        """Normalise and check every value; raise ``UsageError`` on the first bad one."""
        unknown = sorted(set(kwargs) - set(CONFIG_KEYS))
        if unknown:
            raise UsageError(f"unknown option {unknown[0]!r}; allowed: {', '.join(CONFIG_KEYS)}")
        values = {**_defaults(), **kwargs}
        if values["out_dir"] in (None, ""):
            raise UsageError("out_dir (--out) is required")
        if values["resume"] and values["overwrite"]:
            raise UsageError("--resume and --overwrite exclude each other; pick one")
        if values["video_renderer"] not in VIDEO_RENDERERS:
            raise UsageError(
                f"video_renderer {values['video_renderer']!r} is not one of "
                f"{', '.join(VIDEO_RENDERERS)}"
            )
        scenarios_file = values["scenarios_file"]
        if scenarios_file is not None and not Path(scenarios_file).is_file():
            raise UsageError(f"scenarios file {os.fspath(scenarios_file)} does not exist")
        max_steps = values["max_steps"]
        backend, ray_address = _backend(values["backend"], values["ray_address"])
        return cls(
            out_dir=Path(values["out_dir"]),
            scenarios=_scenario_names(values["scenarios"]),
            episodes=_integer("episodes", values["episodes"], minimum=1),
            seed=_integer("seed", values["seed"]),
            max_steps=None if max_steps is None else _integer("max_steps", max_steps, minimum=1),
            policy=_policy(values["policy"]),
            workers=_integer("workers", values["workers"], minimum=1),
            video_enabled=_boolean("video_enabled", values["video_enabled"]),
            video_renderer=values["video_renderer"],
            resume=_boolean("resume", values["resume"]),
            overwrite=_boolean("overwrite", values["overwrite"]),
            scenarios_file=None if scenarios_file is None else Path(scenarios_file),
            video_size=parse_video_size(values["video_size"]),
            progress=_boolean("progress", values["progress"]),
            report=_boolean("report", values["report"]),
            backend=backend,
            ray_address=ray_address,
        )


CONFIG_KEYS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RunConfig))


def _defaults() -> dict[str, Any]:
    return {
        f.name: f.default
        for f in dataclasses.fields(RunConfig)
        if f.default is not dataclasses.MISSING
    } | {"out_dir": None}


def _integer(name: str, value: Any, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{name} must be an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise UsageError(f"{name} must be >= {minimum}, got {value}")
    return value


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{name} must be true or false, got {value!r}")
    return value


def _scenario_names(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, Iterable) or not all(isinstance(n, str) and n for n in names):
        raise UsageError(f"scenarios must be a list of non-empty names, got {value!r}")
    names = tuple(dict.fromkeys(names))  # drop repeats, keep order
    if not names:
        raise UsageError("scenarios must name at least one scenario")
    return names


def _backend(backend: Any, ray_address: Any) -> tuple[str, str | None]:
    if backend not in BACKENDS:
        raise UsageError(f"backend {backend!r} is not one of {', '.join(BACKENDS)}")
    if ray_address is not None and (not isinstance(ray_address, str) or not ray_address):
        raise UsageError(f"ray_address must be a non-empty string, got {ray_address!r}")
    if ray_address is not None and backend != "ray":
        raise UsageError(f"ray_address {ray_address!r} needs backend 'ray' (--backend ray)")
    return backend, ray_address


def _policy(value: Any) -> str:
    from robot_sf_gym_video.policies import POLICY_NAMES

    if value not in POLICY_NAMES:
        raise UsageError(f"policy {value!r} is not one of {', '.join(POLICY_NAMES)}")
    return value


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


_TOML_TYPES: Mapping[str, tuple[tuple[type, ...], str]] = {
    "out_dir": ((str,), "a path string"),
    "scenarios": ((list, str), "a list of scenario names"),
    "episodes": ((int,), "an integer"),
    "seed": ((int,), "an integer"),
    "max_steps": ((int,), "an integer (omit it for the scenario's own limit)"),
    "policy": ((str,), "a policy name"),
    "workers": ((int,), "an integer"),
    "video_enabled": ((bool,), "true or false"),
    "video_renderer": ((str,), "a renderer name"),
    "resume": ((bool,), "true or false"),
    "overwrite": ((bool,), "true or false"),
    "scenarios_file": ((str,), "a path string"),
    "video_size": ((str, list), '"WxH" or [W, H]'),
    "progress": ((bool,), "true or false"),
    "report": ((bool,), "true or false"),
    "backend": ((str,), "a backend name"),
    "ray_address": ((str,), "a Ray address string"),
}
_PATH_KEYS = ("out_dir", "scenarios_file")


def load_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a TOML config file into ``run_batch`` keyword arguments.

    Keys are ``CONFIG_KEYS``; any other key is an error naming it and the allowed ones.
    Relative paths (``out_dir``, ``scenarios_file``) are taken relative to the config file's
    folder, so a config works from any working directory. Values are type-checked here so
    the error can name the file and the key; ranges are checked by ``RunConfig.build``.

    Raises:
        UsageError: missing/unreadable file, invalid TOML, unknown key or wrong type.
    """
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"{file}: cannot read config file: {reason}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{file}: not valid TOML: {' '.join(str(exc).split())}") from exc
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _TOML_TYPES:
            raise UsageError(f"{file}: unknown key {key!r}; allowed: {', '.join(CONFIG_KEYS)}")
        types, expected = _TOML_TYPES[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise UsageError(f"{file}: key {key!r} must be {expected}, got {value!r}")
        if key in _PATH_KEYS:
            value = file.parent / value
        out[key] = value
    try:  # value ranges and combinations, reported against this file
        RunConfig.build(**{"out_dir": file.parent, **out})
    except UsageError as exc:
        raise UsageError(f"{file}: {exc}") from exc
    return out
