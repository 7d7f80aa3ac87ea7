"""What ``demandsim hypercube`` prints: the model's figures as rich tables, or one JSON object."""

from __future__ import annotations

import json
import math
from typing import Any

from rich.table import Table

from sim.cli.output import out

#: Up to this many units, the dispatch table has a column per unit; beyond, it
#: shows each atom's first choice and the rest together, to stay readable.
UNIT_COLUMNS = 10


def _minutes(value: float | None) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.1f}"


def _percent(share: float) -> str:
    # A share too small for two decimals still says it is not zero.
    return f"{share:.2%}" if share == 0.0 or share >= 5e-5 else f"{100 * share:.1e}%"


def hypercube_json(outcome: Any) -> dict[str, Any]:
    """Every figure of a solved hypercube file, keyed by unit and atom ids."""
    inputs, sol = outcome.inputs, outcome.solution
    units, atoms = inputs.unit_ids, inputs.atom_ids
    result: dict[str, Any] = {
        "method": sol.method,
        "capacity": sol.capacity,
        "offered_load_erlangs": float(inputs.rates_per_hour.sum() / inputs.service_rate_per_hour),
        "all_busy": sol.all_busy,
        "lost_fraction": sol.lost_fraction,
        "queued_fraction": sol.queued_fraction,
        "workloads": dict(zip(units, sol.workloads.tolist(), strict=True)),
        "dispatch_fractions": {
            atom: dict(zip(units, row.tolist(), strict=True))
            for atom, row in zip(atoms, sol.dispatch_fractions, strict=True)
        },
        # Larson's f_nj: the share of all dispatched calls that send the unit to the atom.
        "dispatch_shares": {
            atom: dict(zip(units, row.tolist(), strict=True))
            for atom, row in zip(atoms, sol.dispatch_shares, strict=True)
        },
    }
    if sol.mean_travel_min is not None:
        result["mean_travel_min"] = sol.mean_travel_min
        result["atom_travel_min"] = dict(zip(atoms, sol.atom_travel_min.tolist(), strict=True))
        result["unit_travel_min"] = {
            unit: (None if math.isnan(t) else t)
            for unit, t in zip(units, sol.unit_travel_min.tolist(), strict=True)
        }
    if sol.state_probabilities is not None and len(units) <= 4:
        # 2^N entries: shown for small fleets only, keyed by the busy units.
        result["state_probabilities"] = {
            ",".join(u for n, u in enumerate(units) if state >> n & 1) or "none busy": p
            for state, p in enumerate(sol.state_probabilities.tolist())
        }
    return result


def print_hypercube(outcome: Any, json_output: bool = False) -> None:
    """Print the summary, the units' workloads and the atoms' dispatch fractions."""
    if json_output:
        out.print_json(json.dumps(hypercube_json(outcome)))
        return
    inputs, sol = outcome.inputs, outcome.solution
    load = inputs.rates_per_hour.sum() / inputs.service_rate_per_hour
    unserved = "lost" if sol.capacity == "zero line" else "queued"
    summary = [
        ("model", f"{sol.method} hypercube, {sol.capacity}"),
        ("units, atoms", f"{len(inputs.unit_ids)}, {len(inputs.atom_ids)}"),
        ("offered load", f"{load:.3f} Erlangs ({inputs.rates_per_hour.sum():g} calls per hour)"),
        (f"calls {unserved} (every unit busy)", _percent(sol.all_busy)),
    ]
    if sol.mean_travel_min is not None:
        summary.append(("mean travel time", f"{sol.mean_travel_min:.2f} min"))
    width = max(len(label) for label, _ in summary) + 2
    for label, value in summary:
        out.print(f"{label + ':':<{width}}{value}", highlight=False, markup=False)

    units = Table(title="units")
    for name in ("unit", "workload (%)", "calls per hour", "mean travel (min)"):
        units.add_column(name, justify="left" if name == "unit" else "right")
    served = (inputs.rates_per_hour[:, None] * sol.dispatch_fractions).sum(axis=0)
    travel = sol.unit_travel_min
    for n, unit in enumerate(inputs.unit_ids):
        units.add_row(
            unit,
            f"{sol.workloads[n]:.1%}".removesuffix("%"),
            f"{served[n]:.3f}",
            _minutes(None if travel is None else float(travel[n])),
        )
    out.print(units)
    out.print(_dispatch_table(outcome, unserved))


def _dispatch_table(outcome: Any, unserved: str) -> Table:
    inputs, sol = outcome.inputs, outcome.solution
    wide = len(inputs.unit_ids) <= UNIT_COLUMNS
    table = Table(title="share of each atom's calls served by each unit (%)")
    table.add_column("atom")
    table.add_column("calls per hour", justify="right")
    if wide:
        for unit in inputs.unit_ids:
            table.add_column(unit, justify="right")
    else:
        table.add_column("first choice", justify="left")
        table.add_column("by first choice", justify="right")
        table.add_column("by others", justify="right")
    table.add_column(unserved, justify="right")
    table.add_column("mean travel (min)", justify="right")
    if unserved == "queued":
        table.caption = (
            "queued calls are in the units' shares too: the first unit to clear takes them"
        )
    for j, atom in enumerate(inputs.atom_ids):
        row = sol.dispatch_fractions[j]
        if wide:
            cells = [f"{100 * f:.1f}" for f in row]
        else:
            first = inputs.preferences[j][0]
            cells = [
                inputs.unit_ids[first],
                f"{100 * row[first]:.1f}",
                f"{100 * (row.sum() - row[first]):.1f}",
            ]
        travel = None if sol.atom_travel_min is None else float(sol.atom_travel_min[j])
        table.add_row(
            atom,
            f"{inputs.rates_per_hour[j]:g}",
            *cells,
            f"{100 * (sol.lost_fraction or sol.queued_fraction):.1f}",
            _minutes(travel),
        )
    return table
