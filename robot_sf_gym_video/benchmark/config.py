"""Typed, validated settings of one batch, and loading them from a ``--config`` TOML file.

- ``RunConfig``: every ``run_batch`` argument, checked once at the boundary
  (``RunConfig.build``), so a bad value fails before any episode runs, with one line naming
  the value and what is allowed. Inner layers receive it (or ``WorkerSettings`` made from
  it) and only assert.
- ``VideoSettings``: what filming needs (renderer, frame size); ``RunConfig.video`` is None
  when video is off, so "off" is one state, not two switches.
- ``CONFIG_KEYS``: the keys a config file may use (the ``run_batch`` argument names, from
  ``benchmark.options.RUN_OPTIONS``).
- ``VIDEO_RENDERERS`` / ``BACKENDS``: allowed ``video_renderer`` / ``backend`` values.
- ``load_config_file(path)``: the TOML file as ``run_batch`` keyword arguments.
- ``parse_video_size(value)``: ``"WxH"`` or ``[W, H]`` to ``(W, H)``.

A typed dataclass rather than a dict of strings: a misspelt key is an error, never a
silently ignored option.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from pathlib import Path
from typing import Any

from robot_sf_gym_video.benchmark.options import (
    BACKENDS,
    RUN_OPTIONS,
    VIDEO_RENDERERS,
    parse_video_size,
)
from robot_sf_gym_video.benchmark.selection import VideoSelection
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.video.supervise import DEFAULT_STALL_TIMEOUT_S

logger = logging.getLogger(__name__)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib

__all__ = [
    "BACKENDS",
    "CONFIG_KEYS",
    "VIDEO_RENDERERS",
    "RunConfig",
    "VideoSettings",
    "load_config_file",
    "parse_video_size",
]

#: The keys a config file (and ``RunConfig.build``) accepts: ``run_batch``'s arguments.
CONFIG_KEYS: tuple[str, ...] = RUN_OPTIONS.names()


@dataclasses.dataclass(frozen=True)
class VideoSettings:
    """How episodes are filmed; exists only when video is on.

    Attributes:
        renderer: A registered renderer name (``render.registry.RENDERERS``), never
            ``"none"``.
        size: Frame size ``(width_px, height_px)``, already validated; None is the
            renderer's default.
        lidar: Draw the robot's lidar rays (renderers with a lidar layer: sim-view).
        episodes: Which episodes get a video (``--video-episodes``); the others get
            ``video_skip`` ``not-selected``.
        stall_timeout_s: A recorder without progress for this long is killed (its episode
            is an ``encode-error`` skip); not part of the video's identity.
    """

    renderer: str
    size: tuple[int, int] | None = None
    lidar: bool = False
    episodes: VideoSelection = dataclasses.field(default_factory=VideoSelection)
    stall_timeout_s: float = DEFAULT_STALL_TIMEOUT_S

    def __post_init__(self) -> None:
        assert self.renderer in VIDEO_RENDERERS and self.renderer != "none", self.renderer


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
        policy: The checked robot policy (``policies.spec.PolicySource``); given as a
            spec string, a factory or a ready policy object.
        workers: Worker processes, >= 1 (1 runs in this process).
        video: How to film episodes; None when video is off (``video_enabled`` false or
            ``video_renderer="none"``).
        resume: Keep complete episodes of an existing run and run the rest.
        overwrite: Delete this run's records and videos first.
        scenarios_file: TOML file with user scenarios (searched before the built-ins).
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
    policy: Any = "goal"
    workers: int = 1
    video: VideoSettings | None = None
    resume: bool = False
    overwrite: bool = False
    scenarios_file: Path | None = None
    progress: bool = False
    report: bool = False
    backend: str = "local"
    ray_address: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.policy, str):  # built directly (tests): resolve the spec here
            from robot_sf_gym_video.policies.spec import resolve_policy

            object.__setattr__(self, "policy", resolve_policy(self.policy))

    @property
    def video_on(self) -> bool:
        """True when episodes are filmed."""
        return self.video is not None

    @property
    def video_renderer(self) -> str:
        """The renderer name when video is on, else ``"none"``."""
        return self.video.renderer if self.video is not None else "none"

    @classmethod
    def build(cls, **kwargs: Any) -> RunConfig:
        """Normalise and check every value; raise ``UsageError`` on the first bad one."""
        unknown = sorted(set(kwargs) - set(CONFIG_KEYS))
        if unknown:
            raise UsageError(f"unknown option {unknown[0]!r}; allowed: {', '.join(CONFIG_KEYS)}")
        values = {o.name: o.parse(kwargs.get(o.name, o.default)) for o in RUN_OPTIONS.entries()}
        if values["resume"] and values["overwrite"]:
            raise UsageError("--resume and --overwrite exclude each other; pick one")
        if values["ray_address"] is not None and values["backend"] != "ray":
            raise UsageError(
                f"ray_address {values['ray_address']!r} needs backend 'ray' (--backend ray)"
            )
        if values["workers"] > 1 or values["backend"] == "ray":
            from robot_sf_gym_video.policies.spec import check_portable

            check_portable(values["policy"])  # worker processes rebuild the policy
        video = None
        if not values["video_enabled"] or values["video_renderer"] == "none":
            _warn_unused_video_options(values)
        if values.pop("video_enabled") and values["video_renderer"] != "none":
            video = VideoSettings(
                values["video_renderer"],
                values["video_size"],
                values["video_lidar"],
                values["video_episodes"],
                values["video_stall_timeout_s"],
            )
        del values["video_renderer"], values["video_size"], values["video_lidar"]
        del values["video_episodes"], values["video_stall_timeout_s"]
        return cls(**values, video=video)


_VIDEO_ONLY_OPTIONS = ("video_size", "video_lidar", "video_episodes", "video_stall_timeout_s")


def _warn_unused_video_options(values: dict[str, Any]) -> None:
    """Say which video options were set for a run that films nothing (they do nothing)."""
    unused = [
        name
        for name in _VIDEO_ONLY_OPTIONS
        if values[name] != (option := RUN_OPTIONS.get(name)).parse(option.default)
    ]
    if unused:
        shown = ", ".join(RUN_OPTIONS.get(name).flags[0] for name in unused)
        logger.warning("%s: no effect without video (add --video)", shown)


def load_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a TOML config file into ``run_batch`` keyword arguments.

    Keys are ``CONFIG_KEYS``; any other key is an error naming it and the allowed ones.
    Relative paths (``out_dir``, ``scenarios_file``) are taken relative to the config file's
    folder, so a config works from any working directory. Each value is checked here (type
    and range) so the error can name the file and the key; rules that combine options are
    ``RunConfig.build``'s.

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
        if key not in RUN_OPTIONS:
            raise UsageError(f"{file}: unknown key {key!r}; allowed: {', '.join(CONFIG_KEYS)}")
        option = RUN_OPTIONS.get(key)
        types = option.toml
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise UsageError(f"{file}: key {key!r} must be {option.toml_expected}, got {value!r}")
        if option.path:
            value = file.parent / value
        try:  # the value's own range, reported against this file
            option.parse(value)
        except UsageError as exc:
            raise UsageError(f"{file}: {exc}") from exc
        out[key] = value
    return out
