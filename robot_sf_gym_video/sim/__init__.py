"""Pure-numpy simulation: world, robot kinematics, social-force pedestrians, scenarios.

Imports neither gymnasium nor pygame; knows nothing about rendering.

- ``scenarios``: typed scenario specs, TOML loading/validation, ``list_scenarios``.
- ``world``: bounds and obstacles as precomputed segment arrays.
- ``robot``: unicycle kinematics with speed and acceleration limits.
- ``pedestrians``: the vectorised social-force crowd; ``flows``: routes and recycling.
- ``lidar``: vectorised 360-degree ray casting; ``trail``: bounded robot path history.
- ``simulator``: one scenario stepped in time (collisions, distances, sensing).
- ``metrics``: streaming per-episode metrics.
- ``snapshot``: the immutable views renderers and recorders read.
"""
