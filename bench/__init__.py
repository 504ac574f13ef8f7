"""Benchmarks (not tests): ``python -m bench`` prints figures for stamps and the scan page."""
