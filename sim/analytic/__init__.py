"""Exact queueing models: Erlang B, C and A, and square-root staffing. Never imports SimPy."""
