"""The file ``demandsim hypercube FILE`` reads: units, atoms, rates, preferences, travel.

A small YAML file, validated like a scenario (every problem at once, each with
the file and the field path)::

    service_rate_per_hour: 2        # mu: calls one unit clears per hour
    capacity: zero line             # or: infinite line
    units: [car-1, car-2]
    atoms:
      - {id: north, calls_per_hour: 1, preferences: [car-1, car-2]}
      - {id: south, calls_per_hour: 1, preferences: [car-2, car-1]}
    travel_min:                     # optional; or travel_csv: travel.csv
      north: {car-1: 2, car-2: 6}
      south: {car-1: 6, car-2: 2}

An atom's ``preferences`` list every unit once, first choice first; with a travel
matrix they may be left out, and are then every unit by travel time from its
home, nearest first (ties: the order of ``units``). ``travel_csv`` is a CSV file,
relative to the YAML file, with a header ``atom,<unit id>,...`` and one row of
minutes per atom. Never imports the model: :func:`load_hypercube` returns plain
numbers for :mod:`sim.analytic.hypercube`.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from sim.config.base import CrossFieldError, FrozenModel, Identifier, NotBool
from sim.config.messages import problems_from_validation
from sim.config.safe_yaml import read_yaml_file
from sim.errors import InputError, Problem
from sim.files import not_a_regular_file

#: The analytic model's limits (sim.analytic.hypercube), repeated as config bounds
#: would import the analytic layer, which config sits beside, not above.
EXACT_UNITS_LIMIT = 12
UNITS_LIMIT = 1_000
ATOMS_LIMIT = 10_000
#: Largest CSV travel file read: 10,000 atoms x 1,000 units of short numbers is far less.
MAX_TRAVEL_CSV_BYTES = 50_000_000

AtomCallsPerHour = Annotated[float, Field(ge=0, le=1e6, allow_inf_nan=False), NotBool]
TravelMinutes = Annotated[float, Field(ge=0, le=1e5, allow_inf_nan=False), NotBool]


class HypercubeAtom(FrozenModel):
    """One atom (beat, sector): its Poisson call rate and its dispatch preferences."""

    id: Identifier
    calls_per_hour: AtomCallsPerHour
    preferences: list[Identifier] | None = None


class HypercubeFile(FrozenModel):
    """A hypercube model as written in its YAML file (see the module docstring)."""

    service_rate_per_hour: Annotated[float, Field(gt=0, le=1e6, allow_inf_nan=False), NotBool]
    capacity: Literal["zero line", "infinite line"]
    method: Literal["auto", "exact", "approximate"] = "auto"
    units: list[Identifier] = Field(min_length=1, max_length=UNITS_LIMIT)
    atoms: list[HypercubeAtom] = Field(min_length=1, max_length=ATOMS_LIMIT)
    travel_min: dict[str, dict[str, TravelMinutes]] | None = None
    travel_csv: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> HypercubeFile:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        units = set(self.units)
        if len(units) != len(self.units):
            repeated = sorted({u for u in self.units if self.units.count(u) > 1})
            problems.append((("units",), f"repeats {', '.join(repeated)}; expected unique ids"))
        ids = [a.id for a in self.atoms]
        if len(set(ids)) != len(ids):
            repeated = sorted({a for a in ids if ids.count(a) > 1})
            problems.append(
                (("atoms",), f"repeats atom {', '.join(repeated)}; expected unique ids")
            )
        has_travel = self.travel_min is not None or self.travel_csv is not None
        if self.travel_min is not None and self.travel_csv is not None:
            problems.append((("travel_csv",), "give travel_min or travel_csv, not both"))
        for index, atom in enumerate(self.atoms):
            if atom.preferences is None:
                if not has_travel:
                    problems.append(
                        (
                            ("atoms", index, "preferences"),
                            "missing; expected every unit once, first choice first "
                            "(or a travel matrix to order them by)",
                        )
                    )
            elif sorted(atom.preferences) != sorted(self.units):
                missing = sorted(units - set(atom.preferences))
                extra = sorted(set(atom.preferences) - units)
                said = [f"missing {', '.join(missing)}"] if missing else []
                said += [f"not a unit: {', '.join(extra)}"] if extra else []
                if not said:
                    said = ["lists a unit twice"]
                problems.append(
                    (
                        ("atoms", index, "preferences"),
                        f"{'; '.join(said)}; expected every unit of units once",
                    )
                )
        if self.travel_min is not None:
            problems += _matrix_problems(self.travel_min, ids, self.units)
        if self.method == "exact" and len(self.units) > EXACT_UNITS_LIMIT:
            problems.append(
                (
                    ("method",),
                    f"is exact with {len(self.units)} units; the exact model solves at most "
                    f"{EXACT_UNITS_LIMIT} (2^N states): expected auto or approximate",
                )
            )
        offered = sum(a.calls_per_hour for a in self.atoms)
        capacity = len(self.units) * self.service_rate_per_hour
        if offered <= 0:
            problems.append((("atoms",), "has no calls (every calls_per_hour is 0)"))
        elif self.capacity == "infinite line" and offered >= capacity:
            problems.append(
                (
                    ("capacity",),
                    f"is infinite line, but {offered:g} calls per hour exceed what "
                    f"{len(self.units)} units clear ({capacity:g} per hour): the queue would "
                    "grow for ever; expected zero line, more units or a higher service rate",
                )
            )
        if problems:
            raise CrossFieldError(problems)
        return self


def _matrix_problems(
    matrix: dict[str, dict[str, float]], atoms: list[str], units: list[str]
) -> list[tuple[tuple[str | int, ...], str]]:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for atom in atoms:
        row = matrix.get(atom)
        if row is None:
            problems.append((("travel_min", atom), "missing; expected minutes to every unit"))
            continue
        missing = [u for u in units if u not in row]
        if missing:
            problems.append((("travel_min", atom), f"has no time for {', '.join(missing)}"))
        for unit in sorted(set(row) - set(units)):
            problems.append((("travel_min", atom, unit), "is not one of units"))
    for atom in sorted(set(matrix) - set(atoms)):
        problems.append((("travel_min", atom), "is not one of the atoms"))
    return problems


@dataclass(frozen=True, eq=False)
class HypercubeInputs:
    """A validated hypercube file as the numbers the analytic model takes.

    Attributes
    ----------
    unit_ids, atom_ids : tuple of str
        Names, in the order of the arrays.
    rates_per_hour : numpy.ndarray
        Calls per hour per atom, shape (J,).
    service_rate_per_hour : float
        mu, calls per hour per unit.
    preferences : tuple of tuple of int
        Unit indices per atom, first choice first.
    capacity : str
        ``'zero line'`` or ``'infinite line'``.
    method : str
        ``'auto'``, ``'exact'`` or ``'approximate'``.
    travel_min : numpy.ndarray or None
        Minutes from each unit's home to each atom, shape (J, N).
    """

    unit_ids: tuple[str, ...]
    atom_ids: tuple[str, ...]
    rates_per_hour: np.ndarray
    service_rate_per_hour: float
    preferences: tuple[tuple[int, ...], ...]
    capacity: str
    method: str
    travel_min: np.ndarray | None


def read_travel_csv(path: Path, atoms: list[str], units: list[str]) -> np.ndarray:
    """Minutes per atom (rows) and unit (columns) from a ``atom,<unit>,...`` CSV file.

    Raises
    ------
    InputError
        Naming the file and the row or column of every problem.
    """
    source = str(path)
    reason = not_a_regular_file(path)
    if reason is None and path.stat().st_size > MAX_TRAVEL_CSV_BYTES:
        reason = f"is over {MAX_TRAVEL_CSV_BYTES:,} bytes; expected a travel-time CSV"
    if reason is not None:
        raise InputError([Problem(source, "", reason)])
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError([Problem(source, "", f"cannot be read as CSV: {exc}")]) from None
    if not rows or [c.strip() for c in rows[0][:1]] != ["atom"]:
        raise InputError([Problem(source, "row 1", "expected a header atom,<unit id>,...")])
    header = [c.strip() for c in rows[0][1:]]
    problems = [
        Problem(source, "row 1", f"has no column for unit {u}") for u in units if u not in header
    ]
    found: dict[str, list[float]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        atom = row[0].strip()
        if len(row) != len(header) + 1:
            problems.append(
                Problem(
                    source, f"row {number}", f"has {len(row)} cells; expected {len(header) + 1}"
                )
            )
            continue
        values = []
        for column, cell in zip(header, row[1:], strict=True):
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if not (math.isfinite(value) and 0.0 <= value <= 1e5):
                problems.append(
                    Problem(
                        source,
                        f"row {number} ({atom}), column {column}",
                        f"is {cell!r}; expected minutes, a number from 0 to 100,000",
                    )
                )
            values.append(value)
        found[atom] = values
    problems += [Problem(source, "", f"has no row for atom {a}") for a in atoms if a not in found]
    if problems:
        raise InputError(problems)
    columns = [header.index(u) for u in units]
    return np.array([[found[a][c] for c in columns] for a in atoms])


def hypercube_from_dict(raw: Any, source: str, folder: Path | None = None) -> HypercubeInputs:
    """Validate a parsed hypercube mapping; ``folder`` resolves ``travel_csv``.

    Raises
    ------
    InputError
        With every problem, each naming ``source`` and the field path.
    """
    if not isinstance(raw, dict):
        raise InputError([Problem(source, "", "expected a mapping of hypercube fields")])
    try:
        spec = HypercubeFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, source, raw)) from None
    atoms = [a.id for a in spec.atoms]
    travel = None
    if spec.travel_min is not None:
        travel = np.array([[spec.travel_min[a][u] for u in spec.units] for a in atoms])
    elif spec.travel_csv is not None:
        path = Path(spec.travel_csv)
        if not path.is_absolute() and folder is not None:
            path = folder / path
        reason = not_a_regular_file(path)
        if reason is not None:
            raise InputError(
                [Problem(source, "travel_csv", f"{path} {reason}; expected a CSV of minutes")]
            )
        travel = read_travel_csv(path, atoms, spec.units)
    preferences = []
    for j, atom in enumerate(spec.atoms):
        if atom.preferences is not None:
            preferences.append(tuple(spec.units.index(u) for u in atom.preferences))
        else:
            assert travel is not None  # the model's check: no preferences without travel
            # Nearest first; a stable sort keeps the order of units between equal times.
            preferences.append(tuple(int(n) for n in np.argsort(travel[j], kind="stable")))
    return HypercubeInputs(
        unit_ids=tuple(spec.units),
        atom_ids=tuple(atoms),
        rates_per_hour=np.array([a.calls_per_hour for a in spec.atoms]),
        service_rate_per_hour=spec.service_rate_per_hour,
        preferences=tuple(preferences),
        capacity=spec.capacity,
        method=spec.method,
        travel_min=travel,
    )


def load_hypercube(path: str | Path) -> HypercubeInputs:
    """Read and validate a hypercube YAML file (and its travel CSV, if it names one).

    Raises
    ------
    InputError
        With every problem, each naming the file and the field path.
    """
    reason = not_a_regular_file(Path(path))
    if reason == "does not exist":
        raise InputError([Problem(str(path), "", "file not found; expected a hypercube YAML file")])
    raw = read_yaml_file(path)
    return hypercube_from_dict(raw, str(path), Path(path).parent)
