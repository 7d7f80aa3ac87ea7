"""Exact queueing models: Erlang B, C and A, and analytic staffing. Never imports SimPy."""

from sim.analytic.erlang import QueueFigures, erlang_b, erlang_c, erlang_c_figures
from sim.analytic.erlang_a import erlang_a_figures
from sim.analytic.staffing import agents_for_service_level, smallest_meeting, square_root_staffing

__all__ = [
    "QueueFigures",
    "agents_for_service_level",
    "erlang_a_figures",
    "erlang_b",
    "erlang_c",
    "erlang_c_figures",
    "smallest_meeting",
    "square_root_staffing",
]
