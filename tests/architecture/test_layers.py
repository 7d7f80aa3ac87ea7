"""The package tree is the architecture diagram, and a machine keeps it so.

Layers, top to bottom (ARCHITECTURE.md §2; ``|`` marks siblings that do not
import each other)::

    cli -> app -> report -> planning | fit -> runs -> metrics | scenarios
        -> model -> config | analytic -> errors | units | catalogue

Nothing imports upward or sideways. ``config``, ``scenarios``, ``metrics``,
``analytic`` and ``report`` never import SimPy; ``report`` never imports
``model``, ``config`` or ``runs``; only ``report`` draws (imports plotly).
Every import is found, including those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"

#: Rank of each layer: a module may import only layers of a lower rank, or its own.
RANK: dict[str, int] = {
    "errors": 0,
    "units": 0,
    "catalogue": 0,
    "files": 0,
    "config": 1,
    "analytic": 1,
    "model": 2,
    "metrics": 3,
    "scenarios": 3,
    "runs": 4,
    "planning": 5,
    "fit": 5,
    "report": 6,
    "app": 7,
    "cli": 8,
}
NO_SIMPY = {
    "config",
    "scenarios",
    "metrics",
    "analytic",
    "report",
    "errors",
    "units",
    "catalogue",
    "files",
}
REPORT_NEVER = {"model", "config", "runs"}
DRAWS = {"report"}


def layer_of(path: Path) -> str:
    """The layer a module of ``sim/`` belongs to: its first folder, or its own name."""
    relative = path.relative_to(SIM)
    return relative.parts[0].removesuffix(".py")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, absolute, with its line number."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "sim":
                found += [(node.lineno, f"sim.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def violations(path: Path) -> list[str]:
    """What is wrong with one module's imports, one line per import."""
    layer = layer_of(path)
    wrong: list[str] = []
    for line, module in imports_of(path):
        where = f"{path.relative_to(SIM.parent)}:{line} ({layer}) imports {module}"
        top = module.split(".")[0]
        if top == "simpy" and layer in NO_SIMPY:
            wrong.append(f"{where}: {layer} never imports SimPy")
        if top == "plotly" and layer not in DRAWS:
            wrong.append(f"{where}: only the report draws")
        if top != "sim" or module == "sim":
            continue
        target = module.split(".")[1]
        if target not in RANK:
            wrong.append(f"{where}: sim.{target} is in no layer")
            continue
        if layer == "report" and target in REPORT_NEVER:
            wrong.append(f"{where}: the report reads results files, never {target}")
        elif target != layer and RANK[target] >= RANK[layer]:
            wrong.append(f"{where}: {target} is not below {layer}")
    return wrong


MODULES = sorted(p for p in SIM.rglob("*.py") if p != SIM / "__init__.py")


def test_every_module_is_in_a_layer() -> None:
    assert not [p for p in MODULES if layer_of(p) not in RANK]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SIM)))
def test_module_imports_only_layers_below_it(path: Path) -> None:
    assert not violations(path), "\n".join(violations(path))


def test_the_checker_catches_a_report_importing_the_model(tmp_path: Path) -> None:
    """The rule bites: a report module importing the model or SimPy is refused."""
    global SIM
    fake = tmp_path / "sim"
    (fake / "report").mkdir(parents=True)
    module = fake / "report" / "bad.py"
    module.write_text("import simpy\nfrom sim.model.replication import run_replication\n")
    real, SIM = SIM, fake
    try:
        found = violations(module)
    finally:
        SIM = real
    assert any("never imports SimPy" in v for v in found)
    assert any("never model" in v for v in found)
