"""``video_episodes``: failures held and kept at their end, first:N / every:K live, resume."""

from __future__ import annotations

import hashlib

import pytest

from robot_sf_gym_video.benchmark.decode import count_frames
from robot_sf_gym_video.benchmark.film import film_run
from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.benchmark.validate import validate_run
from robot_sf_gym_video.errors import UsageError

from .conftest import records_of

#: goal policy, step limit 125: every "empty" episode succeeds; doorway mixes outcomes.
BATCH = {"scenarios": ["empty", "doorway"], "episodes": 6, "max_steps": 125}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The batch without video: its outcomes decide what ``failures`` must film."""
    out = tmp_path_factory.mktemp("reference") / "run"
    run_batch(out, **BATCH)
    records = {r["episode_id"]: r for r in records_of(out)}
    outcomes = {r["outcome"] for r in records.values()}
    assert "success" in outcomes and outcomes - {"success"}, "the batch must mix outcomes"
    return records


def _filmed(out):
    return {r["episode_id"] for r in records_of(out) if "video" in r}


def test_failures_films_exactly_the_failed_episodes(tmp_path, reference):
    out = tmp_path / "run"
    summary = run_batch(out, **BATCH, video_enabled=True, video_episodes="failures", workers=2)
    failed = {eid for eid, r in reference.items() if r["outcome"] != "success"}
    records = records_of(out)
    assert _filmed(out) == failed
    assert sorted(p.stem for p in (out / "videos").glob("*.mp4")) == sorted(failed)
    for record in records:
        assert record["outcome"] == reference[record["episode_id"]]["outcome"]
        assert record["metrics"] == reference[record["episode_id"]]["metrics"]
        if "video" in record:
            assert count_frames(out / record["video"]["path"]) == record["steps"]
        else:
            assert record["video_skip"]["reason"] == "not-selected"
            assert record["video_skip"]["steps"] == record["steps"]
    assert summary.videos_written == len(failed)
    assert summary.video_skips["not-selected"] == len(records) - len(failed)
    assert validate_run(out, decode=True) == []


def _decoded_sha256(path):
    """Hash of the decoded pixels (not the container): the frames a viewer sees."""
    import av

    digest, frames = hashlib.sha256(), 0
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            digest.update(frame.to_ndarray(format="rgb24").tobytes())
            frames += 1
    return digest.hexdigest(), frames


def test_a_failure_filmed_at_its_end_is_the_file_all_and_film_give(tmp_path, reference):
    """One simulation per episode: the held video equals filming live and filming by replay."""
    runs = {name: tmp_path / name for name in ("failures", "all", "film")}
    run_batch(runs["failures"], **BATCH, video_enabled=True, video_episodes="failures", workers=2)
    run_batch(runs["all"], **BATCH, video_enabled=True)
    run_batch(runs["film"], **BATCH)
    film_run(runs["film"], episodes=["failures"])
    failed = sorted(eid for eid, r in reference.items() if r["outcome"] != "success")
    videos = {
        name: {r["episode_id"]: r.get("video") for r in records_of(out)}
        for name, out in runs.items()
    }
    for eid in failed:
        files = {name: out / videos[name][eid]["path"] for name, out in runs.items()}
        assert len({f.read_bytes() for f in files.values()}) == 1, eid
        assert len({videos[name][eid]["sha256"] for name in runs}) == 1
        decoded = {_decoded_sha256(f) for f in files.values()}
        assert len(decoded) == 1, eid
        assert next(iter(decoded))[1] == reference[eid]["steps"]  # frames == steps


@pytest.mark.parametrize(
    ("selector", "chosen"), [("first:2", {0, 1}), ("every:4", {0, 4}), ("all", set(range(6)))]
)
def test_first_and_every_pick_per_scenario_by_index(tmp_path, reference, selector, chosen):
    out = tmp_path / "run"
    run_batch(out, **BATCH, video_enabled=True, video_episodes=selector)
    expected = {eid for eid, r in reference.items() if r["episode_idx"] in chosen}
    assert _filmed(out) == expected
    for record in records_of(out):
        if "video" in record:
            assert record["video"]["frames"] == record["steps"]


def test_resume_after_not_selected_reruns_nothing(tmp_path, reference):
    out = tmp_path / "run"
    run_batch(out, **BATCH, video_enabled=True, video_episodes="failures")
    before = (out / "episodes.jsonl").read_bytes()
    summary = run_batch(out, **BATCH, video_enabled=True, video_episodes="failures", resume=True)
    assert summary.episodes_run == 0 and summary.episodes_skipped_resume == len(reference)
    assert (out / "episodes.jsonl").read_bytes() == before


def test_every_episode_gets_an_action_log_even_without_video(reference, tmp_path):
    out = tmp_path / "run"
    run_batch(out, scenarios=["empty"], episodes=2, max_steps=20)
    for record in records_of(out):
        assert record["actions"]["path"] == f"actions/{record['episode_id']}.npy"
        assert record["actions"]["steps"] == record["steps"] == 20
        assert (out / record["actions"]["path"]).is_file()
    assert not (out / "videos").exists()


def test_resume_reruns_an_episode_whose_action_log_is_gone(tmp_path):
    out = tmp_path / "run"
    run_batch(out, scenarios=["empty"], episodes=2, max_steps=20)
    first = records_of(out)[0]
    (out / first["actions"]["path"]).unlink()
    summary = run_batch(out, scenarios=["empty"], episodes=2, max_steps=20, resume=True)
    assert summary.episodes_run == 1
    assert (out / first["actions"]["path"]).is_file()
    assert len(records_of(out)) == 2


def test_a_bad_selector_is_a_usage_error_before_anything_runs(tmp_path):
    with pytest.raises(UsageError, match="first:N"):
        run_batch(tmp_path / "run", video_enabled=True, video_episodes="first:0")
    assert not (tmp_path / "run").exists()


def test_selection_is_in_run_json_and_resume_with_another_is_refused(tmp_path):
    from robot_sf_gym_video.benchmark.manifest import load_manifest

    out = tmp_path / "run"
    batch = {"scenarios": ["empty"], "episodes": 1, "max_steps": 5, "video_enabled": True}
    run_batch(out, **batch, video_episodes="every:2")
    assert load_manifest(out)["video"]["episodes"] == "every:2"
    with pytest.raises(UsageError, match=r"video\.episodes"):
        run_batch(out, **batch, video_episodes="failures", resume=True)
