"""The fitted scenario as YAML, each fitted value with its comment on the same line.

The comment says the value's sample size and goodness of fit, or that it was
ASSUMED because the data did not have it, so a planner reading the file sees
what rests on what.
"""

from __future__ import annotations

from typing import Any

import yaml

from sim.fit.assemble import FitResult
from sim.fit.mapping import TELEPHONE_CHANNELS


def _scalar(value: Any) -> str:
    """A value as YAML on one line (flow style for lists and mappings)."""
    return (
        yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("\n...")
    )


def scenario_yaml(result: FitResult, header: str = "") -> str:
    """Render a fitted scenario as YAML, each fitted value with its comment.

    Parameters
    ----------
    result
        From :func:`build_scenario`.
    header
        Comment lines for the top of the file.
    """
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    # A short mapping is written on one line unless a comment belongs inside it.
    noted_inside = {path[:i] for path in result.comments for i in range(1, len(path))}

    def emit(node: Any, path: tuple[str, ...], indent: int) -> None:
        pad = " " * indent
        for key, value in node.items():
            shown = f'"{key}"' if key in TELEPHONE_CHANNELS else _scalar(str(key))
            note = result.comments.get((*path, str(key)))
            if note is not None and isinstance(value, dict) and len(_scalar(value)) > 70:
                lines.append(f"{pad}# {note}")
                note = None
            inner = (*path, str(key)) in noted_inside
            if isinstance(value, dict) and (len(_scalar(value)) > 70 or inner):
                lines.append(f"{pad}{shown}:" + (f"  # {note}" if note else ""))
                emit(value, (*path, str(key)), indent + 2)
            elif isinstance(value, list) and len(value) > 12:
                lines.append(f"{pad}{shown}:" + (f"  # {note}" if note else ""))
                for i in range(0, len(value), 12):
                    chunk = ", ".join(_scalar(v) for v in value[i : i + 12])
                    opening = "[" if i == 0 else " "
                    closing = "]" if i + 12 >= len(value) else ","
                    lines.append(f"{pad}  {opening}{chunk}{closing}")
            else:
                text = f"{pad}{shown}: {_scalar(value)}"
                lines.append(text + (f"  # {note}" if note else ""))

    emit(result.scenario, (), 0)
    return "\n".join(lines) + "\n"
