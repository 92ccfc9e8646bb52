"""Policy specs: one grammar for ``--policy``, ``run_batch(policy=...)``, config files, records.

- ``PolicySource``: a checked policy. It holds the spec as given (what records carry), its
  kind, what a worker process needs to rebuild it, and the sha256 of a policy file or
  model zip. It is picklable whenever the policy can cross a process boundary.
- ``resolve_policy(value, *, processes=False)``: check a spec string, a factory or a ready
  policy object; every mistake is one ``UsageError`` (or ``DependencyNotInstalled``) line,
  raised before any episode runs.
- ``check_portable(source)``: refuse a policy that cannot reach worker processes.
- ``build_policy(source, env, seed=None)``: the policy for ``env``: a callable
  ``obs -> action`` with ``reset(seed=None)`` whose first action is checked.

The grammar (``docs/policies.md``):

- a built-in name (``policies/registry.py``);
- ``package.module:attr``: imported normally, with the working directory first on
  ``sys.path`` as ``python -m`` does;
- ``path/to/file.py:attr``: the file is loaded as a module (relative to the working
  directory);
- ``sb3:ALGO:path/to/model.zip``: a stable-baselines3 model (extra ``sb3``), run with
  ``deterministic=True``.

``attr`` (dotted for nested attributes) is a factory, called as ``attr(env)``; it returns a
callable ``obs -> action`` or an object with ``predict(obs, deterministic=True)``. Worker
processes (``workers > 1``) and Ray rebuild the policy from the spec string or unpickle the
factory; a ready policy object can only run in this process.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import os
import pickle
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import gymnasium as gym

from robot_sf_gym_video._optional import require
from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.policies.adapters import CheckedPolicy, adapt
from robot_sf_gym_video.policies.registry import POLICIES, POLICY_NAMES, build_builtin

__all__ = ["POLICY_KINDS", "PolicySource", "build_policy", "check_portable", "resolve_policy"]

#: What a ``PolicySource`` can be.
POLICY_KINDS: tuple[str, ...] = ("builtin", "module", "file", "sb3", "factory", "object")
_GRAMMAR = "package.module:attr, path/to/file.py:attr or sb3:ALGO:path/to/model.zip"
_MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_ATTR_RE = _MODULE_RE


@dataclass(frozen=True)
class PolicySource:
    """A checked policy: its label for records and what rebuilds it in any process.

    Attributes:
        spec: The spec as given (records carry it as ``policy``); for a factory or object
            passed to the API, ``module:qualname`` of the factory or of the object's class.
        kind: One of ``POLICY_KINDS``.
        target: Built-in name, module name, SB3 algorithm, or '' for factories/objects.
        path: Absolute path of the policy file or model zip.
        attr: The factory's (dotted) attribute name.
        search_dir: The working directory put first on ``sys.path`` for module specs, so a
            worker process finds the same module.
        sha256: Hex digest of the policy file or model zip (None otherwise).
        factory: The API's factory (kind ``factory``).
        instance: The API's ready policy object (kind ``object``; this process only).
    """

    spec: str
    kind: str
    target: str = ""
    path: str | None = None
    attr: str = ""
    search_dir: str | None = None
    sha256: str | None = None
    factory: Callable[[gym.Env[Any, Any]], Any] | None = None
    instance: Any = None

    @property
    def name(self) -> str:
        """The spec, for messages."""
        return self.spec


def resolve_policy(value: Any, *, processes: bool = False) -> PolicySource:
    """Check a policy given to ``run_batch`` / ``--policy`` and return its source.

    Args:
        value: A spec string, a ``PolicySource``, a factory ``attr(env)`` (any callable
            without ``predict``) or a ready policy object (it must have ``predict``).
        processes: The batch runs in worker processes or on Ray, so the policy must be a
            spec string or a picklable factory.

    Raises:
        UsageError: A malformed spec, missing module, file or attribute, an error while
            importing the user's module, an unusable model, or a policy that cannot reach
            worker processes.
        DependencyNotInstalled: An ``sb3:`` spec without stable-baselines3 installed.
    """
    if isinstance(value, PolicySource):
        source = value
    elif isinstance(value, str):
        source = _resolve_spec(value)
    elif callable(getattr(value, "predict", None)):
        source = PolicySource(
            spec=f"{_qualified(type(value))} object", kind="object", instance=value
        )
    elif callable(value):
        source = PolicySource(spec=_qualified(value), kind="factory", factory=value)
    else:
        raise UsageError(
            f"policy must be a spec ({', '.join(POLICY_NAMES)}, {_GRAMMAR}), a factory "
            f"attr(env) or an object with predict(obs); got {type(value).__name__}"
        )
    if processes:
        check_portable(source)
    return source


def _qualified(obj: Any) -> str:
    """``module:qualname`` of a factory or class; a script's own names get its file path."""
    module = getattr(obj, "__module__", None) or "?"
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if module == "__main__" and main_file:
        module = main_file  # "path/to/file.py:attr" is a spec that names it again
    return f"{module}:{getattr(obj, '__qualname__', type(obj).__qualname__)}"


