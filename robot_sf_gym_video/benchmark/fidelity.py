"""How faithful, seekable and big the recorded MP4s are (benchmarks/bench_fidelity.py).

- ``measure(scenario, seed, policy)``: film one episode with ``VideoArtifactWrapper`` as the
  runner does, replay it (same seed, same actions) for ``render()`` of every step, and
  compare each decoded frame with the *ideal yuv420p* of ``render()``: the RGB frame
  converted by swscale (PyAV ``reformat``), the best any yuv420p file could show.
- ``psnr``, ``ideal_yuv420p``, ``decoded_frames``: the pieces, for tests.

Why here and not in ``records/``: it decodes video (PyAV); records stay plain data.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import av
import numpy as np

from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.policies import make_policy
from robot_sf_gym_video.render.synthetic import SyntheticRenderer
from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

__all__ = ["decoded_frames", "ideal_yuv420p", "measure", "psnr"]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Return the PSNR in dB of two uint8 arrays (inf when equal)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0.0 else 10.0 * np.log10(255.0**2 / mse)


def ideal_yuv420p(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(Y plane, RGB)`` of ``rgb`` after swscale's conversion to yuv420p."""
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    height = rgb.shape[0]
    return frame.to_ndarray()[:height], frame.to_ndarray(format="rgb24")


def decoded_frames(path: Path) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """Return ``(Y plane, RGB, is_keyframe)`` of every frame of the MP4 at ``path``."""
    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            y = frame.to_ndarray()[: frame.height]
            out.append((y, frame.to_ndarray(format="rgb24"), bool(frame.key_frame)))
    return out


def film(scenario: str, seed: int, policy: str, video_dir: Path) -> tuple[dict, dict, list]:
    """Film one episode; return its artifact, the wrapper's stats and the actions."""
    env = VideoArtifactWrapper(SocialNavEnv(scenario=scenario), video_dir=video_dir)
    act = make_policy(policy, env, seed=seed)
    obs, _ = env.reset(seed=seed)
    actions, info, done = [], {}, False
    while not done:
        action = act(obs)
        actions.append(np.array(action, copy=True))
        obs, _, terminated, truncated, info = env.step(action)
        done = terminated or truncated
    stats = env.video_stats
    env.close()
    return info["video"], stats, actions


def ideal_frames(scenario: str, seed: int, actions: list) -> list[tuple[np.ndarray, np.ndarray]]:
    """Replay ``actions`` and return the ideal yuv420p ``(Y, RGB)`` of every step."""
    env = SocialNavEnv(scenario=scenario)
    env.reset(seed=seed)
    renderer = SyntheticRenderer()
    static = env.static_scene()
    out = []
    for action in actions:
        env.step(action)
        out.append(ideal_yuv420p(renderer.render(static, env.frame_snapshot())))
    env.close()
    return out


def measure(scenario: str, seed: int, policy: str = "goal") -> dict:
    """Film, replay and compare one episode (see the module docstring).

    Returns PSNRs in dB (``first``, ``last``, ``min`` over the frames, and ``drift``: the
    lowest of the last 2 s minus the lowest of the first 2 s), keyframe count and longest gap,
    bytes per minute of video and the recorder's CPU per frame.
    """
    with tempfile.TemporaryDirectory() as tmp:
        artifact, stats, actions = film(scenario, seed, policy, Path(tmp))
        decoded = decoded_frames(Path(tmp) / Path(artifact["path"]).name)
    fps = SocialNavEnv(scenario=scenario).metadata["render_fps"]
    ideal = ideal_frames(scenario, seed, actions)
    assert len(decoded) == len(ideal) == artifact["frames"]
    rgb = [psnr(d[1], i[1]) for d, i in zip(decoded, ideal, strict=True)]
    luma = [psnr(d[0], i[0]) for d, i in zip(decoded, ideal, strict=True)]
    keys = [k for k, (_, _, key) in enumerate(decoded) if key] + [len(decoded)]
    seconds = len(decoded) / fps
    window = max(1, round(_DRIFT_WINDOW_S * fps))
    return {
        "episode": f"{scenario}__{seed}",
        "frames": len(decoded),
        "rgb_psnr_db": _summary(rgb, window),
        "luma_psnr_db": _summary(luma, window),
        "keyframes": len(keys) - 1,
        "max_keyframe_gap_s": max(np.diff(keys)) / fps,
        "bytes_per_minute": artifact["filesize_bytes"] / seconds * 60.0,
        "recorder_cpu_ms_per_frame": stats["encode_ms_per_frame"],
    }


_DRIFT_WINDOW_S = 2.0  # seconds of video whose lowest PSNR is compared, start vs end


def _summary(values: list[float], window: int) -> dict[str, float]:
    """First, last and lowest PSNR, and ``drift``: lowest of the last window minus the first.

    Quality steps down from each keyframe to the level of the frames predicted from it,
    so the first frame against the last says little; the lowest frame of the clip's
    last ``window`` frames against the lowest of its first says whether errors pile up
    along the clip (with or without keyframes in between).
    """
    start, end = min(values[:window]), min(values[-window:])
    return {"first": values[0], "last": values[-1], "min": min(values), "drift": end - start}
