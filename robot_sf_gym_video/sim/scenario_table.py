"""``Table``: typed, validating access to one TOML table of a scenario file.

Why a module of its own: every field of every scenario is read through it, so type checks,
numeric bounds, unknown-field detection and the one-line error format (file, scenario,
field) live in one place; ``scenarios`` only says which fields a table has.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from robot_sf_gym_video.errors import ScenarioError
from robot_sf_gym_video.sim.scenario_spec import MAX_COORD_M, MAX_MAP_SIDE_M

__all__ = ["REQUIRED", "Table"]

#: Default meaning "this field must be present".
REQUIRED = object()


class Table:
    """Typed, validating access to one TOML table; errors name file, scenario and field."""

    def __init__(self, data: Any, file: str, scenario: str, prefix: str) -> None:
        self.file, self.scenario, self.prefix = file, scenario, prefix
        if not isinstance(data, Mapping):
            raise self.error("", f"expected a table, got {type(data).__name__}")
        self.data = data
        self.used: set[str] = set()

    def error(self, key: str, message: str) -> ScenarioError:
        """Return the one-line error for ``key`` (file, scenario and field named)."""
        field = f"{self.prefix}{key}" if key else self.prefix.rstrip(".") or "<table>"
        text = f"{self.file}: scenario {self.scenario!r}: field {field!r}: {message}"
        return ScenarioError(" ".join(text.split()))

    def raw(self, key: str, default: Any = REQUIRED) -> Any:
        """Return the value of ``key`` unchecked (``default`` when absent), marking it used."""
        self.used.add(key)
        if key not in self.data:
            if default is REQUIRED:
                raise self.error(key, "required field is missing")
            return default
        return self.data[key]

    def number(
        self,
        key: str,
        default: Any = REQUIRED,
        *,
        minimum: float | None = None,
        maximum: float = MAX_COORD_M,
    ) -> Any:
        """Return ``key`` as a finite float within ``minimum`` .. ``maximum``."""
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        return self._number(key, value, minimum, maximum)

    def _number(
        self,
        key: str,
        value: Any,
        minimum: float | None = None,
        maximum: float = MAX_COORD_M,
    ) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"expected a number, got {value!r}")
        value = float(value)
        if not math.isfinite(value):
            raise self.error(key, f"expected a finite number, got {value!r}")
        if minimum is not None and value < minimum:
            raise self.error(key, f"must be >= {minimum:g}, got {value:g}")
        low = -maximum if minimum is None else minimum
        if not low <= value <= maximum:
            raise self.error(key, f"must be between {low:g} and {maximum:g}, got {value:g}")
        return value

    def integer(
        self, key: str, default: Any = REQUIRED, *, minimum: int = 0, maximum: int | None = None
    ) -> int:
        """Return ``key`` as an int within ``minimum`` .. ``maximum``."""
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {value!r}")
        if value < minimum:
            raise self.error(key, f"must be >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise self.error(key, f"must be <= {maximum}, got {value}")
        return value

    def boolean(self, key: str, default: Any = REQUIRED) -> bool:
        """Return ``key`` as a bool."""
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r}")
        return value

    def string(self, key: str, default: Any = REQUIRED) -> str:
        """Return ``key`` as a string."""
        value = self.raw(key, default)
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {value!r}")
        return value

    def point(self, key: str, value: Any = REQUIRED) -> tuple[float, float]:
        """Return ``value`` (or the value of ``key``) as an ``(x, y)`` pair of bounded numbers."""
        if value is REQUIRED:
            value = self.raw(key)
        if not isinstance(value, list) or len(value) != 2:
            raise self.error(key, f"expected [x, y], got {value!r}")
        x, y = (self._number(key, v) for v in value)
        return (x, y)

    def points(self, key: str, *, min_count: int) -> tuple[tuple[float, float], ...]:
        """Return ``key`` as at least ``min_count`` ``(x, y)`` points."""
        value = self.raw(key)
        if not isinstance(value, list) or len(value) < min_count:
            raise self.error(key, f"expected a list of at least {min_count} [x, y] points")
        return tuple(self.point(key, v) for v in value)

    def rect(self, key: str, default: Any = REQUIRED) -> Any:
        """Return ``key`` as ``(x_min, y_min, x_max, y_max)`` with positive, bounded sides."""
        value = self.raw(key, default)
        if value is default and key not in self.data:
            return value
        if not isinstance(value, list) or len(value) != 4:
            raise self.error(key, f"expected [x_min, y_min, x_max, y_max], got {value!r}")
        x0, y0, x1, y1 = (self._number(key, v) for v in value)
        if not (x0 < x1 and y0 < y1):
            raise self.error(key, "needs x_min < x_max and y_min < y_max")
        if max(x1 - x0, y1 - y0) > MAX_MAP_SIDE_M:
            raise self.error(key, f"sides must be at most {MAX_MAP_SIDE_M:g} m, got {value!r}")
        return (x0, y0, x1, y1)

    def finish(self) -> None:
        """Raise on the first field of the table that no reader asked for (a typo)."""
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            allowed = ", ".join(sorted(self.used))
            raise self.error(unknown[0], f"unknown field; allowed here: {allowed}")
