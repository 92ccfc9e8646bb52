import io
import sys

from robot_sf_gym_video.benchmark.progress import Progress
from robot_sf_gym_video.benchmark.summary import BatchSummary, VideoCost


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_bar_only_on_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with Progress(3, enabled=True) as bar:
        assert not bar.active
        bar.episode_finished("success")
    assert bar.done == 1 and bar.successes == 1


def test_bar_on_tty_shows_done_total_and_successes(monkeypatch):
    fake = _Tty()
    monkeypatch.setattr(sys, "stderr", fake)
    with Progress(2, enabled=True, initial=1) as bar:
        assert bar.active
        bar.episode_finished("success")
        bar.episode_finished("collision")
    text = fake.getvalue()
    assert "3/3" in text and "success=1" in text


def test_quiet_or_missing_tqdm_means_no_bar(monkeypatch):
    monkeypatch.setattr(sys, "stderr", _Tty())
    assert not Progress(2, enabled=False).active
    monkeypatch.setitem(sys.modules, "tqdm", None)
    assert not Progress(2, enabled=True).active


def test_summary_figures():
    s = BatchSummary(run_dir="r", episodes_planned=4, episodes_run=2, video_on=True, workers=1)
    s.steps, s.wall_time_s, s.videos_written = 100, 10.0, 2
    s.outcomes.update(["success", "timeout"])
    s.video_skips.update(["no-frames"])
    s.video_cost = VideoCost(setup_s=0.2, caller_s=0.2, drain_s=0.1, frames=100)
    s.video_cost.merge(VideoCost(encode_s=0.3, encoded_frames=100))
    d = s.to_dict()
    assert d["encode_ms_per_frame"] == 3.0
    assert d["video_caller_ms_per_step"] == 2.0
    assert d["estimated_overhead_pct"] == round(100 * 0.5 / 9.5, 2)
    assert d["over_budget"] is True and d["budget_pct"] == 5.0
    assert d["outcomes"] == {"success": 1, "timeout": 1} and d["video_skips"] == {"no-frames": 1}
    text = "\n".join(s.lines())
    assert "videos written: 2" in text and "no-frames 1" in text and "5.3%" in text


def test_summary_video_off_has_no_overhead():
    s = BatchSummary(run_dir="r", episodes_planned=1, episodes_run=1)
    assert s.estimated_overhead_pct is None and not s.over_budget
    assert "video: off" in s.lines()
