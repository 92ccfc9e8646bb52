"""Trail deltas: the recorder's decoder must rebuild exactly the snapshot the env holds.

The env side sends only the trail points a stream has not been sent
(``video.capture.SnapshotPacker``); ``SnapshotDecoder`` puts the trail together again.
Every decoded snapshot is compared with the env's own ``frame_snapshot()`` at the same
step, through resets, a scenario switch (a new simulation), a full trail (points drop off
the front) and a restart.
"""

import numpy as np
import pytest

from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
from robot_sf_gym_video.sim.snapshot import (
    FRAME_ARRAYS,
    pack_snapshot,
    unpack_packet,
    unpack_snapshot,
)
from robot_sf_gym_video.sim.snapshot_stream import SnapshotDecoder
from robot_sf_gym_video.sim.trail import Trail, TrailCursor
from robot_sf_gym_video.video.capture import snapshot_packer


def _assert_same(decoded, expected):
    assert decoded.step == expected.step and decoded.time_s == expected.time_s
    assert (decoded.collision, decoded.outcome) == (expected.collision, expected.outcome)
    assert decoded.marks == expected.marks
    for name in FRAME_ARRAYS:
        got, want = getattr(decoded, name), getattr(expected, name)
        assert got.shape == want.shape, name
        assert got.tobytes() == want.tobytes(), name


def _run(env, packer, decoder, steps, sent_sizes):
    """Step ``env``, decoding every packet; compare with the env's own snapshot.

    The robot drives a slow circle: every trail point differs, and it never hits a wall.
    """
    action = np.array([0.1, 0.5], dtype=np.float32)
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(action)
        packet = packer.pack()
        sent_sizes.append(len(unpack_packet(packet)[0].trail_m))
        _assert_same(decoder.unpack(packet), env.frame_snapshot())
        if terminated or truncated:
            return


def test_decoded_stream_equals_the_env_through_resets_switches_and_a_full_trail():
    env = SocialNavEnv(scenario="empty", max_episode_steps=260)
    packer, decoder, sizes = snapshot_packer(env, lidar=True), SnapshotDecoder(), []
    env.reset(seed=1)
    packer.restart()
    decoder.reset()
    _run(env, packer, decoder, 260, sizes)  # > 200 steps: the trail fills, points drop
    assert sizes[0] == 2 and set(sizes[1:]) == {1}  # whole once, then one point per step
    assert len(env.frame_snapshot().trail_m) == 200
    # A reset clears the trail: the packer notices without a restart and sends it whole.
    env.reset(seed=2)
    sizes.clear()
    _run(env, packer, decoder, 30, sizes)
    assert sizes[0] == 2 and set(sizes[1:]) == {1}
    # Another scenario builds a new simulation (a new trail): sent whole again.
    env.reset(seed=3, options={"scenario": "crossing"})
    sizes.clear()
    _run(env, packer, decoder, 30, sizes)
    assert sizes[0] == 2 and set(sizes[1:]) == {1}
    # A restart (a take's begin on the recorder side) sends the next trail whole.
    packer.restart()
    decoder.reset()
    sizes.clear()
    _run(env, packer, decoder, 5, sizes)
    assert sizes[0] == len(env.frame_snapshot().trail_m) - 4 and set(sizes[1:]) == {1}


def test_a_packet_after_frame_snapshot_is_whole_and_keeps_the_stream_in_step():
    """``render()`` builds the snapshot first; that packet is whole, the next a delta."""
    env = SocialNavEnv(scenario="crossing", max_episode_steps=40)
    packer, decoder = snapshot_packer(env, lidar=False), SnapshotDecoder()
    env.reset(seed=5)
    action = np.array([0.5, 0.0], dtype=np.float32)
    for step in range(1, 12):
        env.step(action)
        if step % 3 == 0:
            env.frame_snapshot()
        packet = packer.pack()
        snap, n_trail = unpack_packet(packet)
        assert len(snap.trail_m) == (n_trail if step % 3 == 0 or step == 1 else 1)
        decoded = decoder.unpack(packet)
        assert decoded.trail_m.tobytes() == env.frame_snapshot().trail_m.tobytes()


def test_a_delta_without_its_history_is_an_error_not_a_shorter_trail():
    env = SocialNavEnv(scenario="crossing", max_episode_steps=40)
    packer = snapshot_packer(env)
    env.reset(seed=0)
    action = np.array([0.5, 0.0], dtype=np.float32)
    env.step(action)
    packer.pack()  # whole: received by nobody below
    env.step(action)
    delta = packer.pack()
    with pytest.raises(ValueError, match="earlier trail points"):
        SnapshotDecoder().unpack(delta)
    with pytest.raises(ValueError, match="SnapshotDecoder"):
        unpack_snapshot(delta)


def test_whole_packets_decode_alike_with_and_without_a_decoder():
    env = SocialNavEnv(scenario="open_crowd", max_episode_steps=20)
    env.reset(seed=9)
    env.step(np.array([0.3, 0.1], dtype=np.float32))
    packet = pack_snapshot(env.frame_snapshot())
    _assert_same(SnapshotDecoder().unpack(packet), unpack_snapshot(packet))


def test_trail_cursor_counts_what_a_reader_lacks():
    trail, cursor = Trail(maxlen=3), TrailCursor()
    assert trail.unsent(cursor) == 0  # empty
    for k in range(2):
        trail.push(k, k)
    assert trail.unsent(cursor) == 2
    assert trail.unsent(cursor) == 0
    for k in range(5):
        trail.push(k, -k)
    assert trail.unsent(cursor) == 3  # never more than the trail holds
    trail.clear()
    trail.push(9, 9)
    assert trail.unsent(cursor) == 1  # a new history: all of it
    other = Trail(maxlen=3)
    other.push(1, 1)
    assert other.unsent(cursor) == 1  # another trail is never taken for this one
