"""A public name is unique across the package (ARCHITECTURE.md §4).

One definition per name: a module-level public function, class or constant
defined in two modules of ``sim/`` is a second copy of a vocabulary, or two
things that a reader cannot tell apart by name. Re-exports in a package's
``__init__.py`` are not definitions and are left out.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SIM = Path(__file__).resolve().parents[2] / "sim"

#: Module-level names every module may define for itself.
PER_MODULE = {"log", "app", "__all__"}


def public_definitions(path: Path) -> list[str]:
    """The public names a module defines at its top level."""
    names: list[str] = []
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [t.id for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [n for n in names if not n.startswith("_") and n not in PER_MODULE]


def test_every_public_name_is_defined_once() -> None:
    where: dict[str, list[str]] = defaultdict(list)
    for path in sorted(SIM.rglob("*.py")):
        if path.name != "__init__.py":
            for name in public_definitions(path):
                where[name].append(str(path.relative_to(SIM.parent)))
    twice = {name: places for name, places in where.items() if len(places) > 1}
    assert not twice, "\n".join(f"{n}: {', '.join(p)}" for n, p in sorted(twice.items()))
