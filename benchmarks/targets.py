"""The closing table of a benchmark run: every target of issue 20, measured in this run.

Each figure is a ratio of CPU times measured in the same ``run.py`` run (or a
peak memory, or a wall time for the help), printed with its target and whether it
is met. Figures whose benchmark did not run (``--only``) are left out.
"""

from __future__ import annotations

from typing import Any

from benchmarks.common import Section, Table, verdict

#: The full model's CPU time per call attempt over plain SimPy's per call on the
#: kernel benchmark: at most this.
COST_PER_CALL_TARGET = 0.5


def _cost_per_call(model: dict[str, Any], plain_us: float) -> dict[str, Any]:
    ratio = model["cpu_us_per_call"] / plain_us
    return {"ratio": ratio, "target": COST_PER_CALL_TARGET, "met": ratio <= COST_PER_CALL_TARGET}


def summary(sections: list[Section]) -> Section | None:
    """The targets section, from the other sections' data (``None`` if none applies)."""
    data = {section.key: section.data for section in sections}
    rows: list[list[str]] = []
    figures: dict[str, Any] = {}

    def add(key: str, label: str, measured: str, target: str, met: bool | None) -> None:
        rows.append([label, measured, target, verdict(met)])
        figures[key] = {"measured": measured, "target": target, "met": met}

    kernel = data.get("mmc_kernel")
    plain_us = None
    if kernel is not None:
        plain_us = kernel["contenders"]["plain SimPy"]["cpu_us_per_call"]
        for name, target in kernel["targets"].items():
            if name == "no-engine reference":
                add(
                    "reference_vs_kernel",
                    "no-engine reference vs the kernel (kernel CPU time / reference's)",
                    f"{target['ratio']:.2f}×",
                    f"≤ {target['target']:g}×",
                    target["met"],
                )
            else:
                add(
                    f"kernel_vs_{name}",
                    f"kernel vs {name} ({name}'s CPU time / the kernel's)",
                    f"{target['ratio']:.2f}×",
                    f"≥ {target['target']:g}×",
                    target["met"],
                )
    for key, label in (("full_year", "Northumbria year"), ("full_model_demo", "demo, 4 weeks")):
        model = data.get(key)
        if model is None:
            continue
        if plain_us is not None:
            cost = _cost_per_call(model, plain_us)
            add(
                f"{key}_cost_per_call",
                f"{label}: CPU per call attempt vs plain SimPy's per call (kernel)",
                f"{model['cpu_us_per_call']:.1f} / {plain_us:.1f} µs = {cost['ratio']:.2f}",
                f"≤ {COST_PER_CALL_TARGET:g}",
                cost["met"],
            )
        add(
            f"{key}_events_per_call",
            f"{label}: SimPy events per call attempt",
            f"{model['events_per_call']:.2f}",
            "(reported)",
            None,
        )
        add(
            f"{key}_peak_memory",
            f"{label}: peak memory",
            f"{model['peak_rss_mib']:.0f} MiB",
            "< 1024 MiB",
            model["peak_rss_mib"] < 1024,
        )
    if kernel is not None:
        ours = kernel["contenders"]["ours"]
        add(
            "kernel_events_per_call",
            "kernel: SimPy events per call",
            f"{ours['events_per_call']:.2f}",
            "(reported)",
            None,
        )
    cli = data.get("cli_help")
    if cli is not None:
        add(
            "cli_help",
            "`demandsim --help` (wall time, fresh process)",
            f"{cli['wall_s']:.3f} s",
            f"< {cli['target_s']:g} s",
            cli["met"],
        )
    if not rows:
        return None
    return Section(
        key="targets",
        title="Targets (issue 20), all from this run",
        description=(
            "Speed figures are ratios of CPU times measured in this one run (the year and "
            "the demo in child processes on one CPU, the kernel contenders in the parent), "
            "so that the load other users put on a shared machine cancels out as far as "
            'it can; "(reported)" rows have no target.'
        ),
        tables=[Table("", ["figure", "measured", "target", "verdict"], rows)],
        data=figures,
    )
