"""Mutated scenario and experiment files through ``validate``, then ``run`` or ``experiment``.

Properties (issue 21, part 7): every mutated shipped scenario and experiment
gets exit 0 or 2 from ``validate``, in time, without a traceback; and every one
that ``validate`` accepts runs one short replication with exit 0 (a scenario
through ``run --days 1 --warmup-days 0 --replications 1``, an experiment shortened
to one day and one replication of a few scenarios, see :func:`shorten`).
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, note

from tests.config.mutations import dump
from tests.property.checks import Checker
from tests.property.conftest import cases
from tests.property.documents import (
    EXPERIMENT_BASES,
    SCENARIO_BASES,
    mutated_documents,
    shorten,
)

pytestmark = pytest.mark.slow

SHORT_RUN = ["--days", "1", "--warmup-days", "0", "--replications", "1"]
_numbers = itertools.count()


def case_folder(tmp_path: Path) -> Path:
    """A fresh folder for one case (examples of one test share ``tmp_path``)."""
    folder = tmp_path / f"case{next(_numbers)}"
    folder.mkdir()
    return folder


def write_document(folder: Path, raw: Any) -> Path:
    path = folder / "input.yaml"
    path.write_text(dump(raw), encoding="utf-8")
    return path


def check_document(
    document: tuple[str, Any, list[str]],
    checker: Checker,
    tmp_path: Path,
    then: Callable[[Path, Any], tuple[str, list[str]]],
) -> None:
    """``validate`` the mutated document; if it is accepted, the command ``then`` gives exits 0."""
    base, raw, done = document
    case = f"{base}: {'; '.join(done)}"
    note(case)
    folder = case_folder(tmp_path)
    path = write_document(folder, raw)
    checker.tally.cases += 1
    validated = checker.run("validate", ["validate", str(path)], case)
    if validated.exit_code == 0:
        command, argv = then(path, raw)
        ran = checker.run(command, argv, case)
        if ran.exit_code != 0:
            checker.fail(case, argv, ["validated, then refused"], ran)
    shutil.rmtree(folder, ignore_errors=True)


@cases(700)
@given(document=mutated_documents(SCENARIO_BASES))
def test_mutated_scenarios_validate_or_refuse_and_what_validates_runs(
    document: tuple[str, Any, list[str]], checker: Checker, tmp_path: Path
) -> None:
    def run(path: Path, raw: Any) -> tuple[str, list[str]]:
        return "run", ["run", str(path), *SHORT_RUN, "--out", str(path.parent / "out")]

    check_document(document, checker, tmp_path, run)


@cases(200)
@given(document=mutated_documents(EXPERIMENT_BASES))
def test_mutated_experiments_validate_or_refuse_and_what_validates_runs(
    document: tuple[str, Any, list[str]], checker: Checker, tmp_path: Path
) -> None:
    def experiment(path: Path, raw: Any) -> tuple[str, list[str]]:
        short = write_document(path.parent, shorten(raw))
        out = str(path.parent / "out")
        return "experiment", ["experiment", str(short), "--workers", "1", "--out", out]

    check_document(document, checker, tmp_path, experiment)