def check_portable(source: PolicySource) -> None:
    """Refuse what cannot reach a worker process (ready objects, unpicklable factories).

    Raises:
        UsageError: ``source`` is a ready policy object or a factory pickle cannot carry.
    """
    if source.kind == "object":
        raise UsageError(
            f"policy {source.spec} is a ready object; workers > 1 and Ray need a spec "
            "string or a picklable factory (pass the factory, or use workers=1)"
        )
    if source.kind == "factory":
        try:
            pickle.dumps(source.factory)
        except Exception as exc:
            raise UsageError(
                f"policy factory {source.spec} cannot be pickled ({type(exc).__name__}: "
                f"{exc}); workers > 1 and Ray need a spec string or a picklable "
                "(module-level) factory"
            ) from None


def _resolve_spec(spec: str) -> PolicySource:
    if spec in POLICIES:
        return PolicySource(spec=spec, kind="builtin", target=spec)
    if spec.startswith("sb3:"):
        return _resolve_sb3(spec)
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr:
        raise UsageError(
            f"policy {spec!r} is not a built-in ({', '.join(POLICY_NAMES)}) nor a spec ({_GRAMMAR})"
        )
    if not _ATTR_RE.match(attr):
        raise UsageError(f"policy {spec!r}: {attr!r} is not an attribute name")
    if target.endswith(".py") or "/" in target or os.sep in target:
        return _resolve_file(spec, target, attr)
    if not _MODULE_RE.match(target):
        raise UsageError(
            f"policy {spec!r}: {target!r} is neither a module name nor a .py file ({_GRAMMAR})"
        )
    search_dir = os.getcwd()
    factory = _attribute(_import_module(spec, target, search_dir), spec, attr)
    del factory  # checked; each process imports it again
    return PolicySource(spec=spec, kind="module", target=target, attr=attr, search_dir=search_dir)


def _resolve_file(spec: str, file: str, attr: str) -> PolicySource:
    path = Path(file).expanduser().resolve()
    if not path.is_file():
        raise UsageError(f"policy {spec!r}: file {file} does not exist")
    if path.suffix != ".py":
        raise UsageError(f"policy {spec!r}: {file} is not a .py file ({_GRAMMAR})")
    digest = _sha256(path)
    _attribute(_load_file(spec, str(path), digest), spec, attr)
    return PolicySource(spec=spec, kind="file", path=str(path), attr=attr, sha256=digest)


def _resolve_sb3(spec: str) -> PolicySource:
    _, algo, file = [*spec.split(":", 2), "", ""][:3]
    if not algo or not file:
        raise UsageError(
            f"policy {spec!r} must be sb3:ALGO:path/to/model.zip, e.g. sb3:PPO:model.zip"
        )
    path = Path(file).expanduser().resolve()
    if not path.is_file():
        raise UsageError(f"policy {spec!r}: model file {file} does not exist")
    sb3 = require("stable_baselines3", extra="sb3", purpose=f"policy {spec}")
    algorithms = sorted(n for n in getattr(sb3, "__all__", ()) if n.isupper())
    if algo not in algorithms:
        raise UsageError(
            f"policy {spec!r}: {algo!r} is not a stable-baselines3 algorithm; "
            f"allowed: {', '.join(algorithms)}"
        )
    digest = _sha256(path)
    _load_sb3(spec, algo, str(path), digest)  # a corrupt or foreign zip fails here, not mid-batch
    return PolicySource(spec=spec, kind="sb3", target=algo, path=str(path), sha256=digest)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _import_module(spec: str, name: str, search_dir: str | None) -> ModuleType:
    """Import ``name`` like ``python -m`` would (working directory first on the path)."""
    if search_dir is not None and search_dir not in sys.path:
        sys.path.insert(0, search_dir)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise UsageError(
                f"policy {spec!r}: no module named {name!r} (searched the working directory "
                "and sys.path)"
            ) from None
        raise _import_error(spec, name, exc) from None
    except Exception as exc:  # anything the user's module raises while importing
        raise _import_error(spec, name, exc) from None


