"""Film every episode of every sub-env of a ``gymnasium.vector.AsyncVectorEnv``.

Run it::

    python examples/vector_env.py --num-envs 4 --scenario crossing --scenario doorway \
        --episodes 2 --out vector_out

Each sub-env is built inside its worker process and wrapped in its OWN
``VideoArtifactWrapper`` (the wrapper sees a daemonic worker and records in a thread, as a
daemonic process may not start children). The wrapper's ``scenario=`` option names the
files per sub-env, ``<scenario>-env<i>__<seed>__<episode>.mp4``, so parallel sub-envs never
write the same file: sub-env ``i`` gets reset seed ``--seed + i`` from ``envs.reset(seed=...)``
and its wrapper counts its own episodes. Autoreset episodes are reset without a seed, so
their seed part is ``u<token>`` (unique per wrapper): they claim no seed they do not have.

The vector env resets finished sub-envs on their next ``step()`` (Gymnasium's default
``NEXT_STEP`` autoreset), so the ending step's ``info`` holds the artifact:
``info["_video"][i]`` says sub-env ``i`` finished a filmed episode, and
``info["video"]["path"][i]`` / ``["frames"][i]`` describe its file. The loop runs until every
sub-env has finished ``--episodes`` episodes; each finished episode is listed, and an
episode still running at ``close()`` is discarded by its wrapper (no partial file is left).

Writes only ``OUT/videos/``.

Contents:

- ``make_sub_env(index, scenario, video_dir, max_steps)``: the env factory sent to a worker.
- ``run(...)``: drive the vector env; returns one dict per finished episode.
- ``main(argv=None) -> int``: the command line.
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from robot_sf_gym_video import ENV_ID, VideoArtifactWrapper, list_scenarios
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.policies import POLICY_NAMES, make_policy

log = logging.getLogger("robot_sf_gym_video.examples.vector_env")


def make_sub_env(index: int, scenario: str, video_dir: str, max_steps: int | None) -> gym.Env:
    """Build sub-env ``index``: SocialNav wrapped in its own video wrapper (runs in a worker)."""
    import robot_sf_gym_video  # noqa: F401  (registers the env id in a spawned worker)

    env = gym.make(ENV_ID, scenario=scenario, max_steps=max_steps)
    return VideoArtifactWrapper(
        env, renderer="synthetic", video_dir=video_dir, scenario=f"{scenario}-env{index}"
    )


def run(
    out_dir: str | Path = "vector_out",
    *,
    scenarios: Sequence[str] = ("crossing",),
    num_envs: int = 2,
    episodes: int = 1,
    max_steps: int | None = 100,
    seed: int = 0,
    policy: str = "goal",
) -> list[dict[str, Any]]:
    """Run ``num_envs`` filmed sub-envs until each has finished ``episodes`` episodes.

    Args:
        out_dir: Gets ``videos/``.
        scenarios: Sub-env ``i`` runs ``scenarios[i % len(scenarios)]``.
        num_envs: Number of sub-envs (worker processes).
        episodes: Episodes each sub-env must finish (some may finish more).
        max_steps: Step limit per episode; None keeps each scenario's own.
        seed: Sub-env ``i`` is reset with ``seed + i`` (later episodes continue its stream).
        policy: ``goal``, ``random`` or ``zero``, applied to each sub-env's observation.

    Returns:
        One dict per finished episode, in the order they ended: ``env``, ``scenario``,
        ``steps``, ``outcome``, ``video`` (path or None), ``frames``, ``video_skip``.

    Raises:
        UsageError: bad counts, scenario or policy (before any worker starts).
    """
    known = list_scenarios()
    for name in scenarios:
        if name not in known:
            raise UsageError(f"unknown scenario {name!r}; allowed: {', '.join(known)}")
    if not scenarios or num_envs < 1 or episodes < 1:
        raise UsageError(
            f"need >= 1 scenario, num_envs >= 1 and episodes >= 1; got {list(scenarios)}, "
            f"{num_envs}, {episodes}"
        )
    if policy not in POLICY_NAMES:
        raise UsageError(f"unknown policy {policy!r}; allowed: {', '.join(POLICY_NAMES)}")
    video_dir = str(Path(out_dir) / "videos")
    names = [scenarios[i % len(scenarios)] for i in range(num_envs)]
    # One policy for all rows (the built-ins only read the observation); the probe env
    # only provides the observation layout and action space.
    probe = gym.make(ENV_ID, scenario=names[0])
    act = make_policy(policy, probe, seed=seed)
    probe.close()

    envs = gym.vector.AsyncVectorEnv(
        [
            functools.partial(make_sub_env, i, name, video_dir, max_steps)
            for i, name in enumerate(names)
        ]
    )
    finished: list[dict[str, Any]] = []
    try:
        obs, _ = envs.reset(seed=seed)
        counts = np.zeros(num_envs, dtype=int)  # finished episodes per sub-env
        steps = np.zeros(num_envs, dtype=int)  # steps of each sub-env's current episode
        resetting = np.zeros(num_envs, dtype=bool)  # this step() resets the sub-env
        while (counts < episodes).any():
            actions = np.stack([act(o) for o in obs])
            obs, _reward, terminated, truncated, info = envs.step(actions)
            steps[~resetting] += 1
            steps[resetting] = 0
            ended = terminated | truncated
            for i in np.flatnonzero(ended):
                finished.append(_episode_row(info, i, names[i], int(steps[i])))
                counts[i] += 1
            resetting = ended
    finally:
        envs.close()  # each wrapper discards an unfinished episode
    return finished


def _episode_row(info: dict[str, Any], i: int, scenario: str, steps: int) -> dict[str, Any]:
    """Read sub-env ``i``'s ending step out of the vector env's batched ``info``."""
    row: dict[str, Any] = {
        "env": int(i),
        "scenario": scenario,
        "steps": steps,
        "outcome": str(info["outcome"][i]),
        "video": None,
        "frames": None,
        "video_skip": None,
    }
    if info.get("_video", np.zeros(i + 1, bool))[i]:
        row["video"] = str(info["video"]["path"][i])
        row["frames"] = int(info["video"]["frames"][i])
        log.info("sub-env %d: %s after %d steps, video %s", i, row["outcome"], steps, row["video"])
    elif info.get("_video_skip", np.zeros(i + 1, bool))[i]:
        row["video_skip"] = str(info["video_skip"]["reason"][i])
        log.warning("sub-env %d: no video (%s)", i, row["video_skip"])
    return row


def build_parser() -> argparse.ArgumentParser:
    """Command-line options; the defaults run in a few seconds."""
    parser = argparse.ArgumentParser(
        description="AsyncVectorEnv of SocialNav envs, one filmed MP4 per sub-env episode.",
        epilog="example: python examples/vector_env.py --num-envs 2 --out vector_out",
    )
    parser.add_argument("--out", default="vector_out", help="output folder (default vector_out)")
    parser.add_argument(
        "--scenario", action="append", metavar="NAME", help="scenario, repeatable (crossing)"
    )
    parser.add_argument("--num-envs", type=int, default=2, help="sub-envs (default 2)")
    parser.add_argument("--episodes", type=int, default=1, help="episodes per sub-env (1)")
    parser.add_argument("--max-steps", type=int, default=100, help="step limit (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of sub-env 0 (default 0)")
    parser.add_argument("--policy", choices=POLICY_NAMES, default="goal", help="policy (goal)")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the vector env and print one line per finished episode with its video file."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        rows = run(
            args.out,
            scenarios=args.scenario or ["crossing"],
            num_envs=args.num_envs,
            episodes=args.episodes,
            max_steps=args.max_steps,
            seed=args.seed,
            policy=args.policy,
        )
    except UsageError as exc:
        log.error("%s", exc)
        return 2
    print(f"{'env':>3} {'scenario':<12} {'outcome':<9} {'steps':>5} {'frames':>6}  video")
    for row in rows:
        video = row["video"] or f"(skipped: {row['video_skip']})"
        frames = "-" if row["frames"] is None else row["frames"]
        print(
            f"{row['env']:>3} {row['scenario']:<12} {row['outcome']:<9} {row['steps']:>5} "
            f"{frames:>6}  {video}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
