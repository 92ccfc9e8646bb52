"""Streaming MP4 recording: writers, recorders and ``VideoArtifactWrapper``.

- ``wrapper``: ``VideoArtifactWrapper``, the Gymnasium wrapper users see (a drop-in for
  ``RecordVideo``: triggers, clips, ``rgb_array_list``, rebuildable from its spec).
- ``options``: its vocabularies, option checks and ``RecorderOptions`` (backend knobs).
- ``take``: the file being recorded (``Take``) and ``RecordVideo``'s triggers.
- ``session``: the wrapper's recorder side: hands frames over, ends takes, makes skips.
- ``results``: pending files, delivery (``info``, ``on_artifact``, ``collect_artifacts``).
- ``backend``: which recorder a wrapper starts, and whether its path needs moviepy.
- ``capture`` / ``settings``: frame sources and env-derived defaults.
- ``probe``: what this machine can encode (ffmpeg probe, moviepy import check).
- ``snapshot_recorder``: SocialNav path; a forked recorder process draws and encodes
  state snapshots handed over by the env's thread.
- ``frame_recorder``: any ``rgb_array`` env; a writer thread encodes ``render()`` frames.
- ``encoder``: per-episode bookkeeping shared by both (warm spare ffmpeg, skip reasons, hash).
- ``ffmpeg``: ``FfmpegStreamWriter`` (rgb24 through moviepy's writer, yuv420p direct).
- ``writer``: the ``FrameWriter`` protocol (the test seam) and writer errors.
- ``frames``: ``render()`` arrays to contiguous, even-sized RGB.
- ``artifact``: ``VideoArtifact`` / ``VideoSkip``, the record's ``video`` / ``video_skip``.
- ``naming``: sanitised ``<scenario>__<seed>__<episode_idx>`` names that cannot escape.

Nothing here imports moviepy, pygame or PyAV at import time; see ``docs/wrapper.md``.
"""
