"""``robot-sf-bench summary``: the table, CSV and JSON of a real run, checked by hand."""

import csv
import json

import pytest

from robot_sf_gym_video.benchmark import cli
from robot_sf_gym_video.benchmark.runner import run_batch
from robot_sf_gym_video.report.model import build_row
from robot_sf_gym_video.report.run_summary import OVERALL, format_table, summarize_metrics
from robot_sf_gym_video.report.stats import mean_interval, wilson_interval


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """A real batch with all three outcomes: doorway and crossing, 4 episodes each."""
    out = tmp_path_factory.mktemp("summary") / "run"
    run_batch(out, scenarios=["doorway", "crossing"], episodes=4, max_steps=150)
    records = [json.loads(x) for x in (out / "episodes.jsonl").read_text().splitlines()]
    assert {r["outcome"] for r in records} == {"success", "collision", "timeout"}
    return out, records


def _by_key(rows):
    return {(r["scenario"], r["metric"]): r for r in rows}


def test_summary_csv_agrees_with_the_records(real_run, tmp_path, capsys):
    out, records = real_run
    csv_path = tmp_path / "s.csv"
    assert cli.main(["summary", str(out), "--csv", str(csv_path)]) == 0
    with csv_path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["scenario", "metric", "n", "mean", "ci_low", "ci_high"]
        rows = _by_key(reader)
    for scenario in ("crossing", "doorway", OVERALL):
        mine = [r for r in records if scenario in (OVERALL, r["scenario"])]
        for metric, outcome in (
            ("success_rate", "success"),
            ("collision_rate", "collision"),
            ("timeout_rate", "timeout"),
        ):
            hits = sum(r["outcome"] == outcome for r in mine)
            row = rows[(scenario, metric)]
            assert int(row["n"]) == len(mine)
            assert float(row["mean"]) == pytest.approx(hits / len(mine))
            low, high = wilson_interval(hits, len(mine))
            assert (float(row["ci_low"]), float(row["ci_high"])) == pytest.approx((low, high))
        lengths = [r["metrics"]["path_length_m"] for r in mine]
        row = rows[(scenario, "path_length_m")]
        expected = mean_interval(lengths)
        assert int(row["n"]) == len(mine)
        assert float(row["mean"]) == pytest.approx(sum(lengths) / len(lengths))
        assert float(row["ci_low"]) == pytest.approx(expected.low)
        ttg = [r["metrics"]["time_to_goal_s"] for r in mine if r["outcome"] == "success"]
        assert int(rows[(scenario, "time_to_goal_s")]["n"]) == len(ttg) > 0
        assert float(rows[(scenario, "time_to_goal_s")]["mean"]) == pytest.approx(
            sum(ttg) / len(ttg)
        )
    # the printed table names every scenario once and every metric per scenario
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["scenario", "metric", "n", "mean/rate", "95%", "CI"]
    assert [line.split()[0] for line in table[1:] if not line.startswith(" ")] == [
        "crossing",
        "doorway",
        OVERALL,
    ]
    assert len(table) == 1 + 3 * 8


def test_summary_json_is_the_csv_rows(real_run, capsys):
    out, _ = real_run
    assert cli.main(["summary", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["run_dir"] == str(out)
    assert {r["metric"] for r in data["rows"]} == {
        "success_rate",
        "collision_rate",
        "timeout_rate",
        "path_length_m",
        "path_efficiency",
        "min_ped_distance_m",
        "jerk_mean",
        "time_to_goal_s",
    }


def test_success_only_metrics_and_undefined_intervals(tmp_path, make_record):
    recs = [
        make_record("a", 1, 0, "success", ttg=3.0),
        make_record("a", 2, 1, "timeout"),
        make_record("a", 3, 2, "collision"),
    ]
    rows = summarize_metrics(build_row(r, tmp_path, default_fps=10) for r in recs)
    got = _by_key(r.as_dict() for r in rows)
    ttg = got[("a", "time_to_goal_s")]
    assert (ttg["n"], ttg["mean"], ttg["ci_low"], ttg["ci_high"]) == (1, 3.0, None, None)
    assert got[("a", "jerk_mean")]["n"] == 0 and got[("a", "jerk_mean")]["mean"] is None
    assert got[("a", "collision_rate")]["mean"] == pytest.approx(1 / 3)
    lines = format_table(rows)
    assert len({len(line) for line in lines if "[" in line}) == 1  # CI columns aligned
    assert any(line.split()[-1] == "-" for line in lines)  # undefined mean shown as '-'
    assert summarize_metrics([]) == []


def test_summary_of_a_missing_run_is_one_line_exit_2(tmp_path, capsys):
    assert cli.main(["summary", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a directory" in err
    assert cli.main(["summary", str(tmp_path)]) == 2
    assert "has no episodes.jsonl" in capsys.readouterr().err


def test_summary_csv_to_a_missing_folder_is_exit_2(real_run, tmp_path, capsys):
    out, _ = real_run
    assert cli.main(["summary", str(out), "--csv", str(tmp_path / "no" / "s.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_report_shows_the_summary_table(real_run, tmp_path):
    import re
    import shutil

    from robot_sf_gym_video.report import write_report
    from robot_sf_gym_video.report.summary_files import summarize_run

    out = tmp_path / "copy"
    shutil.copytree(real_run[0], out)
    html = write_report(out, posters=False).read_text()
    table = html.split('<table id="metrics-summary">', 1)[1].split("</table>", 1)[0]
    heads = re.findall(r"<th[^>]*>(?:<code>)?([^<]+)", table)
    assert heads[0] == "Scenario" and "jerk_mean" in heads and "time_to_goal_s" in heads
    names = re.findall(r'<td class="scn">([^<]+)</td>', table)
    assert names == ["crossing", "doorway", "All scenarios"]
    shown = [float(v) for v in re.findall(r'data-v="([^"]+)"', table)]
    expected = [r.mean for r in summarize_run(out) if r.mean is not None]
    assert shown == pytest.approx(expected)
