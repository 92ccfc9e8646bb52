"""``robot-sf-bench compare``: pairing real runs, refusing unpaired ones, the page's markup."""

import json
import re
from pathlib import Path

import pytest

from robot_sf_gym_video.benchmark import cli
from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.report.compare import compare_runs, default_page_path
from robot_sf_gym_video.report.paired import mcnemar_exact

COMMON = {"scenarios": ["doorway", "crossing"], "seed": 4, "max_steps": 150}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """goal (4 episodes) and zero (3 episodes) on the same seeds, both filmed."""
    root = tmp_path_factory.mktemp("compare")
    run_batch(root / "goal", episodes=4, policy="goal", video_enabled=True, **COMMON)
    run_batch(root / "zero run", episodes=3, policy="zero", video_enabled=True, **COMMON)
    return root / "goal", root / "zero run"


def _records(run_dir):
    return [json.loads(x) for x in (Path(run_dir) / "episodes.jsonl").read_text().splitlines()]


def test_compare_pairs_common_episodes_and_tests_them(two_runs, capsys):
    goal, zero = two_runs
    assert cli.main(["compare", str(goal), str(zero)]) == 0
    out = capsys.readouterr().out
    assert "compared the 6 common episodes (goal has 8, zero run has 6)" in out
    assert "policy goal" in out and "policy zero" in out
    comparison = compare_runs(goal, zero)
    a = {(r["scenario"], r["episode_idx"]): r for r in _records(goal)}
    b = {(r["scenario"], r["episode_idx"]): r for r in _records(zero)}
    for scenario in ("crossing", "doorway"):
        keys = [k for k in b if k[0] == scenario]
        only_a = sum(a[k]["outcome"] == "success" != b[k]["outcome"] for k in keys)
        only_b = sum(b[k]["outcome"] == "success" != a[k]["outcome"] for k in keys)
        row = next(
            r for r in comparison.deltas if (r.scenario, r.metric) == (scenario, "success_rate")
        )
        assert row.n == 3 and row.detail == f"A only {only_a}, B only {only_b}"
        assert row.p_value == mcnemar_exact(only_a, only_b)
        length = next(
            r for r in comparison.deltas if (r.scenario, r.metric) == (scenario, "path_length_m")
        )
        diffs = [b[k]["metrics"]["path_length_m"] - a[k]["metrics"]["path_length_m"] for k in keys]
        assert length.delta == pytest.approx(sum(diffs) / 3)
    # the zero policy never moves: every pair differs in path length
    assert "(all)" in out and re.search(r"path_length_m\s+6\s", out)


def test_compare_page_default_path_relative_videos_and_order(two_runs, capsys):
    goal, zero = two_runs
    page = default_page_path(goal, zero)
    assert page == goal / "compare-zero-run.html"
    assert cli.main(["compare", str(goal), str(zero)]) == 0
    html = page.read_text()
    sources = re.findall(r'<video [^>]*src="([^"]+)"', html)
    assert len(sources) == 12  # 6 pairs, two videos each
    for src in sources:
        target = (page.parent / src.replace("%20", " ")).resolve()
        assert target.is_file() and not Path(src).is_absolute()
    assert "../zero%20run/videos/" in html and 'src="videos/' in html
    differ = [int(x) for x in re.findall(r'data-differ="(\d)"', html)]
    assert differ == sorted(differ, reverse=True)  # differing outcomes first
    assert "http" not in html.split("<footer>")[0].replace("http-equiv", "")


def test_compare_out_file_elsewhere_keeps_paths_working(two_runs, tmp_path):
    goal, zero = two_runs
    page = tmp_path / "pages" / "cmp.html"
    page.parent.mkdir()
    assert cli.main(["compare", str(goal), str(zero), "--out", str(page)]) == 0
    for src in re.findall(r'<video [^>]*src="([^"]+)"', page.read_text()):
        assert (page.parent / src.replace("%20", " ")).resolve().is_file()
    assert cli.main(["compare", str(goal), str(zero), "--out", str(tmp_path / "x" / "y.html")]) == 2


@pytest.mark.parametrize(
    ("changed", "key"),
    [({"seed": 5}, "seed"), ({"max_steps": 149}, "max_steps")],
)
def test_compare_refuses_runs_of_other_episodes(two_runs, tmp_path, capsys, changed, key):
    goal, _ = two_runs
    other = tmp_path / "other"
    run_batch(other, episodes=1, **{**COMMON, **changed})
    assert cli.main(["compare", str(goal), str(other)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{key} differ" in err and "Traceback" not in err
    assert not (goal / "compare-other.html").exists()


def test_compare_refuses_a_changed_scenario_definition(tmp_path):
    toml = "[tiny]\nmax_episode_steps = {steps}\nbounds_m = [0, 0, 8, 6]\n"
    toml += "[tiny.robot]\nstart_m = [1, 3]\ngoal_m = [7, 3]\n"
    for name, steps in (("a", 40), ("b", 41)):
        (tmp_path / f"{name}.toml").write_text(toml.format(steps=steps))
        run_batch(tmp_path / name, scenarios_file=tmp_path / f"{name}.toml", max_steps=5)
    with pytest.raises(UsageError, match=r"scenarios\.tiny differ"):
        compare_runs(tmp_path / "a", tmp_path / "b")


def test_compare_v1_runs_without_manifest_fall_back_to_records(two_runs, tmp_path):
    goal, _ = two_runs
    old = tmp_path / "old"
    run_batch(old, episodes=2, policy="zero", **COMMON)
    (old / "run.json").unlink()
    lines = [{**r, "schema_version": "episode.v1"} for r in _records(old)]
    (old / "episodes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    comparison = compare_runs(goal, old)
    assert len(comparison.pairing.pairs) == 4
    assert any("has no run.json" in n and "cannot be checked" in n for n in comparison.notes)
    assert comparison.b.policy == "zero"
    run_batch(tmp_path / "s9", episodes=1, **{**COMMON, "seed": 9})
    (tmp_path / "s9" / "run.json").unlink()
    with pytest.raises(UsageError, match="seed differ"):  # from the records' base_seed
        compare_runs(old, tmp_path / "s9")


def test_compare_runs_sharing_no_episode_is_refused(tmp_path):
    run_batch(tmp_path / "a", scenarios=["crossing"], max_steps=3)
    run_batch(tmp_path / "b", scenarios=["empty"], max_steps=3)
    with pytest.raises(UsageError, match="share no episode"):
        compare_runs(tmp_path / "a", tmp_path / "b")


def test_round_off_differences_are_ties_not_significant(tmp_path, make_record):
    from robot_sf_gym_video.report.model import build_row
    from robot_sf_gym_video.report.pairing import compare_pairs

    def rows(offset):
        out = []
        for i in range(12):
            rec = make_record("empty", 10 + i, i, "success", ttg=3.0)
            rec["metrics"]["path_length_m"] = 11.369 + i + offset * (i + 1)
            out.append(build_row(rec, tmp_path, default_fps=10))
        return out

    same = compare_pairs(list(zip(rows(0.0), rows(1e-14), strict=True)))
    length = next(r for r in same if r.metric == "path_length_m")
    assert length.p_value == 1.0 and not length.significant and length.delta == 0.0
    shifted = compare_pairs(list(zip(rows(0.0), rows(1e-3), strict=True)))
    assert next(r for r in shifted if r.metric == "path_length_m").significant
