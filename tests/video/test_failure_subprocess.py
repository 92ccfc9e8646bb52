"""Failure paths that need a fresh interpreter: moviepy missing, ffmpeg missing."""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = r"""
import json, logging, sys
if sys.argv[1] == "no-moviepy":
    sys.path.insert(0, sys.argv[3])  # a moviepy package whose import fails
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
import gymnasium as gym
from robot_sf_gym_video import VideoArtifactWrapper

env = VideoArtifactWrapper(gym.make("CartPole-v1", render_mode="rgb_array"), video_dir=sys.argv[2])
skips = []
for seed in (1, 2, 3):
    env.reset(seed=seed)
    while True:
        _, _, term, trunc, info = env.step(0)
        if term or trunc:
            skips.append(info["video_skip"])
            break
env.close()
print(json.dumps({"skips": skips, "moviepy_imported": "moviepy" in sys.modules
                  and sys.modules["moviepy"] is not None}))
"""


def _blocked_moviepy(tmp_path):
    """A folder holding a ``moviepy`` package that raises ImportError when imported."""
    fake = tmp_path / "fake"
    (fake / "moviepy").mkdir(parents=True)
    (fake / "moviepy" / "__init__.py").write_text("raise ImportError('blocked by the test')\n")
    return fake


SOCIAL_SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[2])
import gymnasium as gym
import robot_sf_gym_video
from robot_sf_gym_video import VideoArtifactWrapper

env = gym.make("robot_sf_gym_video/SocialNav-v0", scenario="crossing", max_steps=12)
env = VideoArtifactWrapper(env, video_dir=sys.argv[1])
env.reset(seed=0)
while True:
    _, _, term, trunc, info = env.step(env.action_space.sample())
    if term or trunc:
        break
env.close()
print(json.dumps(info.get("video") or info.get("video_skip")))
"""


def test_socialnav_video_made_with_moviepy_blocked(tmp_path):
    """PyAV encodes SocialNav videos: moviepy's absence refuses nothing there."""
    from .helpers import count_frames

    fake = _blocked_moviepy(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", SOCIAL_SCRIPT, str(tmp_path / "videos"), str(fake)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    video = json.loads(out.stdout.strip().splitlines()[-1])
    assert video["frames"] == 12, video
    assert count_frames(video["path"]) == 12


@pytest.mark.parametrize(
    ("case", "env_extra", "reason"),
    [
        ("no-moviepy", {}, "moviepy-missing"),
        ("no-ffmpeg", {"IMAGEIO_FFMPEG_EXE": "/nonexistent/ffmpeg"}, "codec-unavailable"),
    ],
)
def test_missing_dependency(tmp_path, case, env_extra, reason):
    fake = _blocked_moviepy(tmp_path)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, case, str(tmp_path / "videos"), str(fake)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env_extra},
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert [s["reason"] for s in result["skips"]] == [reason] * 3
    assert all(s["renderer"] == "env" and s["steps"] > 0 for s in result["skips"])
    assert not result["moviepy_imported"]
    warnings = [line for line in out.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1, out.stderr
    assert "CartPole-v1__1__0" in warnings[0] and reason in warnings[0]
    assert list((tmp_path / "videos").iterdir()) == []  # made at construction, left empty
