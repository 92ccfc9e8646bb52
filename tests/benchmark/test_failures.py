"""The contract's failure table and bad-input cases, at runner and CLI level."""

import textwrap

import pytest

from robot_sf_gym_video.benchmark import cli
from robot_sf_gym_video.benchmark import runner as runner_mod
from robot_sf_gym_video.benchmark.events import EpisodeDone, VideoDone, WorkerCost
from robot_sf_gym_video.benchmark.plan import build_plan
from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.benchmark.summary import VideoCost
from robot_sf_gym_video.benchmark.validate import validate_run
from robot_sf_gym_video.benchmark.worker import EpisodeResult
from robot_sf_gym_video.records.schema import record_errors

from .conftest import records_of, run_python


def _cli_code(argv):
    return (
        f"import sys\nfrom robot_sf_gym_video.benchmark.cli import main\nsys.exit(main({argv!r}))\n"
    )


def test_moviepy_blocked_socialnav_videos_still_made_by_pyav(tmp_path):
    """SocialNav encodes through PyAV, so a moviepy that cannot be imported refuses nothing."""
    fake = tmp_path / "fake" / "moviepy"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('moviepy blocked by the test')\n")
    out = tmp_path / "run"
    argv = ["run", "--out", str(out), "--episodes", "2", "--max-steps", "5", "--video", "--quiet"]
    code = f"import sys\nsys.path.insert(0, {str(fake.parent)!r})\n" + _cli_code(argv)
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert not [line for line in done.stderr.splitlines() if line.startswith("WARNING")]
    recs = records_of(out)
    assert all(record_errors(r) == [] and "video" in r for r in recs)
    import av

    for rec in recs:
        with av.open(str(out / rec["video"]["path"])) as container:
            assert sum(1 for _ in container.decode(video=0)) == rec["steps"] == 5


def test_an_unusable_ffmpeg_binary_does_not_stop_pyav_videos(tmp_path, monkeypatch):
    """The runner's recorders encode through PyAV, which needs no ffmpeg binary (the
    wrapper-level tests cover ``codec-unavailable`` on the ffmpeg path)."""
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/nonexistent/ffmpeg")
    summary = run_batch(tmp_path / "run", episodes=2, max_steps=5, video_enabled=True)
    assert dict(summary.video_skips) == {}
    import av

    for rec in records_of(tmp_path / "run"):
        with av.open(str(tmp_path / "run" / rec["video"]["path"])) as container:
            assert sum(1 for _ in container.decode(video=0)) == rec["steps"] == 5


def test_unwritable_videos_dir_still_records_metrics(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "videos").write_text("a file where the folder should be")  # root ignores chmod
    summary = run_batch(out, episodes=2, max_steps=5, video_enabled=True)
    assert dict(summary.video_skips) == {"unwritable-path": 2}
    recs = records_of(out)
    assert len(recs) == 2 and all(r["metrics"] and r["steps"] == 5 for r in recs)
    assert validate_run(out) == []


def test_sim_view_without_pygame_falls_back_to_synthetic(tmp_path):
    fake = tmp_path / "fake_site" / "pygame"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('pygame disabled for this test')\n")
    out = tmp_path / "run"
    argv = ["run", "--out", str(out), "--max-steps", "5", "--video-renderer", "sim-view"]
    done = run_python(_cli_code([*argv, "--quiet"]), env_extra={"PYTHONPATH": str(fake.parent)})
    assert done.returncode == 0, done.stderr
    (rec,) = records_of(out)
    assert rec["video_renderer"] == "sim-view"
    assert rec["video"]["renderer"] == "synthetic" and rec["video"]["notes"]
    assert validate_run(out, decode=True) == []


