"""``demandsim validate FILE``: any file demandsim reads, checked as the kind it is.

The kinds, told apart by their top-level keys:

- a **scenario** (``forces:``) and an **experiment** (``base:``, ``baseline:``,
  ``grid:`` or ``scenarios:``), checked by :func:`sim.app.run.validate_file`
  (with the warnings of a scenario that runs but means nothing);
- **shift patterns** for ``staff --shifts`` (``patterns:``);
- a **fit mapping** for ``fit --columns`` (only ``incidents:`` and ``calls:``);
- a **platform** (only the fields of a platform: ``handling_multiplier:``,
  ``outages:``...), as in ``sim/config/platforms/``;
- a **hypercube model** for ``demandsim hypercube`` (``atoms:`` and
  ``service_rate_per_hour:``), as in ``configs/hypercube/``.

Any other file is checked as a scenario (the commonest kind). The first line of
the answer says which kind was checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.app.run import Validation, validate_file
from sim.config import problems_from_validation, read_yaml_file
from sim.config.experiment import is_experiment
from sim.config.hypercube import load_hypercube
from sim.config.platform import Platform
from sim.errors import InputError
from sim.fit.mapping import ColumnMappingFile, read_mapping
from sim.planning.shifts import patterns_from_dict

#: Top-level keys of a fit mapping file.
MAPPING_KEYS = frozenset(ColumnMappingFile.model_fields)
#: Top-level keys of a platform file.
PLATFORM_KEYS = frozenset(Platform.model_fields)


def file_kind(raw: Any) -> str | None:
    """Which kind of file a parsed YAML mapping is (None if none)."""
    if not isinstance(raw, dict) or not raw:
        return None
    keys = set(raw)
    if "forces" in keys:
        return "scenario"
    if is_experiment(raw):
        return "experiment"
    if "patterns" in keys:
        return "shift patterns"
    if {"atoms", "service_rate_per_hour"} <= keys:
        return "hypercube model"
    if keys <= MAPPING_KEYS:
        return "fit mapping"
    if keys <= PLATFORM_KEYS and keys - {"name", "description"}:
        return "platform"
    return None


def _platform(path: Path, raw: dict[str, Any]) -> str:
    try:
        platform = Platform.model_validate({"name": path.stem, **raw})
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc, str(path), raw)) from None
    set_fields = sorted(k for k in raw if k not in ("name", "description"))
    return f"{path}: valid platform '{platform.name}': sets {', '.join(set_fields) or 'nothing'}"


def validate_any_file(path: Path) -> Validation:
    """Check any file demandsim reads, as the kind its keys say it is.

    Raises
    ------
    InputError
        With every problem found; a file of no kind is checked as a scenario.
    """
    raw = read_yaml_file(path)
    kind = file_kind(raw)
    if kind in ("scenario", "experiment"):
        return validate_file(path)
    if kind == "shift patterns":
        patterns = patterns_from_dict(raw, str(path))
        names = ", ".join(p.name for p in patterns)
        return Validation(
            f"{path}: valid shift patterns: {len(patterns)} pattern(s) ({names}), "
            "for demandsim staff --shifts"
        )
    if kind == "fit mapping":
        mapping = read_mapping(path)
        sections = [
            f"{name} ({len(section.columns)} column(s) renamed)"
            for name, section in (("incidents", mapping.incidents), ("calls", mapping.calls))
            if name in raw
        ]
        return Validation(
            f"{path}: valid fit mapping: {', '.join(sections)}, for demandsim fit --columns"
        )
    if kind == "platform":
        return Validation(_platform(path, raw))
    if kind == "hypercube model":
        model = load_hypercube(path)
        return Validation(
            f"{path}: valid hypercube model: {len(model.unit_ids)} unit(s), "
            f"{len(model.atom_ids)} atom(s), {model.capacity}, for demandsim hypercube"
        )
    # Anything else is read as a scenario, the commonest kind: its problems say what
    # a scenario needs (forces:, handler_pools:...).
    return validate_file(path)
