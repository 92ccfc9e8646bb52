"""Gymnasium layer: typed config and ``SocialNavEnv`` (spaces, reset/step, render)."""
