"""Benchmarks for bpnet: run with ``python -m benchmarks`` (see benchmarks/README.md)."""
