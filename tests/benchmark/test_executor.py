import pytest

from robot_sf_gym_video.benchmark.events import EpisodeDone, WorkerCost
from robot_sf_gym_video.benchmark.executor import execute
from robot_sf_gym_video.benchmark.plan import build_plan
from robot_sf_gym_video.benchmark.worker import WorkerSettings
from robot_sf_gym_video.errors import ScenarioError


def _settings(**kw):
    base = dict(
        scenarios_file=None,
        max_steps=5,
        policy="goal",
        video=None,
        video_dir=None,
    )
    return WorkerSettings(**{**base, **kw})


@pytest.mark.parametrize("workers", [1, 2])
def test_events_cover_every_episode_once(workers):
    plan = build_plan(["crossing", "empty"], 2, 0)
    events = list(execute(plan, _settings(), workers))
    done = [e.result.spec.episode_id for e in events if isinstance(e, EpisodeDone)]
    assert sorted(done) == sorted(s.episode_id for s in plan)
    assert sum(isinstance(e, WorkerCost) for e in events) == min(workers, len(plan))
    assert isinstance(events[-1], WorkerCost)


def test_worker_failure_in_pool_is_raised_in_parent(tmp_path):
    plan = build_plan(["crossing"], 3, 0)
    bad = _settings(scenarios_file=str(tmp_path / "gone.toml"))
    with pytest.raises(ScenarioError, match=r"gone\.toml"):
        list(execute(plan, bad, 2))
