"""``demandsim fit-sample``: a force-like CAD and telephony export, to try ``fit`` on."""

from __future__ import annotations

from pathlib import Path

from sim.config import read_yaml_file, scenario_from_dict
from sim.errors import InputError, Problem
from sim.files import not_a_regular_file
from sim.fit.sample import DEFAULT_SAMPLE_WEEKS, as_a_fit_sees_it, write_sample

#: The scenario the sample is simulated from, unless another is given.
DEFAULT_SAMPLE_SCENARIO = Path("configs/demo.yaml")


def write_fit_sample(
    out_dir: Path, scenario: Path | None = None, weeks: int = DEFAULT_SAMPLE_WEEKS
) -> list[Path]:
    """Simulate a one-force scenario and write it as a force's exports, with their mapping file.

    Redials, diverted and borrowed units are switched off first: no export
    shows them (:func:`sim.fit.sample.as_a_fit_sees_it`).

    Parameters
    ----------
    out_dir
        Folder for ``cad.csv``, ``calls.csv`` and ``mapping.yaml`` (made if need be).
    scenario
        The scenario to simulate (default ``configs/demo.yaml``, in the current
        folder or else in the clone this package runs from).
    weeks
        The export's length in whole weeks, from a Monday.

    Raises
    ------
    InputError
        If the scenario cannot be read or has more than one force,
        ``weeks`` is below 1, or ``out_dir`` is a file.
    """
    path = scenario if scenario is not None else DEFAULT_SAMPLE_SCENARIO
    if scenario is None and not path.exists():
        # An editable install from a clone: the clone's configs/, wherever we run from.
        beside_package = Path(__file__).resolve().parents[2] / DEFAULT_SAMPLE_SCENARIO
        path = beside_package if beside_package.exists() else path
    why = not_a_regular_file(path)
    if why is not None:
        hint = "" if scenario is not None else "; run from the repository folder or give --scenario"
        raise InputError([Problem(str(path), "", f"{why}{hint}")])
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError([Problem(str(out_dir), "", "is a file; expected a folder for the sample")])
    raw = as_a_fit_sees_it(read_yaml_file(path))
    return write_sample(out_dir, scenario_from_dict(raw, str(path)), weeks)
