"""The run manifest ``DIR/run.json``: what decides an episode's identity and its video.

- ``MANIFEST_FILENAME`` / ``MANIFEST_VERSION``: ``run.json`` and its format tag.
- ``scenario_sha256(spec)``: a stable hash of a parsed scenario definition, so two runs
  (``--resume``, ``compare``, ``film``) can tell whether "crossing" still means the same map,
  crowd and step limit.
- ``build_manifest(config, specs, policy_sha256=None)``: the manifest of a batch.
- ``write_manifest(run_dir, manifest)``: write it atomically (temp file + rename).
- ``load_manifest(run_dir)``: the manifest of a run, or None for a run made before
  manifests existed; a malformed file is a ``UsageError``.
- ``diff_manifest(old, new)``: dotted names of the keys that differ (``seed``,
  ``video.renderer``, ``scenarios.crossing`` ...); ``episodes`` may only grow.
- ``start_manifest(run_dir, manifest, resume)``: the runner's step at batch start: on
  ``--resume`` refuse a manifest that differs, then write the new one.
- ``record_settings(records)``: the manifest keys a run's records agree on (seed, step
  limit, policy), the fallback for runs made before ``run.json`` existed.
- ``manifest_settings(manifest)``: the same keys (plus scenario hashes) from a manifest.
- ``IDENTITY_KEYS``: the keys that decide which episodes a run holds (``compare`` pairs
  runs only when these agree; policy and video may differ there).

Why a manifest: records carry the seed and policy of their own episode, but not the
scenario definition or the video settings, so a resume with ``--seed 5`` on a seed-0 run,
or with another renderer, used to mix two batches silently. The manifest is written before
any episode runs and compared first on ``--resume``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from robot_sf_gym_video import __version__
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.fileops import atomic_write

if TYPE_CHECKING:
    from robot_sf_gym_video.benchmark.config import RunConfig
    from robot_sf_gym_video.sim.scenarios import ScenarioSpec

__all__ = [
    "IDENTITY_KEYS",
    "MANIFEST_FILENAME",
    "MANIFEST_VERSION",
    "build_manifest",
    "diff_manifest",
    "load_manifest",
    "manifest_settings",
    "record_settings",
    "scenario_sha256",
    "start_manifest",
    "write_manifest",
]

logger = logging.getLogger(__name__)

MANIFEST_FILENAME = "run.json"
MANIFEST_VERSION = "run.v1"
#: Top-level keys that decide what the episodes are (not how they were driven or filmed).
IDENTITY_KEYS: tuple[str, ...] = ("scenarios", "seed", "max_steps")
#: Fields of a scenario that never change an episode (where it was read from, prose).
_SCENARIO_NON_DEFINING = ("source", "description")


def scenario_sha256(spec: ScenarioSpec) -> str:
    """Return the hex SHA-256 of a scenario's definition.

    The hash covers every field that shapes an episode (bounds, obstacles, robot, flows,
    radii, step limit and the name, which enters the episode seeds) and nothing else: the
    file it came from and its description are left out, so moving a scenario between
    files keeps its hash. Fields equal to their default are left out too, so a field added
    to the format later with a default that keeps today's behaviour does not change the
    hash of an existing scenario.
    """
    canonical = _canonical(spec, skip=_SCENARIO_NON_DEFINING)
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value: Any, skip: Sequence[str] = ()) -> Any:
    """Plain JSON data of a (nested) dataclass value, without fields at their default."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if field.name in skip or _is_default(field, item):
                continue
            out[field.name] = _canonical(item)
        return out
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    return value


def _is_default(field: dataclasses.Field[Any], value: Any) -> bool:
    if field.default is not dataclasses.MISSING:
        return bool(value == field.default)
    if field.default_factory is not dataclasses.MISSING:
        return bool(value == field.default_factory())
    return False


def build_manifest(
    config: RunConfig,
    specs: Sequence[ScenarioSpec],
    *,
    policy_sha256: str | None = None,
) -> dict[str, Any]:
    """Return the manifest of a batch of ``config`` over the scenarios ``specs``.

    Args:
        config: The validated batch settings.
        specs: The scenarios of the batch, in plan order.
        policy_sha256: Digest of the policy's file or model, when it has one.
    """
    return {
        "manifest_version": MANIFEST_VERSION,
        "package_version": __version__,
        "scenarios": [{"name": s.name, "sha256": scenario_sha256(s)} for s in specs],
        "episodes": config.episodes,
        "seed": config.seed,
        "max_steps": config.max_steps,
        "policy": {"spec": config.policy.spec, "sha256": policy_sha256 or config.policy.sha256},
        "video": _video_settings(config),
    }


def _video_settings(config: RunConfig) -> dict[str, Any]:
    """Return what decides how a video looks, and which episodes get one (or "off")."""
    if config.video is None:
        return {"enabled": False}
    from robot_sf_gym_video.sim.simulator import SimConfig

    size = config.video.size or _default_size(config.video.renderer)
    settings = {
        "enabled": True,
        "renderer": config.video.renderer,
        "size": [int(size[0]), int(size[1])],
        "fps": 1.0 / SimConfig().dt_s,
        "episodes": str(config.video.episodes),  # which episodes are filmed (--video-episodes)
    }
    if config.video.lidar:  # only when on, so manifests of earlier runs still match
        settings["lidar"] = True
    return settings


def _default_size(renderer: str) -> tuple[int, int]:
    from robot_sf_gym_video.render.registry import RENDERERS

    return RENDERERS.get(renderer).default_size()


