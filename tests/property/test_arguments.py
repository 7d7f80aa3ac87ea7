"""Random argument vectors for ``validate``, ``run``, ``experiment``, ``erlang`` and ``report``.

Property (issue 21, part 7): whatever the arguments -- unknown options, missing
values, numbers out of range or not numbers, paths that are missing, empty,
directories, files where folders are meant, the root, the current folder -- each
command exits 0 or 2, in time, without a traceback. The cases stay short when
valid: ``run`` gets ``--days 1 --warmup-days 0 --replications 1`` before the
random options (a later option wins), experiments are the shipped ones shortened
(``tests/property/documents.py``), and no value asks for more than a few seconds'
work.

Among the inputs are a FIFO and ``/dev/zero`` (only regular files are read),
``--workers`` far above the replications and cores (capped), Erlang sizes of a
billion agents (refused), and ``--scheduler ""`` (an error). A real Dask
address is not drawn: tests/cli/test_robust.py covers clusters, lost and
not-Dask, with short time-outs. ``--png`` names only a file or a folder under one:
Chromium reserves far more address space than the per-case memory limit, so a
real PNG export always fails here (tests/report covers it).
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from hypothesis import given, note
from hypothesis import strategies as st

from tests.config.mutations import ANY_CHARS
from tests.property.checks import Checker
from tests.property.conftest import cases
from tests.property.documents import EXPERIMENTS, shortened_experiment
from tests.property.worker import CliWorker

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHORT_RUN = ["--days", "1", "--warmup-days", "0", "--replications", "1"]
_numbers = itertools.count()


@pytest.fixture(scope="module")
def inputs(worker: CliWorker, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """Files and folders the arguments point at: valid ones, and every wrong kind."""
    folder = tmp_path_factory.mktemp("inputs")
    results = folder / "results"
    made = worker.run(
        ["run", str(ROOT / "configs" / "mmc.yaml"), *SHORT_RUN, "--out", str(results)]
    )
    assert made.exit_code == 0, made.text
    experiments = []
    for path in EXPERIMENTS:
        short = folder / f"short-{path.name}"
        short.write_text(yaml.safe_dump(shortened_experiment(path)), encoding="utf-8")
        experiments.append(str(short))
    (folder / "empty.yaml").write_text("")
    (folder / "text.yaml").write_text("just some text\n")
    (folder / "a-file").write_text("not a folder\n")
    (folder / "busy").mkdir()
    (folder / "busy" / "notes.txt").write_text("mine\n")
    (folder / "empty-dir").mkdir()
    fifo = folder / "pipe.yaml"
    os.mkfifo(fifo)  # only regular files are read: a FIFO would block the reader for ever
    # No "/" here: the suite may run as root, and a report or PNG must not land there.
    odd = [str(folder / "empty.yaml"), str(folder / "text.yaml"), str(folder / "a-file"),
           str(folder / "busy"), str(folder / "empty-dir"), str(folder / "missing.yaml"),
           str(folder / "a-file" / "below"), "", "-", ".", "/dev/null", "~",
           "configs/demo.yaml", "ünïcödé.yaml", "a" * 300, "x\u202e.yaml",
           str(fifo), "/dev/zero"]  # fmt: skip
    return SimpleNamespace(
        folder=folder,
        results=str(results),
        scenarios=[str(ROOT / "configs" / "mmc.yaml"), str(ROOT / "configs" / "demo.yaml")],
        experiments=experiments,
        odd=odd,
    )


JUNK_TEXT = st.one_of(
    st.sampled_from(["", "x", "-", "--", "nan", "inf", "-inf", "1e308", "١", "²", "1,5", " 1"]),
    st.text(ANY_CHARS, max_size=10),
)
DAYS = st.sampled_from(["1", "0.5", "0.25", "0", "-1", "1e-15", "1e15", "nan", "inf", "-0"])
COUNT = st.sampled_from(["1", "2", "0", "-1", "1.5", "1e3", "2**63", "18446744073709551616"])
SEED = st.sampled_from(["0", "1", "-1", "4294967295", "18446744073709551616", "1e3"])
# Capped at the replications, with a warning above the cores.
WORKERS = st.sampled_from(["1", "2", "0", "-1", "x", "1000"])
#: Addresses refused before anything is simulated (no Dask cluster is started here).
SCHEDULERS = st.sampled_from(["", " ", "not an address", "tcp://", "http://[::1"])
BOGUS_OPTIONS = st.sampled_from(["--bogus", "-x", "--", "--days=", "--help", "-h", "--out="])


def _options(table: dict[str, st.SearchStrategy[str] | None]) -> st.SearchStrategy[list[str]]:
    """Random options of a command: some real (with a value, or a flag), some not."""

    @st.composite
    def draw_options(draw: st.DrawFn) -> list[str]:
        argv: list[str] = []
        for _ in range(draw(st.integers(0, 4))):
            if draw(st.integers(0, 9)) == 0:
                argv.append(draw(BOGUS_OPTIONS))
                continue
            name = draw(st.sampled_from(sorted(table)))
            values = table[name]
            argv.append(name)
            if values is not None and draw(st.integers(0, 15)) > 0:  # sometimes its value left out
                argv.append(draw(st.one_of(values, values, values, JUNK_TEXT)))
        return argv

    return draw_options()


def _path(draw: st.DrawFn, inputs: SimpleNamespace, valid: list[str], folder: Path) -> str:
    choice = draw(st.integers(0, 9))
    if choice < 6:
        return draw(st.sampled_from(valid))
    if choice < 9:
        return draw(st.sampled_from(inputs.odd))
    return str(folder / draw(st.text(ANY_CHARS, min_size=1, max_size=8)).replace("/", "_"))


@st.composite
def argument_vectors(draw: st.DrawFn, inputs: SimpleNamespace, folder: Path) -> list[str]:
    command = draw(st.sampled_from(["validate", "run", "experiment", "erlang", "report"]))
    out_values = st.one_of(
        st.just(str(folder / "out")), st.sampled_from([*inputs.odd, "/"]), st.just(inputs.results)
    )
    if command == "validate":
        return ["validate", *[_path(draw, inputs, inputs.scenarios + inputs.experiments, folder)
                for _ in range(draw(st.integers(0, 2)))]]  # fmt: skip
    if command == "run":
        options = _options(
            {"--days": DAYS, "--warmup-days": DAYS, "--replications": COUNT, "--seed": SEED,
             "--workers": WORKERS, "--scheduler": SCHEDULERS, "--out": out_values,
             "--records": None, "--resume": None,
             "--set": st.sampled_from(["seed=3", "name=other", "days=2", "x=1", "=", "a.b"])}
        )  # fmt: skip
        scenario = _path(draw, inputs, inputs.scenarios, folder)
        rest = draw(options)
        if "--out" not in rest:  # never the default results/ folder of the repository
            rest += ["--out", str(folder / "default-out")]
        return ["run", scenario, *SHORT_RUN, *rest]
    if command == "experiment":
        options = _options(
            {"--workers": WORKERS, "--scheduler": SCHEDULERS, "--out": out_values, "--resume": None}
        )
        rest = draw(options)
        if "--out" not in rest:
            rest += ["--out", str(folder / "default-out")]
        return ["experiment", _path(draw, inputs, inputs.experiments, folder), *rest]
    if command == "erlang":
        number = st.one_of(
            st.sampled_from(["0", "-1", "1", "10", "200", "1e-15", "1e15", "nan", "inf", "-inf",
                             "1e308", "5e-324", "0.5", "20000"]),
            st.floats(0, 1e6).map(repr),
            st.integers(1, 2000).map(str),
            st.integers(1, 2000).map(str),
        )  # fmt: skip
        agents = st.sampled_from(
            ["0", "-1", "1", "2", "10", "100", "20000", "100001", "1000000000", "1.5", "x"]
        )
        model = draw(st.sampled_from(["c", "a", "c", "a", "b", ""]))
        table = {"--calls-per-hour": number, "--aht": number, "--agents": agents,
                 "--target": number, "--json": None}  # fmt: skip
        if model == "a":
            table["--patience"] = number
        argv = ["erlang", *([model] if model else [])]
        if draw(st.integers(0, 3)) > 0:  # mostly the required ones, to get past the parser
            for name in ("--calls-per-hour", "--aht", "--agents", "--patience"):
                if name in table:
                    argv += [name, draw(table[name])]
        return argv + draw(_options(table))
    # report: a results folder (or not), and where to write the page.
    options = _options(
        {"--out": st.one_of(st.just(str(folder / "r.html")), st.sampled_from(inputs.odd)),
         "--png": st.sampled_from([str(folder / "a-file"), str(folder / "a-file" / "x")])}
    )  # fmt: skip
    target = _path(draw, inputs, [inputs.results], folder)
    rest = draw(options)
    if "--out" not in rest:
        rest += ["--out", str(folder / "report.html")]
    return ["report", target, *rest]


@cases(500)
@given(data=st.data())
def test_random_arguments_exit_0_or_2(
    data: st.DataObject, inputs: SimpleNamespace, checker: Checker, tmp_path: Path
) -> None:
    folder = tmp_path / f"case{next(_numbers)}"
    folder.mkdir()
    (folder / "a-file").write_text("not a folder\n")
    argv = data.draw(argument_vectors(inputs, folder))
    note(repr(argv))
    checker.tally.cases += 1
    checker.run(argv[0], argv, repr(argv))
    shutil.rmtree(folder, ignore_errors=True)
