"""The recorder's hot path (packed_frame_snapshot) must equal the slow, obvious path."""

import numpy as np

from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.sim.snapshot import pack_snapshot


def test_packed_snapshot_equals_packing_the_snapshot_at_every_step():
    fast = SocialNavEnv(scenario="open_crowd", max_episode_steps=25)
    slow = SocialNavEnv(scenario="open_crowd", max_episode_steps=25)
    fast.reset(seed=4)
    slow.reset(seed=4)
    assert fast.packed_frame_snapshot() == pack_snapshot(slow.frame_snapshot())
    done = False
    action = np.array([0.6, 0.2], dtype=np.float32)
    while not done:
        _, _, terminated, truncated, _ = fast.step(action)
        slow.step(action)
        done = terminated or truncated
        assert fast.packed_frame_snapshot() == pack_snapshot(slow.frame_snapshot())
    assert slow.frame_snapshot().outcome is not None  # the last one carries the outcome
