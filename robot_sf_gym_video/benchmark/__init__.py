"""Benchmark runner (library), metrics budget and the thin ``robot-sf-bench`` CLI."""