def write_manifest(run_dir: str | os.PathLike[str], manifest: Mapping[str, Any]) -> Path:
    """Write ``run_dir/run.json`` atomically: readers see the old file or the new one."""
    path = Path(run_dir) / MANIFEST_FILENAME
    text = json.dumps(manifest, indent=2, sort_keys=False, allow_nan=False) + "\n"
    atomic_write(path, text)
    return path


def load_manifest(run_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Return the parsed ``run_dir/run.json``, or None when the run has none.

    Raises:
        UsageError: the file exists but is not a JSON object of this format.
    """
    path = Path(run_dir) / MANIFEST_FILENAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the run manifest: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
        raise UsageError(f"{path}: not a run manifest of format {MANIFEST_VERSION}")
    return data


def diff_manifest(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Return the dotted names of the keys whose values differ, sorted.

    ``episodes`` counts as different only when ``new`` has fewer (a resumed run may grow).
    Scenarios are compared by name and hash: a changed definition is
    ``scenarios.<name>``, a different set of scenarios is ``scenarios`` (their order does
    not matter).
    ``manifest_version`` is not a setting and is ignored.
    """
    keys = sorted((set(old) | set(new)) - {"manifest_version"})
    out: list[str] = []
    for key in keys:
        a, b = old.get(key), new.get(key)
        if key == "episodes":
            if not isinstance(a, int) or not isinstance(b, int) or b < a:
                out.append(key)
        elif key == "scenarios":
            out += _diff_scenarios(a, b)
        elif isinstance(a, Mapping) and isinstance(b, Mapping):
            out += [f"{key}.{sub}" for sub in _diff_flat(a, b)]
        elif a != b:
            out.append(key)
    return out


def _diff_flat(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def _diff_scenarios(a: Any, b: Any) -> list[str]:
    def by_name(items: Any) -> dict[str, Any]:
        if not isinstance(items, list):
            return {}
        return {s.get("name"): s.get("sha256") for s in items if isinstance(s, Mapping)}

    names_a, names_b = by_name(a), by_name(b)
    if set(names_a) != set(names_b):
        return ["scenarios"]
    return [f"scenarios.{name}" for name in names_a if names_a[name] != names_b[name]]


def start_manifest(
    run_dir: str | os.PathLike[str],
    manifest: Mapping[str, Any],
    *,
    resume: bool,
) -> Path:
    """Check ``manifest`` against the run's own on ``--resume``, then write it.

    A run directory from before manifests (records, no ``run.json``) is checked against
    what its records say (``record_settings``); one warning says what cannot be checked.
    The manifest written then describes the batch from here on.

    Raises:
        UsageError: on resume, the run's manifest (or its records) differ, naming every
            key that does.
    """
    old = load_manifest(run_dir) if resume else None
    if old is not None:
        differ = diff_manifest(old, manifest)
    elif resume:
        differ = _diff_records(run_dir, manifest)
    else:
        differ = []
    if differ:
        raise UsageError(
            f"--resume: {os.fspath(run_dir)} was run with different {', '.join(differ)} "
            f"(see its {MANIFEST_FILENAME} or records); only --episodes may grow: "
            "use the run's own settings, a new --out, or --overwrite"
        )
    return write_manifest(run_dir, manifest)


def _diff_records(run_dir: str | os.PathLike[str], manifest: Mapping[str, Any]) -> list[str]:
    from robot_sf_gym_video.records.jsonl import RECORDS_FILENAME, read_records

    records = [r for _, r in read_records(Path(run_dir) / RECORDS_FILENAME).records]
    if not records:
        return []
    logger.warning(
        "--resume: %s has no %s (made by an older version): cannot check its scenario "
        "definitions or video settings; checking seed, step limit and policy from its records",
        os.fspath(run_dir),
        MANIFEST_FILENAME,
    )
    found = record_settings(records)
    return sorted(k for k, v in found.items() if _dotted(manifest, k) != v)


#: Manifest keys that every record also carries, as (dotted manifest key, record field).
_RECORD_KEYS: tuple[tuple[str, str], ...] = (
    ("seed", "base_seed"),
    ("max_steps", "max_steps"),
    ("policy.spec", "policy"),
)


def record_settings(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Return the manifest keys that a run's records agree on, for runs without run.json.

    Keys are dotted manifest names (``seed``, ``max_steps``, ``policy.spec``); a key is left
    out when a record lacks its field or the records disagree (they are already mixed, so
    nothing can be said).
    """
    out: dict[str, Any] = {}
    for key, field in _RECORD_KEYS:
        if records and all(field in r for r in records):
            values = {json.dumps(r[field], sort_keys=True) for r in records}
            if len(values) == 1:
                out[key] = records[0][field]
    return out


def manifest_settings(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Return the identity settings of a manifest under the keys ``record_settings`` uses.

    ``seed``, ``max_steps``, ``policy.spec`` and one ``scenarios.<name>`` (its hash) per
    scenario; a malformed entry is left out rather than raising, so ``compare`` can still
    name what it could not check.
    """
    out = {k: _dotted(manifest, k) for k, _ in _RECORD_KEYS if _dotted(manifest, k) is not None}
    if "max_steps" in manifest:  # null is a value here: the scenarios' own limits
        out["max_steps"] = manifest["max_steps"]
    scenarios = manifest.get("scenarios")
    for item in scenarios if isinstance(scenarios, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            out[f"scenarios.{item['name']}"] = item.get("sha256")
    return out


def _dotted(data: Mapping[str, Any], key: str) -> Any:
    value: Any = data
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value
