"""Success table: every built-in policy on every built-in scenario, 20 seeded episodes each.

Run it::

    python benchmarks/bench_policies.py --out bench_policies_out
    python benchmarks/bench_policies.py --out bench_out --episodes 20 --seed 0 --workers 2

Each (policy, scenario) cell is one ``run_batch`` with ``--seed 0`` and episodes 0-19, the
same episodes ``robot-sf-bench run --seed 0 --episodes 20`` plays, so every figure can be
re-run and filmed with the CLI. Runs go to ``OUT/<policy>/`` (records only, no video); the
table is printed as Markdown (success % per cell, with collisions and timeouts) and written
to ``OUT/success_table.md`` and ``OUT/success_table.json``. ``docs/policies.md`` publishes it.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter
from pathlib import Path

from robot_sf_gym_video import list_scenarios, run_batch
from robot_sf_gym_video.policies import POLICY_NAMES


def run_policy(out: Path, policy: str, scenarios: list[str], args: argparse.Namespace) -> dict:
    """Run one policy on every scenario; return ``{scenario: Counter(outcome)}``."""
    run_dir = out / policy
    run_batch(
        run_dir,
        scenarios=scenarios,
        episodes=args.episodes,
        seed=args.seed,
        policy=policy,
        workers=args.workers,
        overwrite=run_dir.exists(),
    )
    counts: dict[str, Counter] = {s: Counter() for s in scenarios}
    for line in (run_dir / "episodes.jsonl").read_text().splitlines():
        record = json.loads(line)
        counts[record["scenario"]][record["outcome"]] += 1
    return counts


def table(results: dict, scenarios: list[str], policies: list[str], episodes: int) -> str:
    """Markdown table: one row per scenario, success % (collision % / timeout %) per policy."""
    head = "| scenario | " + " | ".join(f"`{p}`" for p in policies) + " |"
    rule = "| --- |" + " ---: |" * len(policies)
    rows = [head, rule]
    for scenario in scenarios:
        cells = []
        for policy in policies:
            c = results[policy][scenario]
            pct = {k: round(100 * c[k] / episodes) for k in ("success", "collision", "timeout")}
            cells.append(f"{pct['success']}% ({pct['collision']}/{pct['timeout']})")
        rows.append(f"| `{scenario}` | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder for the runs and the table")
    parser.add_argument("--episodes", type=int, default=20, help="episodes per cell (20)")
    parser.add_argument("--seed", type=int, default=0, help="batch seed (0)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (1)")
    parser.add_argument("--policy", action="append", help="policies (default: every built-in)")
    parser.add_argument("--scenario", action="append", help="scenarios (default: every built-in)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    out = Path(args.out)
    scenarios = args.scenario or list_scenarios()
    policies = args.policy or list(POLICY_NAMES)
    results = {p: run_policy(out, p, scenarios, args) for p in policies}
    text = table(results, scenarios, policies, args.episodes)
    print(f"success % (collision % / timeout %), {args.episodes} episodes, --seed {args.seed}")
    print(text)
    (out / "success_table.md").write_text(text + "\n")
    data = {p: {s: dict(results[p][s]) for s in scenarios} for p in policies}
    (out / "success_table.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
