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


def test_packed_snapshot_of_a_crowd_set_from_transposed_arrays():
    """``set_state`` with a transposed (Fortran-ordered) array, as hand-made situations
    often build one: the hot path joins the crowd's buffers as they are, so it must still
    give the slow path's bytes (it once raised, and every such video was skipped)."""
    env = SocialNavEnv(scenario="crossing", max_episode_steps=10)
    env.reset(seed=0)
    crowd = env.sim.crowd
    xy = np.ascontiguousarray(crowd.pos.T)  # (2, N): a row of x, a row of y
    crowd.set_state(xy.T, vel=np.zeros((2, len(crowd))).T)
    assert env.packed_frame_snapshot() == pack_snapshot(env.frame_snapshot())
    env.step(np.array([0.5, 0.0], dtype=np.float32))
    assert env.packed_frame_snapshot() == pack_snapshot(env.frame_snapshot())
