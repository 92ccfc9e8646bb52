"""One registry per vocabulary: the single place a name (renderer, skip reason, ...) is defined.

- ``Registry``: an ordered, immutable table of entries keyed by their ``name``; iterating
  it gives the names, ``get(name)`` gives the entry or a one-line ``UsageError`` naming the
  bad value and the allowed ones.

Every tuple, ``Literal``, CLI ``choices=`` and JSON-Schema enum of a vocabulary is derived
from its registry or checked against it by a test (``tests/test_registries.py``), so adding
a name is one entry in one registry (see ``docs/design.md``, "How to add ...").

The registries themselves live next to what they name:

- renderers: ``render.registry.RENDERERS``
- skip reasons: ``video.artifact.SKIPS``
- encoders: ``video.encoder.ENCODERS``
- outcomes: ``sim.snapshot.OUTCOME_REGISTRY``
- built-in policies: ``policies.registry.POLICIES`` (also ``policies.POLICIES``)
- run options (flags and config keys): ``benchmark.options.RUN_OPTIONS``

This module imports nothing of the package but ``errors`` so that every layer, the physics
included, can define its vocabulary without importing another layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Generic, Protocol, TypeVar

from robot_sf_gym_video.errors import UsageError

__all__ = ["Named", "Registry"]


class Named(Protocol):
    """What a registry entry needs: a ``name`` (the spelling users and records use)."""

    @property
    def name(self) -> str:
        """The entry's name."""
        ...


E = TypeVar("E", bound=Named)


class Registry(Generic[E]):
    """An ordered, immutable table of named entries.

    Args:
        what: What the names are, for messages (e.g. ``"renderer"``).
        entries: The entries, in documentation order; names must be unique.
    """

    def __init__(self, what: str, entries: Iterable[E]) -> None:
        self.what = what
        self._entries: dict[str, E] = {}
        for entry in entries:
            if entry.name in self._entries:
                raise ValueError(f"duplicate {what} {entry.name!r}")
            self._entries[entry.name] = entry

    def names(self) -> tuple[str, ...]:
        """Return the names in registration order."""
        return tuple(self._entries)

    def get(self, name: object) -> E:
        """Return the entry called ``name``; an unknown name is a one-line ``UsageError``."""
        entry = self._entries.get(name) if isinstance(name, str) else None
        if entry is None:
            raise UsageError(f"unknown {self.what} {name!r}; allowed: {', '.join(self)}")
        return entry

    def entries(self) -> tuple[E, ...]:
        """Return the entries in registration order."""
        return tuple(self._entries.values())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.what!r}, {list(self._entries)})"
