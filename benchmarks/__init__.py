"""Benchmarks of demandsim against other ways of computing the same thing.

Run them with ``make bench`` (``benchmarks/run.py``); see ``benchmarks/README.md``.
"""
