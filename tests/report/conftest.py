"""Fixtures for report tests: real MP4s from the bundled ffmpeg, contract-shaped records,
and a headless Chromium (Debian ``chromium`` driven by playwright) with a local server.

The browser fixtures skip with a reason when playwright or the browser is missing;
``.ci/run`` installs both. Run dirs are served over http://127.0.0.1 (ephemeral port)
because ``file://`` media loading is flaky in headless Chromium.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import os
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("ROBOT_SF_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_LIFETIME_S = 180.0

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="session")
def ffmpeg_exe() -> str:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    return imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture
def make_mp4(ffmpeg_exe: str) -> Callable[..., Path]:
    """Write an H.264 MP4 of ``frames`` test-pattern frames at ``fps``."""

    def make(path: Path, frames: int, *, fps: int = 10, size: str = "320x240") -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [ffmpeg_exe, "-nostdin", "-v", "error", "-y", "-f", "lavfi"]
        cmd += ["-i", f"testsrc=size={size}:rate={fps}", "-frames:v", str(frames)]
        cmd += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
        return path

    return make


def record(
    scenario: str,
    seed: int,
    idx: int,
    outcome: str,
    *,
    steps: int = 30,
    ttg: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A contract-shaped episode record (no video fields)."""
    rec: dict[str, Any] = {
        "schema_version": "episode.v2",
        "episode_id": f"{scenario}__{seed}__{idx}",
        "scenario": scenario,
        "seed": seed,
        "episode_idx": idx,
        "steps": steps,
        "outcome": outcome,
        "metrics": {
            "time_to_goal_s": ttg,
            "path_length_m": 4.0 + idx,
            "min_ped_distance_m": 0.5 + 0.1 * idx,
            "path_efficiency": 0.9,
            "avg_speed_mps": 0.8,
        },
        "wall_time_s": 0.25,
    }
    rec.update(extra)
    return rec


def video_field(run_dir: Path, rel: str, frames: int) -> dict[str, Any]:
    data = (run_dir / rel).read_bytes()
    return {
        "path": rel,
        "format": "mp4",
        "filesize_bytes": len(data),
        "frames": frames,
        "renderer": "synthetic",
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def write_jsonl(run_dir: Path, records: list[dict[str, Any]], tail: str = "") -> Path:
    path = run_dir / "episodes.jsonl"
    lines = "".join(json.dumps(r) + "\n" for r in records)
    path.write_text(lines + tail, encoding="utf-8")
    return path


@pytest.fixture
def video_run(tmp_path: Path, make_mp4: Callable[..., Path]) -> tuple[Path, list[dict[str, Any]]]:
    """A run dir with four playable videos (one hostile scenario) and one skipped video."""
    run_dir = tmp_path / "run"
    specs = [
        ("crossing", 11, 0, "success", 30, 3.0),
        ("crossing", 12, 1, "collision", 17, None),
        ("corridor", 21, 0, "timeout", 40, None),
        (HOSTILE, 31, 0, "success", 23, 2.3),
    ]
    records = []
    for scenario, seed, idx, outcome, steps, ttg in specs:
        rec = record(scenario, seed, idx, outcome, steps=steps, ttg=ttg)
        safe = "".join(c if c.isalnum() or c in "._-" else "-" for c in rec["episode_id"])
        rel = f"videos/{safe}.mp4"
        make_mp4(run_dir / rel, steps)
        rec["video"] = video_field(run_dir, rel, steps)
        records.append(rec)
    skipped = record("corridor", 22, 1, "success", steps=12, ttg=1.2)
    skipped["video_skip"] = {
        "reason": "encode-error",
        "message": "ffmpeg exited 1 <broken pipe>",
        "renderer": "synthetic",
        "steps": 12,
    }
    records.append(skipped)
    write_jsonl(run_dir, records)
    return run_dir, records


@pytest.fixture
def make_record() -> Callable[..., dict[str, Any]]:
    return record


@pytest.fixture
def write_records() -> Callable[..., Path]:
    return write_jsonl


@pytest.fixture
def video_of() -> Callable[..., dict[str, Any]]:
    return video_field


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static server that answers byte-range requests, as real web servers do.

    Chromium can only seek a video whose server honours ``Range`` (the standard library's
    handler ignores it, so ``currentTime = t`` may land at 0): seeking tests need this.
    """

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if match is None or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        start = int(match.group(1))
        end = min(int(match.group(2) or size - 1), size - 1)
        if start > end:
            self.send_error(416, "range not satisfiable")
            return None
        with path.open("rb") as handle:
            handle.seek(start)
            body = handle.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)  # copied to the socket by do_GET (do_HEAD drops it)

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        super().end_headers()


@pytest.fixture
def serve() -> Iterator[Any]:
    """Serve a directory on 127.0.0.1:<ephemeral>; the server stops itself after a while."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(directory: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        watchdog = threading.Timer(SERVER_LIFETIME_S, server.shutdown)
        watchdog.daemon = True
        watchdog.start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser_page() -> Iterator[Any]:
    """A page of a headless Chromium (1440x1000), closed after the test."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright not installed: pip install -e '.[test]'"
    )
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set ROBOT_SF_CHROMIUM)"
        )
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            yield page
        finally:
            browser.close()
