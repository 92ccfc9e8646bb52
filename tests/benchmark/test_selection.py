"""Selectors of ``--video-episodes`` and ``film --episodes``: parsing and which episodes."""

from __future__ import annotations

import pytest

from robot_sf_gym_video.benchmark.selection import VideoSelection, parse_selection
from robot_sf_gym_video.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("all", VideoSelection("all")),
        ("failures", VideoSelection("failures")),
        (" First:3 ", VideoSelection("first", 3)),
        ("every:4", VideoSelection("every", 4)),
    ],
)
def test_parse_accepts_the_documented_forms(text, expected):
    selection = parse_selection(text)
    assert selection == expected
    assert parse_selection(str(selection)) == selection  # str() is the canonical form


@pytest.mark.parametrize("bad", ["", "some", "first", "first:0", "every:-1", "every:x", 3, None])
def test_parse_refuses_anything_else_naming_value_and_forms(bad):
    with pytest.raises(UsageError) as info:
        parse_selection(bad, "--video-episodes")
    message = str(info.value)
    assert repr(bad) in message and "first:N" in message and "--video-episodes" in message


def test_first_and_every_count_by_episode_idx():
    first, every = parse_selection("first:2"), parse_selection("every:3")
    assert [i for i in range(8) if first.selects(i, "success")] == [0, 1]
    assert [i for i in range(8) if every.selects(i, "collision")] == [0, 3, 6]
    assert first.decided_before(1) is True and first.decided_before(2) is False


def test_failures_is_every_outcome_but_success_and_known_only_after():
    failures = parse_selection("failures")
    assert failures.needs_outcome and failures.decided_before(0) is None
    assert [o for o in ("success", "collision", "timeout") if failures.selects(0, o)] == [
        "collision",
        "timeout",
    ]
    assert parse_selection("all").selects(5, "success")
