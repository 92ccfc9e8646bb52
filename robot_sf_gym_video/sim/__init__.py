"""Pure-numpy simulation: world, robot kinematics, social-force pedestrians, scenarios.

Imports neither gymnasium nor pygame; knows nothing about rendering.
"""
