"""Benchmark scripts, each run as a module: `python -m bench.quality`."""
