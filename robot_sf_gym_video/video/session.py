"""One wrapper's recording machinery: encoder status, recorder, the current take, results.

- ``Session``: owns the recorder (started at the first take, closed with the wrapper),
  the ``Take`` being recorded and the ``ResultBook``. It hands frames over, ends takes
  (finalise, wait or discard) and turns failures into skips. The wrapper decides *when*
  takes start and end (triggers, resets); the session does the rest.

With ``keep_episode`` every whole-episode take is *held*: it goes through the same hand-over,
but the recorder handle keeps its messages (``RecorderHandle.begin(hold_bytes=...)``) until
the episode's last step, where ``keep_episode(info)`` decides: kept, they are sent as a
normal episode (the same file as filming it live); not kept, they are dropped, with no
file and no result. An episode cut short (``reset()``/``close()`` mid-way) has no ending
``info`` and is dropped.

Everything here runs in the env's thread; drawing and encoding happen in the recorder.
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Callable
from typing import Any

from robot_sf_gym_video.fileops import remove_temps, warn_once
from robot_sf_gym_video.video._util import RecorderDiedError
from robot_sf_gym_video.video.backend import RecorderPlan, plan_status, start_recorder
from robot_sf_gym_video.video.capture import FrameSource, SnapshotPacker
from robot_sf_gym_video.video.probe import EncoderStatus
from robot_sf_gym_video.video.results import ResultBook, log_skip
from robot_sf_gym_video.video.settings import warn_existing_videos
from robot_sf_gym_video.video.take import Take

__all__ = ["Session"]

log = logging.getLogger(__name__)


class _Resources:
    """The recorder, kept apart so a finalizer can close it without the session."""

    def __init__(self) -> None:
        self.recorder: Any = None

    def shutdown(self) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is not None:
            try:
                recorder.close()
            except Exception as exc:  # never raise from a finalizer
                log.debug("recorder close failed: %s", exc)


def _skip_of(payload: dict[str, Any]) -> dict[str, Any] | None:
    return payload.get("video_skip") or payload.get("video_clip_skip")


class Session:
    """The recorder side of one ``VideoArtifactWrapper`` (see the module docstring).

    Args:
        plan: What to record and how.
        env: The wrapped env (SocialNav hooks or ``render()``).
        book: Where results go.
        packed_snapshot: SocialNav's per-step snapshot packer, else None.
        frames: The generic env's frame source.
        background: ``finalize="background"``: ending steps never wait for files.
        keep_episode: ``f(info) -> bool`` on an episode's last step: hold whole-episode
            takes until then and keep only those it accepts; None films them live.
    """

    def __init__(
        self,
        plan: RecorderPlan,
        env: Any,
        book: ResultBook,
        packed_snapshot: SnapshotPacker | None,
        frames: FrameSource,
        background: bool,
        keep_episode: Callable[[dict[str, Any]], bool] | None = None,
    ) -> None:
        self.plan = plan
        self.env = env
        self.book = book
        self.packed_snapshot = packed_snapshot
        self.frames = frames
        self.background = background
        self.keep_episode = keep_episode
        self.status: EncoderStatus | None = None
        self.take: Take | None = None
        #: Set once a SocialNav take has begun: the per-step hand-over, nothing else.
        self.push: Callable[[bytes], None] | None = None
        self._res = _Resources()
        self._finalizer: weakref.finalize | None = None
        self._recorder_error: str | None = None

    def prepare(self) -> None:
        """Create the folder (warning about files already there) and probe the encoder."""
        folder = self.plan.video_dir
        if self.plan.options.warn_existing_videos:
            warn_existing_videos(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # reported per take as unwritable-path
            log.debug("cannot create %s: %s", folder, exc)
        self.status = plan_status(self.plan)

    @property
    def recorder(self) -> Any:
        """The running recorder, or None."""
        return self._res.recorder

    def open(self, take: Take) -> None:
        """Make ``take`` the current take, starting (or restarting) the recorder if needed."""
        take.error = self._recorder_error
        take.held = self.keep_episode is not None and take.kind == "episode"
        self.take = take
        recorder = self._res.recorder
        if recorder is not None and not getattr(recorder, "alive", True):
            self._drop_dead_recorder(recorder)
        if self.status is not None and self.status.ok and self._res.recorder is None:
            self._start_recorder()

    def _drop_dead_recorder(self, recorder: Any) -> None:
        """Fail what a dead recorder still owed, remove its temp files, forget it.

        The take being opened then starts a new recorder, so one crash or stall costs
        only the takes in flight, with one warning per process naming the cause.
        """
        cause = recorder.cause()
        warn_once(log, "recorder-restart", "%s; starting a new one for the next video", cause)
        for result in recorder.poll():
            self.book.on_result(result)
        self.book.fail_pending(cause)
        pid = recorder.pid
        self._res.shutdown()
        if pid is not None:
            remove_temps(self.plan.video_dir, pid=pid)

    def _start_recorder(self) -> None:
        if self._recorder_error is not None:
            return
        try:
            self._res.recorder = start_recorder(self.plan, self.status)
        except (OSError, RuntimeError, ValueError) as exc:
            self._recorder_error = f"cannot start the video recorder: {exc}"
            if self.take is not None:
                self.take.error = self._recorder_error
            return
        if self._finalizer is None:
            self._finalizer = weakref.finalize(self, self._res.shutdown)

    def capture(self, take: Take) -> None:
        """Hand this step's frame (or the first snapshot of a take) to the recorder."""
        recorder = self._res.recorder
        if take.error is not None or recorder is None:
            return
        hold = self.plan.options.hold_max_bytes if take.held else None
        try:
            if self.packed_snapshot is not None:
                static = self.env.unwrapped.static_scene()
                if not take.begun:
                    self.packed_snapshot.restart()  # the recorder's decoder starts afresh
                    recorder.begin(take.name, take.final_path, take.report_path, static, hold)
                    take.begun = True
                elif take.scene_stale:
                    self.packed_snapshot.restart()
                    recorder.scene(static)
                take.scene_stale = False
                recorder.push(self.packed_snapshot())
                self.push = recorder.push
                return
            frame = self.frames.grab()
            if frame is None:
                take.frames -= 1  # an rgb_array_list render with no new frame
                return
            if not take.begun:
                recorder.begin(take.name, take.final_path, take.report_path, None, hold)
                take.begun = True
            recorder.push(frame)
        except RecorderDiedError as exc:
            self.fail_capture(take, str(exc))
        except Exception as exc:  # a broken frame source must not stop the episode
            self.fail_capture(take, f"capturing step {take.frames} failed: {exc!r}")

    def fail_capture(self, take: Take, message: str) -> None:
        """Stop handing frames over for ``take``; it ends as ``encode-error``."""
        take.error = message
        self.push = None

    def finish(self, complete: bool, in_info: bool = False, keep: bool = True) -> dict[str, Any]:
        """End the current take; return what goes into the ending step's ``info``.

        ``complete=False`` marks a take cut short (``reset()``/``close()`` mid-episode);
        with ``keep=False`` it is discarded without a result. Results not returned in
        ``info`` go to the ``ResultBook``. A held take is kept only when complete and
        ``keep`` (see ``keeps``); otherwise it leaves nothing at all.
        """
        take, self.take = self.take, None
        self.push = None
        clip, book = take.kind == "clip", self.book
        if take.held and not (complete and keep):
            log.debug("dropping held %s (%d frames)", take.name, take.frames)
            self._discard(take)
            return {}
        payload = self._skip_payload(take)
        if payload is None and not keep:
            log.info("discarding unfinished %s (%d frames)", take.name, take.frames)
            self._discard(take)
            return {}
        if payload is None:
            try:
                self._res.recorder.end(take.frames)
                book.expect(
                    take.name,
                    clip=clip,
                    first_step=take.first_step,
                    complete=complete,
                    frames=take.frames,
                )
            except RecorderDiedError as exc:
                payload = book.skip("encode-error", str(exc), take.frames, clip=clip)
        pending = {"video_clip_pending" if clip else "video_pending": take.name}
        if payload is not None and (not in_info or self.background):
            book.deliver(take.name, payload)
            return pending if in_info else {}
        if payload is not None:
            log_skip(take.name, _skip_of(payload))
            return self._with_clip_callback(take, payload)
        if not in_info:
            return {}
        if self.background:
            return pending
        return self._with_clip_callback(take, self._wait_for(take))

    def keeps(self, take: Take, info: dict[str, Any]) -> bool:
        """Whether ``take``, ending on a step with this ``info``, is kept (True unless held).

        A ``keep_episode`` that raises keeps the take: a video too many is the safe side.
        """
        if not take.held or self.keep_episode is None:
            return True
        try:
            return bool(self.keep_episode(info))
        except Exception as exc:
            warn_once(log, "keep-episode", "keep_episode raised %r; keeping the video", exc)
            return True

    def _skip_payload(self, take: Take) -> dict[str, Any] | None:
        """Return the payload of a take that cannot give a file, or None when it can."""
        status, book, clip = self.status, self.book, take.kind == "clip"
        first = take.first_step
        if status is None or not status.ok:
            reason = status.reason if status is not None else "codec-unavailable"
            message = status.message if status is not None else "encoder not probed"
            return book.skip(reason, message, take.frames, clip=clip, first_step=first)
        if take.frames == 0:
            return book.skip("no-frames", "", 0, clip=clip, first_step=first)
        if take.error is not None or not take.begun:
            self._discard(take)
            message = take.error or "no frame reached the recorder"
            return book.skip("encode-error", message, take.frames, clip=clip, first_step=first)
        return None

    def _with_clip_callback(self, take: Take, payload: dict[str, Any]) -> dict[str, Any]:
        """Clips also go to ``on_artifact`` when their result is returned in ``info``."""
        if take.kind == "clip" and self.book.on_artifact is not None:
            self.book.on_artifact(take.name, payload)
        return payload

    def _wait_for(self, take: Take) -> dict[str, Any]:
        """Block until ``take``'s result arrives; earlier results are delivered on the way."""
        book, name = self.book, take.name
        while name in book.pending:
            try:
                result = self._res.recorder.wait()
            except RecorderDiedError as exc:
                payload = book.no_result(name, str(exc))
                book.fail_pending(str(exc))
                return payload
            if result["episode_id"] == name and book.pending[0] == name:
                payload = book.account(result)
                skip = _skip_of(payload)
                if skip is not None:
                    log_skip(name, skip)
                return payload
            book.on_result(result)
        return book.no_result(name, "result lost")  # pragma: no cover

    def _discard(self, take: Take) -> None:
        if take.begun and self._res.recorder is not None:
            with contextlib.suppress(RecorderDiedError):
                self._res.recorder.discard()

    def drain(self) -> None:
        """Deliver results that are ready, without waiting."""
        recorder = self._res.recorder
        if recorder is not None and self.book.pending:
            for result in recorder.poll():
                self.book.on_result(result)

    def collect(self, wait: bool) -> list[tuple[str, dict[str, Any]]]:
        """Return undelivered results (see ``VideoArtifactWrapper.collect_artifacts``)."""
        self.drain()
        book = self.book
        while wait and book.pending and self._res.recorder is not None:
            try:
                book.on_result(self._res.recorder.wait())
            except RecorderDiedError as exc:
                book.fail_pending(str(exc))
        return book.take_ready()

    def close(self, keep_unfinished: bool) -> None:
        """End the current take, let the recorder finish owed files, stop it."""
        if self.take is not None and self.take.frames:
            self.finish(complete=False, keep=keep_unfinished)
        recorder = self._res.recorder
        if recorder is not None:
            self._res.shutdown()
            for result in recorder.poll():
                self.book.on_result(result)
            self.book.fail_pending("the recorder was closed")
        if self.take is not None:  # no frame yet: a no-frames skip, after older results
            self.finish(complete=False)
        if self._finalizer is not None:
            self._finalizer.detach()
        self.frames.clear()
