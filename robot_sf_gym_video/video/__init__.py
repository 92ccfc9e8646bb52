"""Streaming MP4 writers, the recorder and ``VideoArtifactWrapper``."""
