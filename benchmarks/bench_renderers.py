"""Measure milliseconds per frame of the two renderers.

Issue 4 targets: synthetic <= 0.3 ms at its default size with 50 pedestrians; sim-view
<= 2 ms at 640x480.

Scene: 20 m x 14 m crossing with four boxes and a wall, 50 pedestrians, a 200-point robot
trail, 72 lidar rays with realistic ranges. Every timed call draws a different snapshot
(the agents move), so no per-snapshot cache is hit. Figures are CPU time of this thread
(``time.thread_time``) per frame. The cases take turns batch by batch (round robin), so a
noisy neighbour slows all of them alike; the best batch is the most repeatable estimate
of the cost itself on a shared machine, and the median is printed too.

Run: ``python benchmarks/bench_renderers.py [--frames 50] [--repeats 15] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np

from robot_sf_gym_video.render.factory import create_renderer
from robot_sf_gym_video.sim.snapshot import FrameSnapshot, StaticScene


def make_scene() -> StaticScene:
    """Return a crossing: four corner blocks, one wall segment, goal on the right."""
    boxes = [(0, 0, 7, 4.5), (13, 0, 20, 4.5), (0, 9.5, 7, 14), (13, 9.5, 20, 14)]
    obstacles = [np.array([[a, b], [c, b], [c, d], [a, d]], float) for a, b, c, d in boxes]
    obstacles.append(np.array([[9.5, 11.5], [10.5, 13.0]]))
    return StaticScene(
        scenario="bench_crossing",
        bounds_m=(0.0, 0.0, 20.0, 14.0),
        obstacles_m=tuple(obstacles),
        goal_xy_m=(18.5, 7.0),
        goal_radius_m=0.6,
        start_xy_m=(1.5, 7.0),
        robot_radius_m=0.4,
        ped_radius_m=0.3,
        dt_s=0.1,
        max_steps=400,
        lidar_angles_rad=np.linspace(-np.pi, np.pi, 72, endpoint=False),
        lidar_max_range_m=8.0,
    )


def make_snapshots(n_frames: int, n_peds: int = 50, trail_len: int = 200) -> list[FrameSnapshot]:
    """``n_frames`` consecutive states: pedestrians walk, the robot drives right."""
    rng = np.random.default_rng(0)
    pos = np.stack((rng.uniform(7.5, 12.5, n_peds), rng.uniform(0.5, 13.5, n_peds)), axis=1)
    vel = np.stack((rng.normal(0, 0.2, n_peds), rng.choice([-1.0, 1.0], n_peds)), axis=1)
    lidar = rng.uniform(1.0, 8.0, 72)
    snaps = []
    for k in range(n_frames):
        t = np.linspace(0.0, 1.0, trail_len) * (0.5 + 0.5 * k / max(n_frames, 1))
        trail = np.stack((1.5 + 9.0 * t, 7.0 + 0.8 * np.sin(3 * t)), axis=1)
        x, y = trail[-1]
        snaps.append(
            FrameSnapshot(
                step=100 + k,
                time_s=(100 + k) * 0.1,
                robot_pose=np.array([x, y, 0.2]),
                robot_velocity=np.array([1.0, 0.1]),
                ped_positions_m=pos + vel * 0.1 * k,
                ped_velocities_mps=vel,
                trail_m=trail,
                lidar_ranges_m=np.roll(lidar, k),
                collision="pedestrian" if k % 50 == 49 else None,
            )
        )
    return snaps


def time_batch(
    draw: Callable[[StaticScene, FrameSnapshot], object],
    static: StaticScene,
    snaps: list[FrameSnapshot],
) -> float:
    """Return thread-CPU milliseconds per frame for drawing every snapshot once."""
    start = time.thread_time()
    for snap in snaps:
        draw(static, snap)
    return (time.thread_time() - start) / len(snaps) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=50, help="snapshots per batch")
    parser.add_argument("--repeats", type=int, default=15, help="batches per case")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    static, snaps = make_scene(), make_snapshots(args.frames)
    cases = [
        ("synthetic", None, "render_for_encoder"),
        ("synthetic", None, "render"),
        ("synthetic", (640, 480), "render_for_encoder"),
        ("synthetic", (640, 480), "render"),
        ("sim-view", (640, 480), "render"),
    ]
    runs = []
    for name, size, method in cases:
        renderer, note = create_renderer(name, size=size)
        draw = getattr(renderer, method)
        draw(static, snaps[0])  # build the static layer outside the timing
        runs.append((renderer, note, method, draw, []))
    for _ in range(args.repeats):
        for *_, draw, batches in runs:
            batches.append(time_batch(draw, static, snaps))
    results = []
    for renderer, note, method, _, batches in runs:
        w, h = renderer.size
        results.append(
            {
                "renderer": renderer.name,
                "size": f"{w}x{h}",
                "method": method,
                "pix_fmt": renderer.encoder_pix_fmt if method == "render_for_encoder" else "rgb24",
                "best_ms": round(min(batches), 4),
                "median_ms": round(statistics.median(batches), 4),
                "note": note,
            }
        )
        renderer.close()
    if args.json:
        print(json.dumps({"python": platform.python_version(), "results": results}, indent=2))
        return
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(
        f"{'renderer':<10} {'size':>8} {'method':<19} {'pix_fmt':<8} {'best ms':>8} {'median':>8}"
    )
    for r in results:
        print(
            f"{r['renderer']:<10} {r['size']:>8} {r['method']:<19} {r['pix_fmt']:<8} "
            f"{r['best_ms']:>8.3f} {r['median_ms']:>8.3f}"
            + (f"  ({r['note']})" if r["note"] else "")
        )


if __name__ == "__main__":
    main()
