"""Write the docs' example frames: one episode event marked, in both renderers.

Replays open_crowd seed 2 with the random policy (a near miss with a pedestrian at step
85, then a collision with a wall at step 171) and saves, for the near miss and for the
collision, the synthetic frame at its default size and the sim-view frame at 640x480:

    docs/img/event_near_miss_synthetic.png   docs/img/event_near_miss_sim_view.png
    docs/img/event_collision_synthetic.png   docs/img/event_collision_sim_view.png

Run: ``python benchmarks/event_frames.py [--out docs/img]``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import numpy as np
import pygame

from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.policies import make_policy
from robot_sf_gym_video.render.factory import create_renderer


def save_png(rgb: np.ndarray, path: Path) -> None:
    """Write an ``(H, W, 3) uint8`` frame as PNG (pygame, already a dependency)."""
    height, width = rgb.shape[:2]
    pygame.image.save(pygame.image.frombuffer(rgb.tobytes(), (width, height), "RGB"), str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    synthetic, _ = create_renderer("synthetic")
    sim_view, note = create_renderer("sim-view", size=(640, 480))
    env = SocialNavEnv(scenario="open_crowd")
    obs, _ = env.reset(seed=2)
    act = make_policy("random", env, seed=2)
    written, done = [], False
    while not done:
        obs, _, terminated, truncated, _ = env.step(act(obs))
        done = terminated or truncated
        snap = env.frame_snapshot()
        fresh = [m for m in snap.marks if m.step == snap.step]
        for mark in fresh:
            for name, renderer in (("synthetic", synthetic), ("sim_view", sim_view)):
                path = args.out / f"event_{mark.kind}_{name}.png"
                save_png(renderer.render(env.static_scene(), snap), path)
                written.append(path)
    for path in written:
        print(path)
    if note:
        print(note)


if __name__ == "__main__":
    main()
