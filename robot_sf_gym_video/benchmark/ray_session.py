"""The Ray connection of the Ray backend: reuse, connect to, or start a loopback-only cluster.

- ``require_ray()``: import ray or raise ``DependencyNotInstalled`` naming the extra.
- ``ray_session(address, num_cpus=None)``: connect to a cluster, start a loopback-only
  local instance, or reuse the session this process already has; yields its CPU count.

Kept apart from ``ray_backend`` (tasks and the driver loop) because it is about sockets and
Ray's start-up switches, not about episodes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from collections.abc import Iterator
from types import ModuleType

from robot_sf_gym_video._optional import require
from robot_sf_gym_video.errors import UsageError

__all__ = ["cluster_cpus", "ray_session", "require_ray"]

logger = logging.getLogger(__name__)

_CONNECT_TIMEOUT_S = 5.0
_ERROR_CHARS = 300


def require_ray() -> ModuleType:
    """Import ray, or raise ``DependencyNotInstalled`` naming the ``ray`` extra."""
    return require("ray", extra="ray", purpose="the Ray backend (--backend ray)")


@contextlib.contextmanager
def ray_session(address: str | None = None, *, num_cpus: int | None = None) -> Iterator[int]:
    """Provide a Ray session for the batch and yield the cluster's CPU count.

    With a session already open in this process (e.g. ``ray.init(runtime_env=...)`` by
    the caller), it is used as is and left open. Otherwise ``address`` is connected to
    (``"auto"``, ``"HOST:PORT"``, ``"ray://HOST:PORT"``), or, when None, a local instance
    sized to the machine is started: no dashboard, no usage telemetry, worker logs not
    copied to this terminal, every socket on the loopback interface. What this call
    opened, it shuts down at the end (also on error or Ctrl-C).

    Raises:
        DependencyNotInstalled: ray is not installed.
        UsageError: the cluster at ``address`` cannot be reached.
    """
    ray = require_ray()
    if ray.is_initialized():
        logger.info("using the Ray session already open in this process")
        yield cluster_cpus(ray)
        return
    # Read by ray.init; set before it so neither the driver nor a local cluster reports.
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if address is None:
        _start_local(ray, num_cpus or os.cpu_count() or 1)
    else:
        _connect(ray, address)
    try:
        yield cluster_cpus(ray)
    finally:
        ray.shutdown()


@contextlib.contextmanager
def _loopback_only() -> Iterator[None]:
    """Keep Ray on 127.0.0.1 during ``ray.init`` (a local instance, or a loopback head).

    On Linux Ray turns a loopback address (``_node_ip_address``, or the host of the
    address to connect to) into the machine's routable address, and a local instance then
    listens on every interface. Its own switch for single-machine use (the one behind
    ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` on macOS) keeps everything on 127.0.0.1; it is
    a module constant read at call time, so it is set only around ``ray.init``.
    """
    from ray._private import ray_constants

    switch = getattr(ray_constants, "ENABLE_RAY_CLUSTER", None)
    if switch is not None:
        ray_constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        if switch is not None:
            ray_constants.ENABLE_RAY_CLUSTER = switch


def _connect(ray: ModuleType, address: str) -> None:
    """Connect to the cluster at ``address``; fail fast when ``HOST:PORT`` does not answer.

    Ray itself retries an unreachable GCS for minutes; a plain TCP connect first turns a
    typo into a one-line error within seconds.
    """
    host, port = _host_port(address)
    if host is not None:
        try:
            socket.create_connection((host, port), timeout=_CONNECT_TIMEOUT_S).close()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise UsageError(f"cannot reach Ray at {address!r}: {reason}") from exc
    loopback = host is not None and host in ("127.0.0.1", "localhost", "::1")
    try:
        with _loopback_only() if loopback else contextlib.nullcontext():
            ray.init(address=address, log_to_driver=False, logging_level=logging.ERROR)
    except (ConnectionError, ValueError) as exc:
        message = " ".join(str(exc).split())[:_ERROR_CHARS]
        raise UsageError(f"cannot connect to Ray at {address!r}: {message}") from exc


def _host_port(address: str) -> tuple[str | None, int]:
    """Split a plain ``HOST:PORT`` address; ``(None, 0)`` for ``auto``, ``ray://...``."""
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return None, 0
    return host.strip("[]"), int(port)


def _start_local(ray: ModuleType, num_cpus: int) -> None:
    """Start a local, loopback-only Ray instance with ``num_cpus`` CPUs."""
    with _loopback_only():
        ray.init(
            address="local",  # never an existing cluster named by RAY_ADDRESS
            num_cpus=num_cpus,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,  # Ray's own logger only; ours is untouched
            _node_ip_address="127.0.0.1",
        )
    node_ip = ray.util.get_node_ip_address()
    if node_ip != "127.0.0.1":
        logger.warning("the local Ray instance listens on %s, not only on loopback", node_ip)
    logger.info("started a local Ray instance with %d CPU(s) on %s", num_cpus, node_ip)


def cluster_cpus(ray: ModuleType) -> int:
    """Return the CPUs of the connected cluster (at least 1)."""
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
