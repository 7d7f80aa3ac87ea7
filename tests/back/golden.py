"""Golden back tests: the shipped scenarios' results at a fixed seed, pinned byte for byte.

A change that moves code must keep behaviour (ARCHITECTURE.md §4). This module
runs every shipped scenario, and the shipped handler-staffing experiment, through
the command line at a fixed seed over a short horizon, and collects the files
whose bytes must not change: ``summary.csv`` of each, and ``comparison.csv`` of
the experiment. ``tests/back/test_golden.py`` compares them with the copies under
``tests/back/golden/``.

Regenerate the copies (only when a change of results is intended, and say why
in the commit message)::

    .venv/bin/python tests/back/golden.py

It calls the plain functions behind ``demandsim run`` and ``demandsim experiment``
(:mod:`sim.app.run`) with the options the command line would pass. (The first
golden files were made with the command line itself, before the one-pipeline
redesign, and the redesign reproduced them byte for byte.)
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml

from sim.app.run import cli_overrides, run_experiment_file, run_scenario

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"

#: Fixed seed, replications and horizon of every golden run: short enough for the
#: fast suite, long enough that every metric of every scenario has values.
SEED = 20261201
REPLICATIONS = 2
DAYS = 7
WARMUP_DAYS = 1

#: Shipped scenarios, by the name of their golden folder.
SCENARIOS = {
    "demo": "configs/demo.yaml",
    "mmc": "configs/mmc.yaml",
    "northumbria-2017": "configs/northumbria-2017.yaml",
    "thames-valley-hampshire-2018": "configs/thames-valley-hampshire-2018.yaml",
}
EXPERIMENT = "experiments/handler-staffing.yaml"


def _short_experiment(work: Path) -> Path:
    """The shipped experiment with the golden seed, replications and horizon."""
    raw = yaml.safe_load((ROOT / EXPERIMENT).read_text())
    raw["base"] = str((ROOT / EXPERIMENT).parent / raw["base"])
    raw.update(seed=SEED, replications=REPLICATIONS, days=DAYS, warmup_days=WARMUP_DAYS)
    path = work / "handler-staffing.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def produce(out: Path) -> list[Path]:
    """Run every golden case into ``out``; return the files to compare, relative to ``out``."""
    files: list[Path] = []
    for name, scenario in SCENARIOS.items():
        overrides = cli_overrides([], REPLICATIONS, SEED, DAYS, WARMUP_DAYS)
        run_scenario(ROOT / scenario, overrides, out / name)
        files.append(Path(name) / "summary.csv")
    with tempfile.TemporaryDirectory() as work:
        experiment = _short_experiment(Path(work))
        run_experiment_file(experiment, out / "handler-staffing", workers=1)
    files += [Path("handler-staffing") / "summary.csv", Path("handler-staffing") / "comparison.csv"]
    return files


def regenerate() -> None:
    """Rewrite ``tests/back/golden/`` from the code as it is."""
    with tempfile.TemporaryDirectory() as work:
        out = Path(work)
        files = produce(out)
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for relative in files:
            target = GOLDEN / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / relative, target)


if __name__ == "__main__":
    regenerate()