def test_zero_step_episode_at_wrapper_level_makes_no_file(tmp_path):
    from robot_sf_gym_video.env.social_nav_env import SocialNavEnv
    from robot_sf_gym_video.video.wrapper import VideoArtifactWrapper

    wrapper = VideoArtifactWrapper(
        SocialNavEnv("crossing"), video_dir=tmp_path / "videos", finalize="background"
    )
    wrapper.set_episode_identity("crossing", 1, 0)
    wrapper.reset(seed=1)
    wrapper.close()
    ((eid, payload),) = wrapper.collect_artifacts(wait=True)
    assert eid == "crossing__1__0" and payload["video_skip"]["reason"] == "no-frames"
    assert not list(tmp_path.rglob("*.mp4"))


def test_zero_step_episode_is_recorded_as_no_frames(tmp_path, monkeypatch):
    """The runner records a no-frames skip from the wrapper like any other result."""
    (spec,) = build_plan(["crossing"], 1, 0)

    def fake_execute(specs, settings, workers):
        result = EpisodeResult(spec, 0, "timeout", {"path_length_m": 0.0}, 0.0, None, True)
        yield EpisodeDone(result)
        skip = {"reason": "no-frames", "message": "no step", "renderer": "synthetic", "steps": 0}
        yield VideoDone(spec.episode_id, {"video_skip": skip})
        yield WorkerCost(VideoCost())

    monkeypatch.setattr(runner_mod, "execute", fake_execute)
    summary = run_batch(tmp_path / "run", video_enabled=True)
    assert dict(summary.video_skips) == {"no-frames": 1}
    (rec,) = records_of(tmp_path / "run")
    assert rec["video_skip"]["reason"] == "no-frames" and record_errors(rec) == []


def test_missing_artifact_becomes_encode_error_not_a_lost_record(tmp_path, monkeypatch):
    (spec,) = build_plan(["crossing"], 1, 0)

    def fake_execute(specs, settings, workers):
        yield EpisodeDone(EpisodeResult(spec, 3, "timeout", {}, 0.0, None, True))
        yield WorkerCost(VideoCost())

    monkeypatch.setattr(runner_mod, "execute", fake_execute)
    run_batch(tmp_path / "run", video_enabled=True)
    (rec,) = records_of(tmp_path / "run")
    assert rec["video_skip"]["reason"] == "encode-error" and record_errors(rec) == []


BAD_SCENARIO_FILE = textwrap.dedent(
    """
    [mine]
    max_episode_steps = "many"
    bounds_m = [0.0, 0.0, 10.0, 10.0]
    """
)


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        (["--scenario", "nowhere"], ["'nowhere'", "crossing", "corridor", "doorway"]),
        (["--episodes", "0"], ["episodes must be >= 1"]),
        (["--workers", "0"], ["workers must be >= 1"]),
        (["--max-steps", "0"], ["max_steps must be >= 1"]),
        (["--policy", "clever"], ["'clever'", "goal"]),
        (["--video-size", "33x20"], ["even"]),
        (["--video-size", "64x48"], ["64x48"]),
        (["--resume", "--overwrite"], ["--resume", "--overwrite"]),
        (["--scenarios", "{bad}"], ["{bad}", "max_episode_steps"]),
        (["--scenarios", "{tmp}/none.toml"], ["none.toml"]),
        (["--config", "{badcfg}"], ["{badcfg}", "video_renderer"]),
    ],
)
def test_bad_input_exits_2_before_any_episode(tmp_path, capsys, extra, needles):
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD_SCENARIO_FILE)
    badcfg = tmp_path / "cfg.toml"
    badcfg.write_text('video_renderer = "opengl"\n')
    fill = {"bad": bad, "badcfg": badcfg, "tmp": tmp_path}
    extra = [e.format(**fill) for e in extra]
    out = tmp_path / "run"
    assert cli.main(["run", "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    for needle in needles:
        assert needle.format(**fill) in err
    assert not out.exists()


def test_bad_renderer_flag_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["run", "--out", str(tmp_path / "o"), "--video-renderer", "vulkan"])
    assert info.value.code == 2
    assert "vulkan" in capsys.readouterr().err


def test_dir_not_creatable_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert cli.main(["run", "--out", str(blocker / "run"), "--max-steps", "3"]) == 2
    err = capsys.readouterr().err
    assert "cannot create run directory" in err and "Traceback" not in err
