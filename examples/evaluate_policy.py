"""Evaluate a policy on SocialNav scenarios with every episode filmed to MP4.

Run it::

    python examples/evaluate_policy.py --scenario crossing --scenario doorway \
        --episodes 3 --policy goal --out eval_out
    python examples/evaluate_policy.py --policy my_pkg.agents:act --out eval_out
    python examples/evaluate_policy.py --policy path/to/agent.py:Agent --out eval_out

It prints one row per scenario (success rate, collisions, mean time to goal) and writes, under
``--out`` only:

- ``OUT/episodes.jsonl``: one ``episode.v2`` record per episode, the format of
  ``robot-sf-bench run``, so ``robot-sf-bench validate --decode OUT`` and
  ``robot-sf-bench report OUT`` work on it. Rewritten on every run.
- ``OUT/videos/<scenario>__<seed>__<episode_idx>.mp4``: one video per episode.

Episode seeds come from ``--seed``, the scenario and the episode index exactly as in
``robot-sf-bench run``, so ``--policy goal`` here reproduces the runner's episodes.

Used as a library (copy the file or put ``examples/`` on ``sys.path``)::

    from evaluate_policy import evaluate
    records = evaluate(my_policy, ["crossing"], episodes=2, out_dir="eval_out")

Contents:

- ``evaluate(policy, scenarios, episodes, out_dir, ...)``: run and film the episodes,
  return their records.
- ``load_policy(spec)``: a built-in name or a ``module:callable`` / ``file.py:callable`` path.
- ``summarize(records)`` / ``format_table(rows)``: the per-scenario table.
- ``main(argv=None) -> int``: the command line (exit 0 done, 2 bad input).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import inspect
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym

import robot_sf_gym_video
from robot_sf_gym_video import ENV_ID, VideoArtifactWrapper, list_scenarios
from robot_sf_gym_video.benchmark.seeds import derive_seed
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.policies import POLICY_NAMES, make_policy

log = logging.getLogger("robot_sf_gym_video.examples.evaluate_policy")

#: A built-in policy name, a callable ``obs -> action`` or an object with ``predict(obs)``.
PolicyLike = str | Callable[[Any], Any] | Any


def load_policy(spec: str) -> PolicyLike:
    """Turn a ``--policy`` value into something ``make_policy`` accepts.

    Args:
        spec: ``goal``/``random``/``zero``, ``package.module:attr`` (the working directory
            is searched too) or ``path/file.py:attr``.
            ``attr`` may be dotted; a class is instantiated without arguments (calling a
            class with an observation would build an object, never an action).

    Returns:
        The name itself for built-ins, else the imported callable or ``predict()`` object.

    Raises:
        UsageError: unknown name, import failure, missing attribute, or an object that is
            neither callable nor has ``predict``.
    """
    if spec in POLICY_NAMES:
        return spec
    source, sep, attr = spec.rpartition(":")
    if not sep or not source or not attr:
        raise UsageError(
            f"unknown policy {spec!r}; allowed: {', '.join(POLICY_NAMES)}, "
            "module:callable or file.py:callable"
        )
    try:
        module = _import_source(source)
        obj: Any = module
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError, OSError, SyntaxError) as exc:
        raise UsageError(f"cannot load policy {spec!r}: {exc}") from None
    if inspect.isclass(obj):
        obj = obj()
    if not (callable(obj) or callable(getattr(obj, "predict", None))):
        raise UsageError(
            f"policy {spec!r} is a {type(obj).__name__}; need a callable obs -> action "
            "or an object with predict(obs)"
        )
    return obj


def _import_source(source: str) -> Any:
    """Import a dotted module name, or a ``.py`` file by path."""
    if not source.endswith(".py"):
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # like `python -m`: modules in the cwd import
        return importlib.import_module(source)
    path = Path(source).resolve()
    name = path.stem if path.stem not in sys.modules else f"_policy_file_{abs(hash(path))}"
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot import {source}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module  # registered first, as dataclasses and pickle need
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def _policy_label(policy: PolicyLike) -> str:
    if isinstance(policy, str):
        return policy
    name = getattr(policy, "__qualname__", None) or type(policy).__qualname__
    return f"{getattr(policy, '__module__', '?')}:{name}"


def evaluate(
    policy: PolicyLike,
    scenarios: Sequence[str] = ("crossing",),
    episodes: int = 2,
    out_dir: str | os.PathLike[str] = "eval_out",
    *,
    seed: int = 0,
    max_steps: int | None = None,
    renderer: str = "synthetic",
    video_size: tuple[int, int] | None = None,
) -> list[dict[str, Any]]:
    """Run ``episodes`` filmed episodes per scenario and return their records.

    One env and one ``VideoArtifactWrapper`` per scenario, reused across its episodes;
    ``set_episode_identity`` names each file ``<scenario>__<seed>__<episode_idx>.mp4``.

    Args:
        policy: ``"goal"``, ``"random"``, ``"zero"``, a ``module:callable`` string, a
            callable ``obs -> action`` or an object with ``predict(obs)``.
        scenarios: Built-in scenario names (``robot_sf_gym_video.list_scenarios()``).
        episodes: Episodes per scenario (>= 1).
        out_dir: Gets ``episodes.jsonl`` and ``videos/``; created when missing.
        seed: Base seed; each episode's seed is derived as in ``robot-sf-bench run``.
        max_steps: Step limit per episode; None keeps each scenario's own.
        renderer: ``"synthetic"``, ``"sim-view"`` or ``"none"`` (no video).
        video_size: ``(width_px, height_px)`` of the frames; None for the default.

    Returns:
        One ``episode.v2`` record (a dict) per episode, in run order; ``video.path`` is
        relative to ``out_dir``.

    Raises:
        UsageError: bad scenario, episode count or policy (before any episode runs).
    """
    scenarios = [scenarios] if isinstance(scenarios, str) else list(scenarios)
    known = list_scenarios()
    bad = [name for name in scenarios if name not in known]
    if not scenarios:
        raise UsageError(f"no scenario given; allowed: {', '.join(known)}")
    if bad:
        raise UsageError(f"unknown scenario {bad[0]!r}; allowed: {', '.join(known)}")
    if isinstance(episodes, bool) or not isinstance(episodes, int) or episodes < 1:
        raise UsageError(f"episodes must be an integer >= 1, got {episodes!r}")
    if max_steps is not None and max_steps < 1:
        raise UsageError(f"max_steps must be >= 1 or None, got {max_steps!r}")
    if isinstance(policy, str) and policy not in POLICY_NAMES:
        policy = load_policy(policy)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    records_path = out / "episodes.jsonl"
    records: list[dict[str, Any]] = []
    context = {
        "base_seed": seed,
        "policy": _policy_label(policy),
        "max_steps": max_steps,
        "package_version": robot_sf_gym_video.__version__,
    }
    if renderer != "none":
        context["video_renderer"] = renderer
    with records_path.open("w", encoding="utf-8") as sink:
        for scenario in scenarios:
            env = VideoArtifactWrapper(
                gym.make(ENV_ID, scenario=scenario, max_steps=max_steps, video_size=video_size),
                renderer=renderer,
                video_dir=out / "videos",
            )
            try:
                act = make_policy(policy, env)
                for idx in range(episodes):
                    episode_seed = derive_seed(seed, scenario, idx)
                    env.set_episode_identity(scenario, episode_seed, idx)
                    record = _run_episode(env, act, scenario, episode_seed, idx, out)
                    record.update(context)
                    records.append(record)
                    sink.write(json.dumps(record) + "\n")
                    sink.flush()
            finally:
                env.close()
    log.info("wrote %d records to %s", len(records), records_path)
    return records


def _run_episode(
    env: VideoArtifactWrapper,
    act: Any,
    scenario: str,
    episode_seed: int,
    idx: int,
    out: Path,
) -> dict[str, Any]:
    """Play one episode to its end and build its record from the last step's ``info``."""
    start = time.perf_counter()
    obs, info = env.reset(seed=episode_seed)
    act.reset(seed=episode_seed)  # make_policy's policies all have reset(seed=None)
    steps = 0
    terminated = truncated = False
    while not (terminated or truncated):
        obs, _reward, terminated, truncated, info = env.step(act(obs))
        steps += 1
    record: dict[str, Any] = {
        "schema_version": "episode.v2",
        "episode_id": f"{scenario}__{episode_seed}__{idx}",
        "scenario": scenario,
        "seed": episode_seed,
        "episode_idx": idx,
        "steps": steps,
        "outcome": info["outcome"],
        "metrics": info["metrics"],
        "wall_time_s": time.perf_counter() - start,
        "events": info["events"],
    }
    if "video" in info:
        video = dict(info["video"])
        video["path"] = Path(os.path.relpath(video["path"], out)).as_posix()
        record["video"] = video
        log.info("%s: %s, video %s", record["episode_id"], record["outcome"], out / video["path"])
    elif "video_skip" in info:  # the wrapper has already logged why
        record["video_skip"] = info["video_skip"]
    return record


