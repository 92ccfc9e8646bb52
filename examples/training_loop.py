"""A plain Gymnasium training loop that films only some of its evaluation episodes.

Run it::

    python examples/training_loop.py --iterations 12 --eval-every 3 --record-every 2 --out train_out

The "training" is a toy: random search (hill climbing) on the weights of a linear policy,
no ML framework. What the example shows is the video side:

- ONE env, wrapped ONCE in ``VideoArtifactWrapper(..., enabled=False)``: training
  episodes are never filmed and cost nothing extra (no probe, encoder or folder).
- Every ``--eval-every`` iterations an evaluation episode runs; every ``--record-every``-th
  evaluation (the 1st, the 1+k-th, ...) is filmed. Recording is switched per episode with
  ``wrapper.start_recording()`` / ``wrapper.stop_recording()`` just before ``reset()``
  (both take effect at the next reset), without rebuilding the env.
- ``wrapper.set_episode_identity(scenario, eval_seed, iteration)`` names the file after the
  training iteration: ``OUT/videos/<scenario>__<eval_seed>__<iteration>.mp4``.
- On the step that ends a filmed episode, ``info["video"]`` holds the artifact (or
  ``info["video_skip"]`` the reason there is none); its path is logged.

Writes only under ``--out``: ``videos/`` and ``evaluations.jsonl`` (one line per
evaluation: iteration, return, outcome, steps, video path or null).

Contents:

- ``LinearPolicy``: ``action = tanh(W @ features(obs))``.
- ``rollout(env, policy, seed)``: play one episode, return its return and last ``info``.
- ``train(...)``: the loop; returns the evaluation log.
- ``main(argv=None) -> int``: the command line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from robot_sf_gym_video import ENV_ID, VideoArtifactWrapper
from robot_sf_gym_video.errors import UsageError

log = logging.getLogger("robot_sf_gym_video.examples.training_loop")

#: Observation entries after the lidar block (see docs/environment.md): linear speed,
#: angular speed, goal distance, cos and sin of the goal bearing, all normalised.
_TAIL = 5
_FRONT_RAYS = 4  # lidar rays on each side of straight ahead used as "front clearance"


def features(obs: np.ndarray) -> np.ndarray:
    """Bias, the five navigation entries and the clearance straight ahead (all ~[-1, 1])."""
    lidar = obs[:-_TAIL]
    front = min(lidar[: _FRONT_RAYS + 1].min(), lidar[-_FRONT_RAYS:].min())
    return np.concatenate(([1.0], obs[-_TAIL:], [front]))


N_FEATURES = 1 + _TAIL + 1


@dataclasses.dataclass
class LinearPolicy:
    """``action = tanh(weights @ features(obs))``: two outputs (linear, angular) in [-1, 1]."""

    weights: np.ndarray

    @classmethod
    def zeros(cls) -> LinearPolicy:
        """Return a policy that stands still: where the search starts."""
        return cls(np.zeros((2, N_FEATURES)))

    def perturbed(self, rng: np.random.Generator, scale: float) -> LinearPolicy:
        """Return a random neighbour: Gaussian noise of std ``scale`` on every weight."""
        return LinearPolicy(self.weights + scale * rng.standard_normal(self.weights.shape))

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """Return the action for one observation."""
        return np.tanh(self.weights @ features(obs)).astype(np.float32)


def rollout(env: gym.Env, policy: LinearPolicy, seed: int) -> tuple[float, dict[str, Any], int]:
    """Play one episode; return (sum of rewards, info of the last step, steps)."""
    obs, info = env.reset(seed=seed)
    total, steps = 0.0, 0
    terminated = truncated = False
    while not (terminated or truncated):
        obs, reward, terminated, truncated, info = env.step(policy(obs))
        total += float(reward)
        steps += 1
    return total, info, steps


def train(
    out_dir: str | Path = "train_out",
    *,
    scenario: str = "empty",
    iterations: int = 12,
    eval_every: int = 3,
    record_every: int = 2,
    max_steps: int = 120,
    seed: int = 0,
    noise: float = 0.5,
) -> list[dict[str, Any]]:
    """Hill-climb a linear policy; evaluate every ``eval_every`` iterations, film some evals.

    Each iteration plays the current policy and a random neighbour on the same training
    seed (so the comparison is fair) and keeps the neighbour when its return is higher.

    Args:
        out_dir: Gets ``videos/`` and ``evaluations.jsonl``.
        scenario: Built-in scenario to train on.
        iterations: Training iterations (two unfilmed episodes each).
        eval_every: Evaluate after every ``eval_every``-th iteration.
        record_every: Film evaluation number 0, ``record_every``, ``2 * record_every``, ...
        max_steps: Step limit of every episode.
        seed: Seeds the search noise, the training episodes and the (fixed) eval episode.
        noise: Standard deviation of the weight perturbation.

    Returns:
        One dict per evaluation: ``iteration``, ``eval_idx``, ``return``, ``outcome``,
        ``steps``, ``recorded``, ``video`` (path or None), ``video_skip`` (reason or None).

    Raises:
        UsageError: a count below 1.
    """
    for name, value in (
        ("iterations", iterations),
        ("eval_every", eval_every),
        ("record_every", record_every),
        ("max_steps", max_steps),
    ):
        if value < 1:
            raise UsageError(f"{name} must be >= 1, got {value!r}")
    out = Path(out_dir)
    rng = np.random.default_rng(seed)
    eval_seed = seed + 10_000  # one fixed situation: the videos show progress on it
    env = VideoArtifactWrapper(
        gym.make(ENV_ID, scenario=scenario, max_steps=max_steps),
        renderer="synthetic",
        video_dir=out / "videos",
        enabled=False,  # nothing is filmed until start_recording()
    )
    policy = LinearPolicy.zeros()
    evaluations: list[dict[str, Any]] = []
    try:
        for iteration in range(1, iterations + 1):
            env.stop_recording()  # training episodes are never filmed
            train_seed = seed * 1_000_003 + iteration
            candidate = policy.perturbed(rng, noise)
            candidate_return, _, _ = rollout(env, candidate, train_seed)
            current_return, _, _ = rollout(env, policy, train_seed)
            if candidate_return > current_return:
                policy = candidate
            log.debug(
                "iteration %d: best return %.2f", iteration, max(candidate_return, current_return)
            )
            if iteration % eval_every == 0:
                evaluations.append(
                    _evaluate(
                        env, policy, scenario, eval_seed, iteration, len(evaluations), record_every
                    )
                )
    finally:
        env.close()
    out.mkdir(parents=True, exist_ok=True)
    with (out / "evaluations.jsonl").open("w", encoding="utf-8") as sink:
        sink.writelines(json.dumps(row) + "\n" for row in evaluations)
    return evaluations


def _evaluate(
    env: VideoArtifactWrapper,
    policy: LinearPolicy,
    scenario: str,
    eval_seed: int,
    iteration: int,
    eval_idx: int,
    record_every: int,
) -> dict[str, Any]:
    """Run one evaluation episode, filmed when ``eval_idx`` is a multiple of ``record_every``."""
    recorded = eval_idx % record_every == 0
    if recorded:
        env.start_recording()  # applies at the next reset(): this episode
        env.set_episode_identity(scenario, eval_seed, iteration)
    else:
        env.stop_recording()
    total, info, steps = rollout(env, policy, eval_seed)
    row: dict[str, Any] = {
        "iteration": iteration,
        "eval_idx": eval_idx,
        "return": round(total, 4),
        "outcome": info["outcome"],
        "steps": steps,
        "recorded": recorded,
        "video": None,
        "video_skip": None,
    }
    if "video" in info:
        row["video"] = str(info["video"]["path"])
        log.info(
            "eval %d (iteration %d): return %.2f, %s after %d steps; video %s (%d frames)",
            eval_idx,
            iteration,
            total,
            info["outcome"],
            steps,
            row["video"],
            info["video"]["frames"],
        )
    elif "video_skip" in info:
        row["video_skip"] = info["video_skip"]["reason"]
        log.warning("eval %d: no video (%s)", eval_idx, row["video_skip"])
    else:
        log.info(
            "eval %d (iteration %d): return %.2f, %s after %d steps; not filmed",
            eval_idx,
            iteration,
            total,
            info["outcome"],
            steps,
        )
    return row


def build_parser() -> argparse.ArgumentParser:
    """Command-line options; the defaults run in a few seconds."""
    parser = argparse.ArgumentParser(
        description="Toy random-search training on SocialNav, filming every k-th evaluation.",
        epilog="example: python examples/training_loop.py --iterations 6 --eval-every 2 "
        "--out train_out",
    )
    parser.add_argument("--out", default="train_out", help="output folder (default train_out)")
    parser.add_argument("--scenario", default="empty", help="scenario to train on (empty)")
    parser.add_argument("--iterations", type=int, default=12, help="training iterations (12)")
    parser.add_argument("--eval-every", type=int, default=3, help="iterations per evaluation (3)")
    parser.add_argument("--record-every", type=int, default=2, help="film every k-th eval (2)")
    parser.add_argument("--max-steps", type=int, default=120, help="step limit per episode (120)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings only")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Train, print the evaluation table; return the exit code (2 on bad input)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        evaluations = train(
            args.out,
            scenario=args.scenario,
            iterations=args.iterations,
            eval_every=args.eval_every,
            record_every=args.record_every,
            max_steps=args.max_steps,
            seed=args.seed,
        )
    except UsageError as exc:
        log.error("%s", exc)
        return 2
    print(f"{'iteration':>9} {'return':>8} {'outcome':>9} {'steps':>5}  video")
    for row in evaluations:
        video = row["video"] or (f"(skipped: {row['video_skip']})" if row["recorded"] else "-")
        cells = f"{row['iteration']:>9} {row['return']:>8.2f} {row['outcome']:>9} {row['steps']:>5}"
        print(f"{cells}  {video}")
    print(f"evaluations: {Path(args.out) / 'evaluations.jsonl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
