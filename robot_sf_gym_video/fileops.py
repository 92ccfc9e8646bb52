"""Shared file primitives: one temp-name scheme, one atomic write, containment, warn-once.

- ``TEMP_GLOB``: the one glob that matches every temporary file this package makes.
- ``TEMP_OVERHEAD_BYTES``: how many bytes a temp name adds to its final name.
- ``temp_path_for(final)``: ``.<name>.partial-<pid>-<hex8>`` next to ``final``.
- ``claim_temp(final)``: create that file exclusively (so its folder is proven writable).
- ``commit(temp, final, replace=True)``: rename a finished temp file to its final name.
- ``atomic_writer(path)`` / ``atomic_write(path, data)``: write a whole file atomically,
  keeping the mode of the file it replaces.
- ``remove_temps(folder)``: delete leftovers of killed writers; returns how many.
- ``inside(root, path)``: ``path`` resolved, refusing any that leaves ``root``.
- ``warn_once(logger, key, msg, *args)``: WARNING the first time ``key`` is seen, then DEBUG.

Why one scheme: every cleanup (``--resume``, ``--overwrite``, a normal batch end) uses
``TEMP_GLOB``, so a writer added later cannot leave files that nothing removes. A temp file
lives in the target's folder (same filesystem, so the rename is atomic) under a hidden
name that can never be mistaken for a final one. The pid and random bits keep two
processes, or a pid reused after a crash, from claiming the same name.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = [
    "TEMP_GLOB",
    "TEMP_MARK",
    "TEMP_OVERHEAD_BYTES",
    "ContainmentError",
    "atomic_write",
    "atomic_writer",
    "claim_temp",
    "commit",
    "fsync_dir",
    "inside",
    "is_temp_name",
    "remove_temps",
    "reset_warnings",
    "temp_path_for",
    "warn_once",
]

#: Marker between the final name and the writer's pid in every temp name.
TEMP_MARK = ".partial-"
#: Matches every temp file of this package (and nothing a user would name by hand).
TEMP_GLOB = f".*{TEMP_MARK}*"
_PID_DIGITS = 10  # room for any 32-bit pid
_HEX_CHARS = 8
#: Bytes a temp name adds to its final name: leading dot, marker, pid, dash, hex.
TEMP_OVERHEAD_BYTES = 1 + len(TEMP_MARK) + _PID_DIGITS + 1 + _HEX_CHARS


class ContainmentError(OSError):
    """A path leaves the folder it must stay in (e.g. through a symlink)."""


def temp_path_for(final: str | os.PathLike[str]) -> Path:
    """Return a fresh temp path for ``final``, in ``final``'s folder."""
    final = Path(final)
    return final.with_name(
        f".{final.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(_HEX_CHARS // 2)}"
    )


def is_temp_name(name: str) -> bool:
    """Return True for a file name made by ``temp_path_for``."""
    return name.startswith(".") and TEMP_MARK in name


def claim_temp(final: str | os.PathLike[str]) -> Path:
    """Create and return an empty temp file for ``final`` (mode 0o666 less the umask).

    Raises:
        OSError: the file cannot be created (folder missing, read-only, full).
    """
    temp = temp_path_for(final)
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    return temp


def commit(
    temp: str | os.PathLike[str], final: str | os.PathLike[str], *, replace: bool = True
) -> None:
    """Give the finished ``temp`` its ``final`` name.

    Args:
        temp: A file made by ``claim_temp``.
        final: Its final name.
        replace: False refuses to replace an existing ``final`` (``FileExistsError``);
            the check and the rename are one ``link`` call, so no race can slip between.

    Raises:
        OSError: the rename failed; ``temp`` is left for the caller to remove.
    """
    if replace:
        os.replace(temp, final)
        return
    try:
        os.link(temp, final)
    except FileExistsError:
        raise
    except OSError:  # a filesystem without hard links: check, then rename
        if os.path.lexists(final):
            raise FileExistsError(errno.EEXIST, "file exists", os.fspath(final)) from None
        os.replace(temp, final)
        return
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temp)


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], *, mode: int | None = None) -> Iterator[IO[bytes]]:
    """Open a binary handle whose content replaces ``path`` only if the block succeeds.

    The file keeps the permission bits of the file it replaces (a rewrite never turns 644
    into 600); a new file gets ``mode`` or 0o666 less the umask. On any error, or an
    interrupt, the temp file is removed and ``path`` is unchanged.
    """
    path = Path(path)
    if mode is None:
        with contextlib.suppress(OSError):
            mode = path.stat().st_mode & 0o7777
    temp = claim_temp(path)
    try:
        with open(temp, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    fsync_dir(path.parent)


def atomic_write(
    path: str | os.PathLike[str], data: bytes | str, *, mode: int | None = None
) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` atomically; see ``atomic_writer``."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    with atomic_writer(path, mode=mode) as handle:
        handle.write(data)


def fsync_dir(directory: str | os.PathLike[str]) -> None:
    """Persist a rename (best effort: not every platform can fsync a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_temps(folder: str | os.PathLike[str], *, pid: int | None = None) -> int:
    """Delete every temp file directly in ``folder``; return how many were removed.

    Only safe while no writer of this package is using ``folder`` (the run lock ensures
    that for a run directory), or with ``pid``: then only the temp files claimed by that
    (dead) process go. Symlinks matching the glob are removed as links, never followed.
    """
    folder = Path(folder)
    removed = 0
    if not folder.is_dir() or folder.is_symlink():
        return 0
    pattern = TEMP_GLOB if pid is None else f".*{TEMP_MARK}{pid}-*"
    for path in folder.glob(pattern):
        with contextlib.suppress(OSError):
            if path.is_symlink() or path.is_file():
                path.unlink()
                removed += 1
    return removed


def inside(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> Path:
    """Return ``path`` (relative to ``root`` when not absolute) fully resolved.

    Raises:
        ContainmentError: the resolved path is not inside the resolved ``root``, e.g. a
            symlink points out of it.
    """
    root_abs = Path(root).resolve()
    resolved = (root_abs / path).resolve()
    if resolved != root_abs and not resolved.is_relative_to(root_abs):
        raise ContainmentError(f"{path} leaves {root_abs} (it resolves to {resolved})")
    return resolved


_warned: set[tuple[str, str]] = set()


def warn_once(logger: logging.Logger, key: str, msg: str, *args: object) -> None:
    """Log ``msg`` as a WARNING the first time ``key`` is seen in this process, then DEBUG.

    Why: a batch of thousands of episodes with one broken encoder should say so once, not
    thousands of times; the later occurrences stay available at DEBUG.
    """
    seen = (logger.name, key)
    level = logging.DEBUG if seen in _warned else logging.WARNING
    _warned.add(seen)
    logger.log(level, msg, *args)


def reset_warnings() -> None:
    """Forget which warnings were given (tests use it to observe the first warning)."""
    _warned.clear()
