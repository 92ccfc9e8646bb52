"""``python -m robot_sf_gym_video`` is the ``robot-sf-bench`` CLI."""

from robot_sf_gym_video.benchmark.cli import entrypoint

if __name__ == "__main__":
    entrypoint()
