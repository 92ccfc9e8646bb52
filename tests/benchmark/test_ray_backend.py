"""The Ray backend: same records and MP4 bytes as local, retries, failures, Ctrl-C, errors.

Ray is started once for the module (``ray_cluster``, 2 CPUs, loopback only); every
``run_batch(backend="ray")`` here reuses that session. Without ray, or where Ray cannot
start, those tests skip with the reason, except under CI (``CI`` set), where they fail.
"""

import _thread
import hashlib
import json
import os
import signal
import socket
import threading
import time
from pathlib import Path

import psutil
import pytest

from robot_sf_gym_video._optional import is_available
from robot_sf_gym_video.benchmark import cli
from robot_sf_gym_video.benchmark import runner as runner_mod
from robot_sf_gym_video.benchmark.config import VideoSettings
from robot_sf_gym_video.benchmark.events import EpisodeDone, EpisodeFailed, WorkerCost, WorkersKnown
from robot_sf_gym_video.benchmark.plan import EpisodeSpec, build_plan
from robot_sf_gym_video.benchmark.ray_backend import EpisodeFailure, RaySummary
from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.benchmark.summary import VideoCost
from robot_sf_gym_video.benchmark.validate import validate_run
from robot_sf_gym_video.benchmark.worker import EpisodeResult, WorkerSettings

from .conftest import records_of, run_python, without_timings

MICRO = dict(scenarios=["crossing", "doorway"], episodes=2, max_steps=30, video_enabled=True)


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _as_set(run_dir):
    return {json.dumps(without_timings(r), sort_keys=True) for r in records_of(run_dir)}


