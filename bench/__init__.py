"""Benchmarks: run with `just bench` (python -m bench). Results go to bench/RESULTS.md."""
