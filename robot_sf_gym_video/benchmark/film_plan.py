"""What ``film`` films and how: the chosen records, the settings, the folder they go to.

- ``own_settings(manifest, records)``: the run's video settings (defaults without video).
- ``requested_settings(own, renderer, size, lidar)``: the settings asked for, size resolved.
- ``settings_folder(video, own)``: ``videos`` for the run's own settings, else a sibling
  folder named after the settings.
- ``choose_records(records, items, root)``: the records that selectors and ids pick.
- ``check_scenarios(manifest, chosen, scenarios_file)``: refuse a changed scenario.
- ``step_limit(manifest, chosen)``: the run's step limit.

Sizes are always resolved (a renderer's default made explicit), so "the run's own
settings" is a plain equality and a folder name never says "default".
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from robot_sf_gym_video.benchmark.config import VideoSettings
from robot_sf_gym_video.benchmark.manifest import scenario_sha256
from robot_sf_gym_video.benchmark.options import parse_video_size
from robot_sf_gym_video.benchmark.selection import SELECTOR_FORMS, parse_selection
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.records.jsonl import RECORDS_FILENAME

__all__ = [
    "check_scenarios",
    "choose_records",
    "own_settings",
    "requested_settings",
    "settings_folder",
    "step_limit",
]

VIDEOS_DIRNAME = "videos"


def settings_folder(video: VideoSettings, own: VideoSettings) -> str:
    """Return ``videos`` for the run's own settings, else ``videos-<renderer>-<W>x<H>[-lidar]``."""
    if video == own:
        return VIDEOS_DIRNAME
    size = video.size or _default_size(video.renderer)
    return f"{VIDEOS_DIRNAME}-{video.renderer}-{size[0]}x{size[1]}" + ("-lidar" * video.lidar)


def own_settings(
    manifest: Mapping[str, Any] | None, records: Mapping[str, dict[str, Any]]
) -> VideoSettings:
    """Return the run's video settings (size resolved); the defaults for a run without video."""
    video = (manifest or {}).get("video") or {}
    if video.get("enabled"):
        renderer = str(video["renderer"])
        size = tuple(video["size"]) if video.get("size") else None
        return _resolved(VideoSettings(renderer, size, bool(video.get("lidar", False))))
    renderers = {r.get("video_renderer") for r in records.values()} - {None}
    renderer = renderers.pop() if manifest is None and len(renderers) == 1 else "synthetic"
    return _resolved(VideoSettings(str(renderer)))


def requested_settings(
    own: VideoSettings, renderer: str | None, size: Any, lidar: bool | None
) -> VideoSettings:
    """Return the settings asked for; each None keeps the run's own.

    A new renderer without a size gets that renderer's default size, not the old one's.
    """
    from robot_sf_gym_video.render.registry import RENDERER_NAMES

    if renderer is not None and renderer not in RENDERER_NAMES:
        raise UsageError(f"video renderer {renderer!r} is not one of {', '.join(RENDERER_NAMES)}")
    new_renderer = renderer or own.renderer
    parsed = parse_video_size(size)
    if parsed is None:
        parsed = own.size if new_renderer == own.renderer else None
    lidar = own.lidar if lidar is None else bool(lidar)
    return _resolved(VideoSettings(new_renderer, parsed, lidar))


def _resolved(video: VideoSettings) -> VideoSettings:
    return dataclasses.replace(video, size=video.size or _default_size(video.renderer))


def _default_size(renderer: str) -> tuple[int, int]:
    from robot_sf_gym_video.render.registry import RENDERERS

    return tuple(RENDERERS.get(renderer).default_size())  # type: ignore[return-value]


def choose_records(
    records: Mapping[str, dict[str, Any]], items: Sequence[str] | None, root: Path
) -> list[dict[str, Any]]:
    """Return the records the selectors and ids pick, in record order."""
    if not items:
        return list(records.values())
    selections, ids = [], set()
    for item in items:
        if item in records:
            ids.add(item)
            continue
        try:
            selections.append(parse_selection(item, "--episodes"))
        except UsageError:
            raise UsageError(
                f"--episodes {item!r} is neither an episode id of {root / RECORDS_FILENAME} "
                f"nor a selector ({SELECTOR_FORMS})"
            ) from None
    return [
        r
        for eid, r in records.items()
        if eid in ids or any(s.selects(r["episode_idx"], r["outcome"]) for s in selections)
    ]


def check_scenarios(
    manifest: Mapping[str, Any] | None,
    chosen: Sequence[Mapping[str, Any]],
    scenarios_file: str | os.PathLike[str] | None,
) -> None:
    """Refuse a scenario whose definition differs from the one the run recorded."""
    from robot_sf_gym_video.sim.scenarios import load_scenario

    recorded = {s["name"]: s.get("sha256") for s in (manifest or {}).get("scenarios", [])}
    for name in dict.fromkeys(r["scenario"] for r in chosen):
        spec = load_scenario(name, scenarios_file)
        if name in recorded and recorded[name] != scenario_sha256(spec):
            hint = "" if scenarios_file else "; pass --scenarios FILE with the run's file"
            raise UsageError(
                f"scenario {name!r} is not defined as when the run was made "
                f"(its hash differs from run.json){hint}"
            )


def step_limit(
    manifest: Mapping[str, Any] | None, chosen: Sequence[Mapping[str, Any]]
) -> int | None:
    """Return the run's step limit (``run.json``, else the records', which must agree)."""
    if manifest is not None:
        return manifest.get("max_steps")
    limits = {r.get("max_steps") for r in chosen}
    if len(limits) > 1:
        raise UsageError(f"the chosen episodes were run with different step limits {limits}")
    return limits.pop() if limits else None
