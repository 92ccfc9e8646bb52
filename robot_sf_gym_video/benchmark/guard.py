"""Keeping a run inside its directory: the run lock, containment checks, owned files.

- ``RunDirLock(run_dir)``: context manager holding an exclusive ``flock`` on
  ``DIR/.lock`` for the whole batch; a second holder gets one ``UsageError`` naming the
  pid. The kernel drops the lock when the run's last process dies (forked workers and
  recorders share it, so none of them can still be writing when another run starts), so
  a killed run never leaves a stale lock behind.
- ``check_writable(run_dir)``: prove at start-up that files can be created in ``DIR``.
- ``check_contained(run_dir)``: refuse a ``videos/`` or ``actions/`` folder, or a run file,
  that is a symlink or resolves outside ``DIR``.
- ``owned_files(run_dir, episode_ids)``: the files this package made in ``DIR`` for those
  episodes (plus the run's own files and every temp file); ``--overwrite`` deletes only
  these.

Why: two runs on one ``DIR`` would interleave or drop each other's records; a symlinked
``videos/`` would make the run write and delete files outside ``DIR``. ``validate`` and
``report`` only read, so they need no lock.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

from robot_sf_gym_video.errors import UsageError
from robot_sf_gym_video.fileops import TEMP_GLOB, claim_temp

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock (documented)
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "LOCK_FILENAME",
    "RUN_FILES",
    "RUN_SUBDIRS",
    "RunDirLock",
    "check_contained",
    "check_writable",
    "owned_files",
]

LOCK_FILENAME = ".lock"
#: Files of ``DIR`` itself that the package writes (records, manifest, report).
RUN_FILES: tuple[str, ...] = ("episodes.jsonl", "run.json", "report.html")
#: Folders of ``DIR`` the package writes into, with the per-episode file suffixes in each.
RUN_SUBDIRS: dict[str, tuple[str, ...]] = {
    "videos": (".mp4", ".poster.png"),
    "actions": (".npy",),
}


class RunDirLock:
    """Exclusive lock on a run directory, held from start-up to the end of the batch.

    Raises (on enter):
        UsageError: another process holds the lock (its pid is named), or the lock file
            cannot be created.
    """

    def __init__(self, run_dir: str | os.PathLike[str]) -> None:
        self.path = Path(run_dir) / LOCK_FILENAME
        self._fd = -1

    def __enter__(self) -> RunDirLock:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            raise UsageError(f"cannot create lock file {self.path}: {exc.strerror}") from exc
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _read_pid(fd)
                os.close(fd)
                who = f"pid {holder}" if holder else "another process"
                raise UsageError(
                    f"{self.path.parent} is in use by {who} (another robot-sf-bench run); "
                    "wait for it to finish or use another --out"
                ) from None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)  # closing drops the flock; the file stays (removing it would race)


def _read_pid(fd: int) -> str:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        if text.isdigit():
            return text
    return ""


def check_writable(run_dir: Path) -> None:
    """Create and remove a temp file in ``run_dir``; a failure is a start-up error.

    Raises:
        UsageError: ``run_dir`` cannot be written (read-only, no permission, full), naming
            the path and the OS reason.
    """
    try:
        probe = claim_temp(run_dir / ".write-probe")
    except OSError as exc:
        raise UsageError(f"cannot write to run directory {run_dir}: {exc.strerror}") from exc
    with contextlib.suppress(OSError):
        probe.unlink()


def check_contained(run_dir: Path) -> None:
    """Refuse run folders and files that are symlinks or lead outside ``run_dir``.

    Raises:
        UsageError: e.g. ``videos/`` is a symlink, or ``episodes.jsonl`` links elsewhere.
    """
    root = run_dir.resolve()
    for name in (*RUN_SUBDIRS, *RUN_FILES):
        path = root / name
        if path.is_symlink():
            target = os.readlink(path)
            raise UsageError(
                f"{path} is a symlink (to {target}); the run only writes inside {root}, "
                "so replace it with a real folder or file, or use another --out"
            )
        if path.exists() and not path.resolve().is_relative_to(root):
            raise UsageError(f"{path} resolves outside the run directory {root}")


def owned_files(run_dir: Path, episode_ids: Iterable[str]) -> Iterator[Path]:
    """Yield the existing files this package made in ``run_dir`` for ``episode_ids``.

    That is: the run files (``RUN_FILES``), each episode's video, poster and action log,
    and every temp file (``fileops.TEMP_GLOB``) in ``DIR`` and its run folders. Nothing
    else (a user's own files in ``videos/`` stay) and never through a symlinked folder.
    """
    root = run_dir.resolve()
    ids = set(episode_ids)
    for name in RUN_FILES:
        if (root / name).is_file() or (root / name).is_symlink():
            yield root / name
    yield from _temps(root)
    for sub, suffixes in RUN_SUBDIRS.items():
        folder = root / sub
        if folder.is_symlink() or not folder.is_dir():
            continue
        for eid in sorted(ids):
            for suffix in suffixes:
                path = folder / f"{eid}{suffix}"
                if path.is_file() or path.is_symlink():
                    yield path
        yield from _temps(folder)


def _temps(folder: Path) -> Iterator[Path]:
    for path in folder.glob(TEMP_GLOB):
        if path.is_file() or path.is_symlink():
            yield path