@dataclasses.dataclass(frozen=True)
class ScenarioRow:
    """One line of the table: a scenario's results over its episodes."""

    scenario: str
    episodes: int
    successes: int
    collisions: int
    mean_time_to_goal_s: float | None
    videos: int

    @property
    def success_rate(self) -> float:
        """Fraction of episodes that reached the goal."""
        return self.successes / self.episodes


def summarize(records: Sequence[dict[str, Any]]) -> list[ScenarioRow]:
    """Group records by scenario (first-seen order); time to goal averages successes only."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault(record["scenario"], []).append(record)
    rows = []
    for scenario, group in groups.items():
        times = [r["metrics"]["time_to_goal_s"] for r in group if r["outcome"] == "success"]
        rows.append(
            ScenarioRow(
                scenario=scenario,
                episodes=len(group),
                successes=sum(r["outcome"] == "success" for r in group),
                collisions=sum(r["outcome"] == "collision" for r in group),
                mean_time_to_goal_s=sum(times) / len(times) if times else None,
                videos=sum("video" in r for r in group),
            )
        )
    return rows


def format_table(rows: Sequence[ScenarioRow]) -> str:
    """Render the rows as a fixed-width text table."""
    lines = [
        f"{'scenario':<12} {'episodes':>8} {'success':>8} {'collisions':>10} "
        f"{'mean time to goal':>17} {'videos':>6}"
    ]
    for row in rows:
        ttg = "-" if row.mean_time_to_goal_s is None else f"{row.mean_time_to_goal_s:.2f} s"
        lines.append(
            f"{row.scenario:<12} {row.episodes:>8} {row.success_rate:>8.0%} "
            f"{row.collisions:>10} {ttg:>17} {row.videos:>6}"
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """Command-line options (small defaults: one scenario, two episodes)."""
    parser = argparse.ArgumentParser(
        description="Evaluate a policy on SocialNav scenarios and film every episode.",
        epilog="example: python examples/evaluate_policy.py --scenario crossing "
        "--episodes 2 --out eval_out",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help=f"scenario, repeatable (default crossing; one of {', '.join(list_scenarios())})",
    )
    parser.add_argument("--episodes", type=int, default=2, help="episodes per scenario (2)")
    parser.add_argument(
        "--policy",
        default="goal",
        help="goal, random, zero, or module:callable / file.py:callable (default goal)",
    )
    parser.add_argument("--out", default="eval_out", help="output folder (default eval_out)")
    parser.add_argument("--max-steps", type=int, default=None, help="step limit per episode")
    parser.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    parser.add_argument(
        "--renderer",
        choices=("synthetic", "sim-view", "none"),
        default="synthetic",
        help="frame source of the videos; none turns video off (default synthetic)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the evaluation, print the table and where the files are; return the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        records = evaluate(
            load_policy(args.policy),
            args.scenario or ["crossing"],
            args.episodes,
            args.out,
            seed=args.seed,
            max_steps=args.max_steps,
            renderer=args.renderer,
        )
    except UsageError as exc:  # also ScenarioError: bad input, one line, exit 2
        log.error("%s", exc)
        return 2
    out = Path(args.out)
    print(format_table(summarize(records)))
    print(f"records: {out / 'episodes.jsonl'}")
    videos = [out / r["video"]["path"] for r in records if "video" in r]
    print(f"videos:  {out / 'videos'} ({len(videos)} files)")
    for path in videos:
        print(f"  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
