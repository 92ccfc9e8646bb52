"""Record episodes to MP4 with ``VideoArtifactWrapper``: SocialNav or any rgb_array env.

Each episode becomes ``<out>/<scenario>__<seed>__<episode_idx>.mp4``; the step that ends
the episode carries ``info["video"]`` (path, size, frames, renderer, sha256) or
``info["video_skip"]`` (why there is no file). Examples::

    python examples/record_episode.py --out demo_videos
    python examples/record_episode.py --out demo_videos --scenario doorway --renderer sim-view
    python examples/record_episode.py --out demo_videos --env CartPole-v1 --episodes 3
    python examples/record_episode.py --out demo_videos --background   # collect at the end
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import gymnasium as gym
import numpy as np

import robot_sf_gym_video
from robot_sf_gym_video import VideoArtifactWrapper


def make_env(args: argparse.Namespace) -> gym.Env:
    """Build the env to film: SocialNav by default, else a Gymnasium id."""
    if args.env:
        return gym.make(args.env, render_mode="rgb_array", max_episode_steps=args.max_steps)
    return gym.make(
        robot_sf_gym_video.ENV_ID,
        scenario=args.scenario,
        render_mode="rgb_array",
        renderer=args.renderer,
        max_steps=args.max_steps,  # the env's own limit (keeps its outcome and metrics)
    )


def main(argv: list[str] | None = None) -> int:
    """Run the episodes and print one JSON line per video (or skip)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the MP4 files")
    parser.add_argument("--scenario", default="crossing", help="SocialNav scenario")
    parser.add_argument("--renderer", choices=("synthetic", "sim-view"), default="synthetic")
    parser.add_argument("--env", help="film this Gymnasium env id instead of SocialNav")
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--max-steps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--background", action="store_true", help='finalize="background"')
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    env = VideoArtifactWrapper(
        make_env(args),
        renderer=args.renderer,
        video_dir=args.out,
        finalize="background" if args.background else "blocking",
    )
    rng = np.random.default_rng(args.seed)  # the policy's own RNG, never the env's
    try:
        for episode in range(args.episodes):
            env.reset(seed=args.seed + episode)
            while True:
                action = env.action_space.sample() if args.env else _forward(rng)
                _, _, terminated, truncated, info = env.step(action)
                if terminated or truncated:
                    break
            for key in ("video", "video_skip", "video_pending"):
                if key in info:
                    print(json.dumps({key: info[key]}))
        for episode_id, payload in env.collect_artifacts(wait=True):
            print(json.dumps({"episode_id": episode_id, **payload}))
    finally:
        env.close()
    return 0


def _forward(rng: np.random.Generator) -> np.ndarray:
    """Drive forward with a little random steering (normalised linear, angular)."""
    return np.array([0.8, rng.uniform(-0.4, 0.4)], dtype=np.float32)


if __name__ == "__main__":
    raise SystemExit(main())
