"""``robot-sf-bench compare DIR_A DIR_B``: check two runs hold the same episodes, pair them.

- ``RunSide``: one run as the comparison sees it (rows, manifest, policy label).
- ``Comparison``: both sides, the pairing, the delta rows and notes for the user.
- ``compare_runs(dir_a, dir_b)``: load, check identity, pair and test; no files written.
- ``default_page_path(dir_a, dir_b)``: ``DIR_A/compare-<basename of B>.html``.
- ``write_compare_page(comparison, path)``: the side-by-side video page, atomically.

Identity: two episodes are the same situation when the scenario definition, the batch
seed and the step limit agree (then the same ``(scenario, seed, episode_idx)`` is the same
start, crowd and limit). Those come from each run's ``run.json``; a run made before
manifests existed falls back to what its records say (seed and step limit, not the
scenario definitions), and a note says so. Policies and video settings may differ: that
is what is being compared.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from pathlib import Path
from typing import Any

from robot_sf_gym_video.benchmark.manifest import (
    load_manifest,
    manifest_settings,
    record_settings,
)
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.fileops import atomic_write
from robot_sf_gym_video.report.model import EpisodeRow
from robot_sf_gym_video.report.pairing import DeltaRow, Pairing, compare_pairs, pair_rows
from robot_sf_gym_video.report.summary_files import load_rows

__all__ = [
    "Comparison",
    "RunSide",
    "compare_runs",
    "default_page_path",
    "write_compare_page",
]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class RunSide:
    """One of the two runs.

    Attributes:
        run_dir: The run directory.
        rows: Its episodes as report rows.
        manifest: Its ``run.json``, or None for a run made before manifests.
        settings: Identity settings: from the manifest, else from the records.
    """

    run_dir: Path
    rows: list[EpisodeRow]
    manifest: dict[str, Any] | None
    settings: dict[str, Any]

    @property
    def policy(self) -> str:
        """The policy spec the run used, as far as it is known."""
        return str(self.settings.get("policy.spec", "?"))


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Everything ``compare`` prints and shows."""

    a: RunSide
    b: RunSide
    pairing: Pairing
    deltas: list[DeltaRow]
    notes: list[str]


def _load_side(run_dir: str | os.PathLike[str]) -> RunSide:
    records, rows = load_rows(run_dir, command="compare")
    manifest = load_manifest(run_dir)
    settings = record_settings(records) if manifest is None else manifest_settings(manifest)
    return RunSide(Path(run_dir), rows, manifest, settings)


def _identity_problems(a: RunSide, b: RunSide, scenarios: set[str]) -> tuple[list[str], list[str]]:
    """Return (keys that differ, notes about what could not be checked)."""
    keys = ["seed", "max_steps", *(f"scenarios.{name}" for name in sorted(scenarios))]
    differ, unknown = [], []
    for key in keys:
        if key in a.settings and key in b.settings:
            if a.settings[key] != b.settings[key]:
                differ.append(key)
        else:
            unknown.append(key)
    notes = []
    for side in (a, b):
        if side.manifest is None:
            notes.append(
                f"{side.run_dir} has no run.json (made by an older version): its scenario "
                "definitions cannot be checked; seed and step limit come from its records"
            )
    if any(k in ("seed", "max_steps") for k in unknown):
        notes.append(f"could not check {', '.join(k for k in unknown if '.' not in k)}")
    return differ, notes


def compare_runs(dir_a: str | os.PathLike[str], dir_b: str | os.PathLike[str]) -> Comparison:
    """Load two runs, refuse them unless their episodes are the same situations, test them.

    Raises:
        UsageError: a directory is not a run, the runs' seed, step limit or a shared
            scenario's definition differ (naming each key), or they share no episode.
    """
    a, b = _load_side(dir_a), _load_side(dir_b)
    shared = {r.scenario for r in a.rows} & {r.scenario for r in b.rows}
    differ, notes = _identity_problems(a, b, shared)
    if differ:
        raise UsageError(
            f"compare: {a.run_dir} and {b.run_dir} hold different episodes: "
            f"{', '.join(differ)} differ (see their run.json); only runs of the same "
            "scenarios, --seed and --max-steps can be paired"
        )
    pairing = pair_rows(a.rows, b.rows)
    if not pairing.pairs:
        raise UsageError(
            f"compare: {a.run_dir} and {b.run_dir} share no episode (scenario, seed, index)"
        )
    if pairing.only_a or pairing.only_b:
        notes.append(
            f"compared the {len(pairing.pairs)} common episodes ({a.run_dir.name} has "
            f"{len(pairing.pairs) + pairing.only_a}, {b.run_dir.name} has "
            f"{len(pairing.pairs) + pairing.only_b})"
        )
    for note in notes:  # part of the result too: the CLI prints them
        logger.info("compare: %s", note)
    return Comparison(a, b, pairing, compare_pairs(pairing.pairs), notes)


def default_page_path(dir_a: str | os.PathLike[str], dir_b: str | os.PathLike[str]) -> Path:
    """Return ``DIR_A/compare-<B>.html``, B the basename of ``dir_b`` made file-name safe."""
    name = Path(os.path.abspath(dir_b)).name
    safe = re.sub(r"[^A-Za-z0-9._-]", "-", name).lstrip(".") or "B"
    return Path(dir_a) / f"compare-{safe}.html"


def write_compare_page(comparison: Comparison, path: str | os.PathLike[str]) -> Path:
    """Write the side-by-side page to ``path`` atomically; video paths relative to it.

    Raises:
        UsageError: the page's folder does not exist or ``path`` is a directory.
    """
    from robot_sf_gym_video.report.compare_html import render_compare_page

    path = Path(path)
    if path.is_dir():
        raise UsageError(f"compare: --out {path} is a directory; give a file name")
    if not path.parent.is_dir():
        raise UsageError(f"compare: --out {path}: folder {path.parent} does not exist")
    atomic_write(path, render_compare_page(comparison, page_dir=path.parent))
    logger.info("wrote %s", path)
    return path
