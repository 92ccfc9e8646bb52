"""Measure how faithful the recorded MP4s are, how seekable, how big and what they cost.

For each episode (default: crossing, seed 3, goal policy, the synthetic renderer at its
default size), the episode is filmed by ``VideoArtifactWrapper`` exactly as the runner
films it, then replayed (same seed, same actions) to get ``render()`` of every step. Each
decoded frame is compared with the *ideal yuv420p* of ``render()`` at the same step: the
RGB frame converted to yuv420p by swscale (PyAV ``reformat``), the best any yuv420p file
could show. Printed per episode:

- RGB PSNR (decoded vs ideal, both converted back to RGB by swscale) and luma PSNR (Y
  planes), on the first and last frame, the minimum over all frames, and the drift (the
  lowest PSNR of the last 2 s of video minus the lowest of the first 2 s);
- the longest gap between keyframes, in seconds of video;
- file size per minute of video, and the recorder's CPU per frame (the wrapper's
  ``video_stats``: recorder process plus encoder, CPU time).

Run: ``python benchmarks/bench_fidelity.py [--scenario crossing] [--seed 3] [--json]``.
"""

from __future__ import annotations

import argparse
import json

from robot_sf_gym_video.benchmark.fidelity import measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", help="scenario (repeatable)")
    parser.add_argument("--seed", type=int, action="append", help="seed (repeatable)")
    parser.add_argument("--policy", default="goal")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    results = [
        measure(scenario, seed, args.policy)
        for scenario in args.scenario or ["crossing"]
        for seed in args.seed or [3]
    ]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"{'episode':<16} {'frames':>6} {'RGB first/last/min/drift dB':>28} "
        f"{'luma first/last/min/drift dB':>29} {'keys':>4} {'gap s':>5} {'kB/min':>7} "
        f"{'ms/frame':>8}"
    )
    for r in results:
        c, y = r["rgb_psnr_db"], r["luma_psnr_db"]
        print(
            f"{r['episode']:<16} {r['frames']:>6} "
            f"{c['first']:>7.2f}/{c['last']:.2f}/{c['min']:.2f}/{c['drift']:+.2f} "
            f"{y['first']:>8.2f}/{y['last']:.2f}/{y['min']:.2f}/{y['drift']:+.2f} "
            f"{r['keyframes']:>4} {r['max_keyframe_gap_s']:>5.1f} "
            f"{r['bytes_per_minute'] / 1e3:>7.1f} {r['recorder_cpu_ms_per_frame']:>8.3f}"
        )


if __name__ == "__main__":
    main()
