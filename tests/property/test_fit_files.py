"""Random CAD and telephony exports through ``demandsim fit``.

Property (issue 21, part 7): whatever the CSV -- random and missing columns,
repeated names, timestamps in many formats or none, NULLs of every spelling,
ragged rows, another delimiter, UTF-16, Latin-1 or stray bytes -- and whatever
``--columns`` mapping, ``fit`` exits 0 or 2, in time, without a traceback; and a
scenario it writes validates and runs one short replication.

Among them: UTC offsets and ``Z`` beside naive times, and ``timestamp_format``
with a bad directive (refused at the mapping check).
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, note
from hypothesis import strategies as st

from tests.config.mutations import ANY_CHARS
from tests.property.checks import Checker
from tests.property.conftest import cases

pytestmark = pytest.mark.slow

SHORT_RUN = ["--days", "1", "--warmup-days", "0", "--replications", "1"]
_numbers = itertools.count()

INCIDENT_COLUMNS = ["created", "priority", "dispatched", "arrived", "cleared", "area",
                    "channel", "call_id", "unit"]  # fmt: skip
CALL_COLUMNS = ["arrival", "answered", "ended", "channel", "abandoned", "handler_id", "call_id"]
TIME_COLUMNS = {"created", "dispatched", "arrived", "cleared", "arrival", "answered", "ended",
                "abandoned"}  # fmt: skip
#: Timestamp layouts seen in exports (and a few that are not timestamps at all).
FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%y %I:%M %p",
           "%d %b %Y %H:%M", "%Y%m%d%H%M%S", "%d.%m.%Y %H:%M:%S", "%A %d %B %Y %H:%M",
           "%Y-%m-%d", "%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ",
           "%Y-%m-%dT%H:%M:%S+01:00"]  # fmt: skip
NULLS = ["", "NULL", "null", "NaN", "N/A", "\\N", "None", "-", " ", "\x00", "0000-00-00 00:00:00"]
CODES = ["1", "2", "3", "E", "P", "S", "grade1", "grade2", "scheduled", "resolution", "999",
         "101", "online", "EMERG", "NONEMERG", "urban", "rural", "", "ü", "🚓"]  # fmt: skip
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]
START = dt.datetime(2024, 1, 1)


GRADE_NAMES = ["grade1", "grade2", "scheduled", "resolution", "no_deployment"]
PLAUSIBLE = {"priority": GRADE_NAMES, "channel": ["999", "101", "online", "999", "101"],
             "area": ["urban", "rural"], "call_id": ["c1", "c2", "c3"], "unit": ["u1", "u2"],
             "handler_id": ["h1", "h2", "h3"]}  # fmt: skip


@st.composite
def cell(draw: st.DrawFn, column: str, when: dt.datetime, fmt: str, plausible: bool) -> str:
    choice = draw(st.integers(0, 199 if plausible else 19))
    if choice == 0:
        return draw(st.sampled_from(NULLS))
    if choice == 1:
        return draw(st.text(ANY_CHARS, max_size=12))
    if column in TIME_COLUMNS:
        if choice == 2:
            return str(int(when.timestamp()))  # epoch seconds
        if choice == 3:
            return when.strftime(draw(st.sampled_from(FORMATS)))  # a row in another format
        return when.strftime(fmt)
    if plausible and column in PLAUSIBLE:
        return draw(st.sampled_from(PLAUSIBLE[column]))
    return draw(st.sampled_from(CODES))


@st.composite
def export(draw: st.DrawFn, ours: list[str]) -> tuple[bytes, list[str], str]:
    """A CSV export: (bytes, header, the timestamp format most rows use).

    Half are plausible (our column names with the required ones, one timestamp
    format, a rare bad cell, up to 120 rows over a few weeks), so that some get
    fitted; the others are anything.
    """
    plausible = draw(st.booleans())
    names = draw(st.lists(st.sampled_from(ours), max_size=len(ours), unique=True))
    if plausible:
        required = ours[:2] if ours[0] == "created" else ours[:4]
        names = required + [n for n in names if n not in required]
    else:
        names += draw(st.lists(st.text(ANY_CHARS, min_size=1, max_size=8), max_size=2))
        if names and draw(st.integers(0, 9)) == 0:
            names.append(names[0])  # a repeated column name
    fmt = draw(st.sampled_from(FORMATS[:2] if plausible else FORMATS))
    rows = []
    for _ in range(draw(st.integers(20, 120) if plausible else st.integers(0, 40))):
        created = START + dt.timedelta(seconds=draw(st.integers(-86_400, 40 * 86_400)))
        row = []
        for offset, name in enumerate(names):
            when = created + dt.timedelta(seconds=offset * draw(st.integers(-60, 3600)))
            row.append(draw(cell(name, when, fmt, plausible)))
        if draw(st.integers(0, 99 if plausible else 19)) == 0:
            row = row[: draw(st.integers(0, len(row)))]  # a ragged row
        rows.append(row)
    delimiter = draw(st.sampled_from([","] if plausible else [",", ",", ",", ";", "\t"]))
    quote = '"'

    def line(values: list[str]) -> str:
        return delimiter.join(
            quote + v.replace(quote, quote * 2) + quote if any(c in v for c in f'{delimiter}"\n')
            else v
            for v in values
        )  # fmt: skip

    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(line(r) for r in [names, *rows]) + draw(st.sampled_from(["", newline]))
    encoding = draw(st.sampled_from(ENCODINGS[:4] if not plausible else ENCODINGS[:2]))
    data = text.encode(encoding, errors="replace")
    if not plausible and draw(st.integers(0, 9)) == 0:  # stray bytes somewhere
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data, names, fmt


@st.composite
def mapping(draw: st.DrawFn, incidents: list[str], calls: list[str]) -> dict:
    """A ``--columns`` mapping: some of our names mapped to some of their columns."""
    section: dict[str, dict] = {}
    for key, ours, theirs in (("incidents", INCIDENT_COLUMNS, incidents),
                              ("calls", CALL_COLUMNS, calls)):  # fmt: skip
        if not draw(st.booleans()):
            continue
        entry: dict = {}
        if theirs and draw(st.booleans()):
            entry["columns"] = {
                draw(st.sampled_from(ours)): draw(st.sampled_from(theirs))
                for _ in range(draw(st.integers(1, 3)))
            }
        if draw(st.booleans()):
            entry["timestamp_format"] = draw(st.sampled_from([*FORMATS, "dd/mm/yyyy", "%Q %Y"]))
        if key == "incidents" and draw(st.booleans()):
            entry["priorities"] = {"1": "grade1", "E": "grade1", "2": "grade2", "P": "grade2",
                                   "S": draw(st.sampled_from(["scheduled", "grade9"]))}  # fmt: skip
        if draw(st.booleans()):
            entry["channels"] = {"EMERG": "999", "NONEMERG": "101"}
        section[key] = entry
    return section


@cases(250)
@given(data=st.data())
def test_random_exports_are_fitted_or_refused(
    data: st.DataObject, checker: Checker, tmp_path: Path
) -> None:
    folder = tmp_path / f"case{next(_numbers)}"
    folder.mkdir()
    incidents, incident_names, _ = data.draw(export(INCIDENT_COLUMNS), "incidents")
    (folder / "cad.csv").write_bytes(incidents)
    argv = ["fit", "--incidents", str(folder / "cad.csv"), "--out", str(folder / "fitted.yaml")]
    call_names: list[str] = []
    if data.draw(st.booleans(), "with calls"):
        calls, call_names, _ = data.draw(export(CALL_COLUMNS), "calls")
        (folder / "calls.csv").write_bytes(calls)
        argv += ["--calls", str(folder / "calls.csv")]
    if data.draw(st.booleans(), "with --columns"):
        columns = data.draw(mapping(incident_names, call_names), "mapping")
        (folder / "columns.yaml").write_text(yaml.safe_dump(columns), encoding="utf-8")
        argv += ["--columns", str(folder / "columns.yaml")]
    note(repr(argv))
    checker.tally.cases += 1
    case = f"fit {folder}"
    fitted = checker.run("fit", argv, case)
    if fitted.exit_code == 0:
        scenario = str(folder / "fitted.yaml")
        if checker.run("validate", ["validate", scenario], case).exit_code == 0:
            run = ["run", scenario, *SHORT_RUN, "--out", str(folder / "out")]
            ran = checker.run("run", run, case)
            if ran.exit_code != 0:
                checker.fail(case, run, ["fitted and validated, then refused"], ran)
        else:
            checker.tally.events["fitted scenario refused by validate"] += 1
    shutil.rmtree(folder, ignore_errors=True)