def _unavailable(reason):
    if os.environ.get("CI"):
        pytest.fail(f"CI installs the ray extra, so this must not happen: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def ray_cluster():
    """One local Ray instance (2 CPUs) for the whole module, shut down at its end."""
    if not is_available("ray"):
        _unavailable('ray is not installed (pip install "robot_sf_gym_video[ray]")')
    from robot_sf_gym_video.benchmark.ray_backend import ray_session

    session = ray_session(None, num_cpus=2)
    try:
        cpus = session.__enter__()
    except Exception as exc:
        _unavailable(f"Ray cannot start on this machine: {type(exc).__name__}: {exc}")
    yield cpus
    session.__exit__(None, None, None)


@pytest.fixture(scope="module")
def ray_and_local(ray_cluster, tmp_path_factory):
    """The same micro-batch with video, run locally and on Ray."""
    base = tmp_path_factory.mktemp("ray_vs_local")
    local = run_batch(base / "local", **MICRO)
    ray = run_batch(base / "ray", backend="ray", **MICRO)
    return base, local, ray


# -- without Ray ---------------------------------------------------------------------------
def test_missing_ray_is_exit_2_one_line_naming_the_extra(tmp_path):
    out = tmp_path / "run"
    code = (
        "import sys\nsys.modules['ray'] = None\n"
        "from robot_sf_gym_video.benchmark.cli import main\n"
        f"sys.exit(main(['run', '--out', {str(out)!r}, '--backend', 'ray', '--max-steps', '3']))\n"
    )
    done = run_python(code)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ray is not installed")
    assert 'pip install "robot_sf_gym_video[ray]"' in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()


def test_unreachable_cluster_is_exit_2_within_seconds(tmp_path):
    if not is_available("ray"):
        _unavailable('ray is not installed (pip install "robot_sf_gym_video[ray]")')
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = tmp_path / "run"
    argv = ["run", "--out", str(out), "--backend", "ray", "--ray-address", f"127.0.0.1:{port}"]
    code = "import sys\nfrom robot_sf_gym_video.benchmark.cli import main\n"
    code += f"sys.exit(main({argv!r}))\n"
    started = time.monotonic()
    done = run_python(code, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"error: cannot reach Ray at '127.0.0.1:{port}': Connection refused\n"
    assert time.monotonic() - started < 30


def test_local_runs_never_import_ray(tmp_path):
    code = (
        "import sys\nfrom robot_sf_gym_video.benchmark.cli import main\n"
        f"code = main(['run', '--out', {str(tmp_path / 'run')!r}, '--max-steps', '3'])\n"
        "assert code == 0, code\nassert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    done = run_python(code)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("10.0.0.5:6379", ("10.0.0.5", 6379)),
        ("[::1]:6379", ("::1", 6379)),
        ("head.example:6379", ("head.example", 6379)),
        ("auto", (None, 0)),
        ("ray://head:10001", (None, 0)),
    ],
)
def test_host_port(address, expected):
    from robot_sf_gym_video.benchmark.ray_session import _host_port

    assert _host_port(address) == expected


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--ray-address", "auto"], "needs backend 'ray'"),
        (["--backend", "ray", "--ray-address", ""], "ray_address must be a non-empty string"),
    ],
)
def test_bad_backend_options_exit_2(tmp_path, capsys, argv, needle):
    out = tmp_path / "run"
    assert cli.main(["run", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and needle in err
    assert not out.exists()


def test_unknown_backend_flag_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["run", "--out", str(tmp_path / "o"), "--backend", "spark"])
    assert info.value.code == 2 and "spark" in capsys.readouterr().err


def test_backend_keys_in_config_file(tmp_path):
    cfg = tmp_path / "batch.toml"
    cfg.write_text('backend = "ray"\nray_address = "auto"\n')
    args = cli.main_parser().parse_args(["run", "--out", str(tmp_path), "--config", str(cfg)])
    kwargs = cli.run_kwargs(args)
    assert kwargs["backend"] == "ray" and kwargs["ray_address"] == "auto"
    cfg.write_text('backend = "dask"\n')
    assert cli.main(["run", "--out", str(tmp_path / "o"), "--config", str(cfg)]) == 2


def test_failed_episode_is_a_summary_entry_not_a_record(tmp_path, monkeypatch, capsys):
    """The runner's side of a failed task: no record, a summary line, the batch goes on."""
    first, second = build_plan(["crossing"], 2, 0)

    def fake_execute_ray(specs, settings, address):
        yield WorkersKnown(3)
        yield EpisodeFailed(EpisodeFailure(first.episode_id, "WorkerCrashedError: node lost"))
        yield EpisodeDone(EpisodeResult(second, 3, "timeout", {"path_length_m": 1.0}, 0.1))
        yield WorkerCost(VideoCost())

    monkeypatch.setattr(runner_mod, "require_ray", lambda: None)
    monkeypatch.setattr(runner_mod, "execute_ray", fake_execute_ray)
    out = tmp_path / "run"
    assert cli.main(["run", "--out", str(out), "--backend", "ray", "--episodes", "2"]) == 1
    printed = capsys.readouterr().out
    assert f"{first.episode_id}: WorkerCrashedError: node lost" in printed
    assert "failed: 1 episode(s)" in printed and "--resume" in printed
    assert [r["episode_id"] for r in records_of(out)] == [second.episode_id]
    summary = run_batch(out, episodes=2, backend="ray", resume=True)
    assert isinstance(summary, RaySummary) and summary.workers == 3
    assert summary.episodes_skipped_resume == 1 and summary.episodes_run == 1
    assert summary.to_dict()["episodes_failed"] == [
        {"episode_id": first.episode_id, "error": "WorkerCrashedError: node lost"}
    ]


def test_task_body_returns_the_mp4_bytes_and_needs_no_shared_files(tmp_path):
    """``run_episode`` runs anywhere: the scenario file arrives as text, the MP4 as bytes."""
    from importlib import resources

    from robot_sf_gym_video.benchmark.ray_backend import _VideoStore, run_episode

    text = resources.files("robot_sf_gym_video.sim").joinpath("scenarios").joinpath("empty.toml")
    scenarios_text = text.read_text(encoding="utf-8")
    spec = build_plan(["empty"], 1, 0)[0]
    videos = tmp_path / "run" / "videos"
    settings = WorkerSettings(
        str(tmp_path / "driver-only.toml"), 6, "goal", VideoSettings("synthetic"), str(videos)
    )
    output = run_episode(spec, settings, scenarios_text)
    video = output.result.video["video"]
    assert video["path"] == f"{spec.episode_id}.mp4" and video["frames"] == 6
    assert hashlib.sha256(output.video_bytes).hexdigest() == video["sha256"]
    assert not videos.exists(), "the task never writes the driver's folder"
    stored = _VideoStore(settings).store(output)
    final = videos / f"{spec.episode_id}.mp4"
    assert stored.video["video"]["path"] == str(final)
    assert final.read_bytes() == output.video_bytes and [p.name for p in videos.iterdir()] == [
        final.name
    ]


def test_driver_write_failures_become_skips(tmp_path):
    from robot_sf_gym_video.benchmark.ray_backend import EpisodeOutput, _VideoStore

    spec = build_plan(["crossing"], 1, 0)[0]
    data = b"not really an mp4"
    video = {
        "path": f"{spec.episode_id}.mp4",
        "format": "mp4",
        "filesize_bytes": len(data),
        "frames": 3,
        "renderer": "synthetic",
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    result = EpisodeResult(spec, 3, "timeout", {}, 0.1, {"video": video})
    (tmp_path / "videos").write_text("a file where the folder should be")
    settings = WorkerSettings(None, 3, "goal", VideoSettings("synthetic"), str(tmp_path / "videos"))
    store = _VideoStore(settings)
    skip = store.store(EpisodeOutput(result, data, VideoCost())).video["video_skip"]
    assert skip["reason"] == "unwritable-path" and skip["steps"] == 3
    skip = store.store(EpisodeOutput(result, data[:-1] + b"?", VideoCost())).video["video_skip"]
    assert skip["reason"] == "encode-error" and "damaged" in skip["message"]


# -- on a local Ray ------------------------------------------------------------------------
@pytest.mark.slow
def test_local_ray_is_loopback_only(ray_cluster):
    import ray

    assert ray_cluster == 2
    assert ray.util.get_node_ip_address() == "127.0.0.1"
    mine = {p.pid for p in psutil.Process().children(recursive=True)} | {os.getpid()}
    try:
        listening = [
            c.laddr.ip
            for c in psutil.net_connections("inet")
            if c.status == psutil.CONN_LISTEN and c.pid in mine
        ]
    except psutil.AccessDenied:
        pytest.skip("cannot list sockets without privileges")
    assert listening, "Ray should listen somewhere"
    assert all(ip in ("127.0.0.1", "::ffff:127.0.0.1", "::1") for ip in listening), listening


@pytest.mark.slow
def test_ray_records_and_videos_equal_local(ray_and_local):
    base, local, ray = ray_and_local
    assert isinstance(ray, RaySummary) and ray.failures == [] and ray.workers == 2
    assert ray.episodes_run == local.episodes_run == 4 and ray.outcomes == local.outcomes
    assert ray.videos_written == 4 and not ray.video_skips
    assert _as_set(base / "ray") == _as_set(base / "local")
    for rec in records_of(base / "local"):
        mine, theirs = base / "ray" / rec["video"]["path"], base / "local" / rec["video"]["path"]
        assert _sha(mine) == _sha(theirs) == rec["video"]["sha256"]
        assert mine.stat().st_mode == theirs.stat().st_mode
    assert sorted(p.name for p in (base / "ray" / "videos").iterdir()) == sorted(
        p.name for p in (base / "local" / "videos").iterdir()
    )
    assert validate_run(base / "ray", decode=True) == []
    assert "backend: ray (one task per episode)" in ray.lines()


@pytest.mark.slow
def test_ray_without_video_makes_no_videos_folder(ray_and_local, tmp_path):
    base, _, _ = ray_and_local
    out = tmp_path / "run"
    summary = run_batch(out, backend="ray", **{**MICRO, "video_enabled": False})
    assert summary.episodes_run == 4 and not (out / "videos").exists()
    drop = ("video", "video_renderer")
    assert {json.dumps(without_timings(r), sort_keys=True) for r in records_of(out)} == {
        json.dumps(without_timings(r, drop), sort_keys=True) for r in records_of(base / "local")
    }


class _WorkerKiller(threading.Thread):
    """SIGKILL the first Ray worker process seen running an episode task."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.killed: int | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        while not self.stop.is_set() and self.killed is None:
            for proc in me.children(recursive=True):
                try:
                    title = " ".join(proc.cmdline())
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                if title.startswith("ray::run_episode"):
                    os.kill(proc.pid, signal.SIGKILL)
                    self.killed = proc.pid
                    return
            time.sleep(0.01)


@pytest.mark.slow
def test_killed_worker_is_retried_every_episode_exactly_once(ray_cluster, tmp_path):
    out = tmp_path / "run"
    killer = _WorkerKiller()
    killer.start()
    try:
        summary = run_batch(out, backend="ray", **{**MICRO, "episodes": 3, "max_steps": 80})
    finally:
        killer.stop.set()
        killer.join()
    assert killer.killed is not None, "no episode task was seen running"
    assert not psutil.pid_exists(killer.killed) or (
        psutil.Process(killer.killed).status() == psutil.STATUS_ZOMBIE
    )
    planned = {s.episode_id for s in build_plan(MICRO["scenarios"], 3, 0)}
    ids = [r["episode_id"] for r in records_of(out)]
    assert sorted(ids) == sorted(planned), "every episode exactly once"
    assert summary.failures == [] and summary.episodes_run == 6 and summary.videos_written == 6
    assert validate_run(out, decode=True) == []
    assert sorted(p.name for p in (out / "videos").iterdir()) == sorted(f"{i}.mp4" for i in ids)


@pytest.mark.slow
def test_episode_that_raises_is_a_failure_and_the_batch_goes_on(ray_cluster, tmp_path):
    from robot_sf_gym_video.benchmark.ray_backend import execute_ray

    good = build_plan(["empty"], 1, 0)[0]
    bad = EpisodeSpec("no-such-scenario", 0, 1, "no-such-scenario__1__0")
    settings = WorkerSettings(None, 5, "goal", None, None)
    events = list(execute_ray([bad, good], settings, max_retries=1))
    kinds = [type(event).__name__ for event in events]
    assert kinds[0] == "WorkersKnown" and kinds[-1] == "WorkerCost"
    assert sorted(kinds[1:-1]) == ["EpisodeDone", "EpisodeFailed"]
    (failure,) = [e.failure for e in events if isinstance(e, EpisodeFailed)]
    assert failure.episode_id == bad.episode_id and "no-such-scenario" in failure.error
    (result,) = [e.result for e in events if isinstance(e, EpisodeDone)]
    assert result.spec == good and result.steps == 5 and result.video is None


@pytest.mark.slow
def test_ctrl_c_cancels_and_resume_finishes(ray_cluster, tmp_path):
    out = tmp_path / "run"
    kwargs = {**MICRO, "episodes": 5, "max_steps": 60}
    records = out / "episodes.jsonl"

    def interrupt_after_first_record():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if records.is_file() and records.read_bytes().count(b"\n") >= 1:
                _thread.interrupt_main()
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=interrupt_after_first_record, daemon=True)
    watcher.start()
    with pytest.raises(KeyboardInterrupt):
        run_batch(out, backend="ray", **kwargs)
    watcher.join()
    done_before = len(records_of(out))
    assert 1 <= done_before < 10
    assert not [p.name for p in (out / "videos").iterdir() if not p.name.endswith(".mp4")]
    summary = run_batch(out, backend="ray", resume=True, **kwargs)
    assert summary.episodes_skipped_resume == done_before
    assert summary.episodes_run == 10 - done_before and summary.failures == []
    ids = [r["episode_id"] for r in records_of(out)]
    assert len(ids) == len(set(ids)) == 10
    assert validate_run(out) == []
    again = run_batch(out, backend="ray", resume=True, **kwargs)  # nothing left: no tasks
    assert again.episodes_run == 0 and again.episodes_skipped_resume == 10


def test_scaling_doc_is_linked_and_names_real_flags():
    docs = Path(__file__).resolve().parents[2] / "docs"
    assert "(scaling.md)" in (docs / "index.md").read_text(encoding="utf-8")
    text = (docs / "scaling.md").read_text(encoding="utf-8")
    run_help = cli.main_parser()._subparsers._group_actions[0].choices["run"].format_help()
    for flag in ("--backend", "--ray-address", "--resume", "--workers"):
        assert flag in text and flag in run_help, flag
    assert 'pip install "robot_sf_gym_video[ray]"' in text
