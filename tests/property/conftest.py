"""Fixtures of the property suite: one command-line worker and one tally per test module."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.property.checks import Checker, Tally
from tests.property.summary import KEY
from tests.property.worker import CliWorker

#: Reproducible (the same cases every run, no example database) and with no shrinking:
#: a failing case is reported as generated, since shrinking through a subprocess that
#: takes a second per case could take longer than the whole suite.
PROPERTY = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


def cases(examples: int) -> settings:
    """The suite's settings with ``examples`` cases (times ``PROPERTY_SCALE``, default 1)."""
    scale = float(os.environ.get("PROPERTY_SCALE", "1"))
    return settings(PROPERTY, max_examples=max(1, round(examples * scale)))


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliWorker]:
    """A worker process running command lines, with a time and a memory limit per case."""
    cli = CliWorker(tmp_path_factory.mktemp("worker"))
    try:
        yield cli
    finally:
        cli.close()


@pytest.fixture
def checker(
    request: pytest.FixtureRequest,
    worker: CliWorker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Checker]:
    """The checks and tally of one property test (written out when it ends, pass or fail)."""
    tally = Tally(request.node.name)
    yield Checker(worker, tally)
    tally.write(tmp_path_factory.getbasetemp() / "property-summary")
    request.node.user_properties.append((KEY, tally.as_dict()))
