"""The video performance budget: one place that decides "within budget", "warn" or "fail".

The contract: video may add less than ``DEFAULT_BUDGET_PCT`` percent to a batch's wall time.
Going over is a WARNING; it becomes a failure (exit code 1) only when the environment
variable ``ROBOT_SF_PERF_ENFORCE`` is ``1``. Both ``robot-sf-bench run`` (estimated figure)
and ``robot-sf-bench perf`` (paired, measured figure) use ``judge_overhead`` so the rule
lives here once and can be tested with an injected measurement instead of timing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "DEFAULT_BUDGET_PCT",
    "ENFORCE_ENV_VAR",
    "BudgetVerdict",
    "enforce_requested",
    "judge_overhead",
]

DEFAULT_BUDGET_PCT = 5.0
ENFORCE_ENV_VAR = "ROBOT_SF_PERF_ENFORCE"


def enforce_requested(environ: Mapping[str, str] | None = None) -> bool:
    """Return True when ``ROBOT_SF_PERF_ENFORCE=1`` asks to fail on a budget breach."""
    env = os.environ if environ is None else environ
    return env.get(ENFORCE_ENV_VAR, "").strip() == "1"


@dataclass(frozen=True)
class BudgetVerdict:
    """Outcome of comparing a measured or estimated overhead with the budget.

    Attributes:
        overhead_pct: Video overhead in percent of the no-video wall time (None: unknown,
            e.g. video was off, which is never a breach).
        budget_pct: The allowed overhead in percent.
        enforce: Whether a breach fails the command (``ROBOT_SF_PERF_ENFORCE=1``).
    """

    overhead_pct: float | None
    budget_pct: float
    enforce: bool

    @property
    def over_budget(self) -> bool:
        """True when the overhead is known and exceeds the budget."""
        return self.overhead_pct is not None and self.overhead_pct > self.budget_pct

    @property
    def exit_code(self) -> int:
        """1 when over budget and enforcement is on, else 0 (a breach alone only warns)."""
        return 1 if (self.over_budget and self.enforce) else 0

    def message(self) -> str | None:
        """One line for the user when over budget, else None."""
        if not self.over_budget:
            return None
        consequence = (
            "failing because ROBOT_SF_PERF_ENFORCE=1"
            if self.enforce
            else f"set {ENFORCE_ENV_VAR}=1 to fail on this"
        )
        return (
            f"video overhead {self.overhead_pct:.1f}% exceeds the {self.budget_pct:g}% budget "
            f"({consequence})"
        )


def judge_overhead(
    overhead_pct: float | None,
    budget_pct: float = DEFAULT_BUDGET_PCT,
    environ: Mapping[str, str] | None = None,
) -> BudgetVerdict:
    """Judge ``overhead_pct`` against ``budget_pct``; enforcement comes from ``environ``."""
    return BudgetVerdict(
        overhead_pct=overhead_pct, budget_pct=budget_pct, enforce=enforce_requested(environ)
    )