def _import_error(spec: str, name: str, exc: BaseException) -> UsageError:
    text = f"policy {spec!r}: importing {name} failed: {type(exc).__name__}: {exc}"
    return UsageError(" ".join(text.split()))


@functools.lru_cache(maxsize=16)
def _load_file(spec: str, path: str, digest: str) -> ModuleType:
    """Load a policy file as a module (cached per file content, once per process)."""
    name = f"_robot_sf_policy_{Path(path).stem}_{digest[:12]}"
    if name in sys.modules:
        return sys.modules[name]
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise UsageError(f"policy {spec!r}: cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise _import_error(spec, path, exc) from None
    return module


@functools.lru_cache(maxsize=4)
def _load_sb3(spec: str, algo: str, path: str, digest: str) -> Any:
    """Load an SB3 model once per process (keyed by content, so a changed zip reloads)."""
    sb3 = require("stable_baselines3", extra="sb3", purpose=f"policy {spec}")
    try:
        return getattr(sb3, algo).load(path, device="cpu")
    except Exception as exc:
        text = f"policy {spec!r}: cannot load the model: {type(exc).__name__}: {exc}"
        raise UsageError(" ".join(text.split())) from None


def _attribute(module: ModuleType, spec: str, attr: str) -> Callable[..., Any]:
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            where = getattr(module, "__file__", None) or module.__name__
            raise UsageError(f"policy {spec!r}: {where} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise UsageError(
            f"policy {spec!r}: {attr!r} is {type(obj).__name__} {obj!r:.40}, not callable; "
            "expected a factory attr(env) or a class"
        )
    return obj


def _factory(source: PolicySource) -> Callable[[gym.Env[Any, Any]], Any]:
    """Return the factory of a non-built-in source, imported in this process if needed."""
    if source.kind == "factory":
        assert source.factory is not None
        return source.factory
    if source.kind == "object":
        return lambda env: source.instance
    if source.kind == "module":
        return _attribute(
            _import_module(source.spec, source.target, source.search_dir), source.spec, source.attr
        )
    if source.kind == "file":
        assert source.path is not None and source.sha256 is not None
        module = _load_file(source.spec, source.path, source.sha256)
        return _attribute(module, source.spec, source.attr)
    assert source.kind == "sb3" and source.path is not None and source.sha256 is not None
    model = _load_sb3(source.spec, source.target, source.path, source.sha256)
    return lambda env: model


def build_policy(
    source: PolicySource | str, env: gym.Env[Any, Any], seed: int | None = None
) -> Any:
    """Return the policy of ``source`` for ``env``: ``policy(obs) -> action`` + ``reset``.

    Built-ins are built from the registry; anything else comes from its factory, called as
    ``factory(env)``. The first action is checked against ``env.action_space``. A spec
    string is resolved first (``resolve_policy``).

    Raises:
        UsageError: The factory failed or returned something that is not a policy.
    """
    if not isinstance(source, PolicySource):
        source = resolve_policy(source)
    if source.kind == "builtin":
        policy = build_builtin(source.target, env, seed)
    else:
        factory = _factory(source)
        try:
            made = factory(env)
        except UsageError:
            raise
        except Exception as exc:
            text = f"policy {source.spec!r}: its factory failed: {type(exc).__name__}: {exc}"
            raise UsageError(" ".join(text.split())) from None
        policy = adapt(made, source.spec)
    return CheckedPolicy(policy, env.action_space, source.spec)
