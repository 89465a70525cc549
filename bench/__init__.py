"""Benchmarks: `python -m bench.<name>` prints a markdown table and saves
bench/results/<name>.json."""
