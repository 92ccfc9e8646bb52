"""Streaming MP4 recording: writers, recorders and ``VideoArtifactWrapper``.

- ``wrapper``: ``VideoArtifactWrapper``, the Gymnasium wrapper users see.
- ``snapshot_recorder``: SocialNav path; a forked recorder process draws and encodes
  state snapshots handed over by the env's thread.
- ``frame_recorder``: any ``rgb_array`` env; a writer thread encodes ``render()`` frames.
- ``encoder``: per-episode bookkeeping shared by both (warm spare ffmpeg, skip reasons, hash).
- ``ffmpeg``: the once-per-process encoder probe and ``FfmpegStreamWriter``.
- ``writer``: the ``FrameWriter`` protocol (the test seam) and writer errors.
- ``frames``: ``render()`` arrays to contiguous, even-sized RGB.
- ``artifact``: ``VideoArtifact`` / ``VideoSkip``, the record's ``video`` / ``video_skip``.
- ``naming``: sanitised ``<scenario>__<seed>__<episode_idx>`` names that cannot escape.

Nothing here imports moviepy, pygame or PyAV at import time; see ``docs/wrapper.md``.
"""
