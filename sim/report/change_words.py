"""Each scenario's changes from the baseline, and its platform, in plain words.

Built from ``changes.csv`` (``path, before, after``) and ``scenarios.csv``
(the name of the shift a path runs through, the platform's settings), never
from a configuration. Every kind of change has its sentence: a count of staff
on a shift, another number, a switch, a platform, a setting added or removed,
any other value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

#: Words for the settings a path ends in, where the last part alone is unclear.
_SETTING_WORDS: Mapping[str, str] = {
    "volume_per_year": "calls a year",
    "count": "number",
    "cars": "schedule cars",
    "shrinkage": "shrinkage",
    "patience": "caller patience",
}
_NONE = ("none", "null", "")


def number(text: object) -> float | None:
    """A setting's value as a number, or ``None`` when it is not one (``"true"``, ``"cmp"``)."""
    if isinstance(text, bool) or str(text).strip().lower() in ("true", "false", "nan", "inf"):
        return None
    try:
        value = float(str(text))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _amount(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.4g}"


def setting_words(path: str, item: str = "") -> str:
    """A dotted setting path in words: ``"call handlers on the late shift"``.

    Parameters
    ----------
    path
        The path of ``changes.csv`` (``handler_pools.contact_centre.roster.shifts.2.count``).
    item
        The name of the list item the path runs through (``late``), from
        ``scenarios.csv``; ``""`` if none.
    """
    parts = path.split(".")
    if parts[-1] == "count" and "shifts" in parts:
        if parts[0] == "handler_pools":
            who = "call handlers"
        elif "units" in parts:
            area = parts[parts.index("units") - 1] if parts.index("units") > 0 else ""
            who = f"response units in the {area} area" if area else "response units"
        else:
            who = "staff"
        shift = f"the {item} shift" if item else f"shift {parts[parts.index('shifts') + 1]}"
        return f"{who} on {shift}"
    # List indices (shifts.2) say nothing to a reader; channel keys (101, 999) do.
    words = [p for p in parts if not (p.isdigit() and len(p) < 3)]
    last = words[-1]
    name = _SETTING_WORDS.get(last, last.replace("_", " "))
    context = [w for w in words[:-1] if w not in ("forces", "channels", "handler_pools", "roster")]
    if context:
        return f"{name} ({' '.join(c.replace('_', ' ') for c in context[-2:])})"
    return name


def platform_words(name: str, settings: Mapping[str, str]) -> str:
    """A platform by name and what it does: ``"the cmp platform (pooled contact centre, ...)"``.

    Parameters
    ----------
    name
        The platform's name.
    settings
        Its settings from ``scenarios.csv``, by path without ``platform.``
        (``online_shift`` ``"0.1"``).
    """
    does = platform_features(settings)
    return f"the {name} platform" + (f" ({'; '.join(does)})" if does else "")


def platform_features(settings: Mapping[str, str]) -> list[str]:
    """What a platform changes, one short phrase per feature (none for a neutral platform)."""
    out: list[str] = []

    def value(key: str) -> float | None:
        return number(settings.get(key, ""))

    if str(settings.get("pooled_contact_centre", "")).lower() == "true":
        out.append("one pooled contact centre for every force")
    for channel in ("101", "999"):
        factor = value(f"handling_multiplier.{channel}")
        if factor is not None and factor != 1.0:
            change = "shorter" if factor < 1 else "longer"
            out.append(f"{channel} talk time {abs(1 - factor) * 100:.0f}% {change}")
        share = value(f"sms_advice.{channel}.share")
        if share:
            out.append(f"advice by SMS or e-mail for {share * 100:.0f}% of {channel} calls")
    shift = value("online_shift")
    if shift:
        out.append(f"{shift * 100:.0f}% of 101 demand moved online")
    scope = settings.get("dispatch_scope", "")
    if scope == "cross_force":
        out.append("units sent across force borders")
    elif scope == "area":
        out.append("no help from neighbouring areas")
    delay = value("dispatch_delay_s")
    if delay is not None:
        out.append(f"dispatch decision {_amount(delay)} s")
    mtbf, mttr = value("outages.mtbf_hours"), value("outages.mttr_hours")
    if mtbf and mttr:
        out.append(f"an outage every {_amount(mtbf)} h on average, {_amount(mttr)} h to repair")
    initial, weeks = value("learning_curve.initial_multiplier"), value("learning_curve.weeks")
    if initial and weeks:
        out.append(
            f"talk time {abs(initial - 1) * 100:.0f}% longer at go-live, back to normal over "
            f"{_amount(weeks)} weeks"
        )
    return out


def change_sentence(
    path: str,
    before: str,
    after: str,
    item: str = "",
    platforms: Mapping[str, Mapping[str, str]] | None = None,
    detail: bool = True,
) -> str:
    """One change from the baseline in words.

    Parameters
    ----------
    path, before, after
        A row of ``changes.csv``.
    item
        The name of the list item (shift) the path runs through, if any.
    platforms
        Each platform's settings by name (for a change of platform).
    detail
        Say what a platform does (else just its name).

    Returns
    -------
    str
        For example "4 fewer call handlers on the late shift (10 instead of 14)",
        "the cmp platform (one pooled contact centre for every force; ...) instead
        of the legacy platform", "shrinkage raised from 0.3 to 0.35", "help from
        neighbours switched on".
    """
    platforms = platforms or {}
    if path == "platform":
        if after.lower() in _NONE:
            return f"no platform (instead of the {before} platform)"
        words = platform_words(after, platforms.get(after, {}) if detail else {})
        return words + (f" instead of the {before} platform" if before.lower() not in _NONE else "")
    what = setting_words(path, item)
    low, high = number(before), number(after)
    if low is not None and high is not None:
        step = high - low
        if path.endswith(".count") or path.split(".")[-1] in ("cars", "count"):
            more = "more" if step > 0 else "fewer"
            return f"{_amount(abs(step))} {more} {what} ({_amount(high)} instead of {_amount(low)})"
        verb = "raised" if step > 0 else "lowered"
        return f"{what} {verb} from {_amount(low)} to {_amount(high)}"
    flags = {"true": True, "false": False}
    if before.lower() in flags and after.lower() in flags:
        return f"{what} switched {'on' if flags[after.lower()] else 'off'}"
    if before.lower() in _NONE:
        return f"{what} set to {after} (the baseline has none)"
    if after.lower() in _NONE:
        return f"no {what} (the baseline has {before})"
    return f"{what} {after} instead of {before}"


__all__ = ["change_sentence", "number", "platform_features", "platform_words", "setting_words"]
