"""The named platforms are package data: found and read through importlib.resources.

An installed wheel has no repository folder to look in, so the platforms live in
``sim/config/platforms/`` and are read as resources of ``sim.config``
(``tests/config/test_wheel.py`` checks an installed wheel end to end).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from sim.config import (
    InputError,
    Platform,
    available_platforms,
    read_yaml_file,
    scenario_from_dict,
    shipped_platform,
)

SHIPPED = ["cmp", "cmp-learning", "cmp-unstable", "legacy"]


def test_available_platforms_are_the_yaml_resources_of_the_package() -> None:
    folder = resources.files("sim.config").joinpath("platforms")
    found = sorted(
        e.name.removesuffix(".yaml") for e in folder.iterdir() if e.name.endswith(".yaml")
    )
    assert found == SHIPPED
    assert available_platforms() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_platform_loads_and_validates(name: str) -> None:
    platform = shipped_platform(name)
    assert isinstance(platform, Platform)
    assert platform.name == name
    assert platform.description


@pytest.mark.parametrize("name", SHIPPED)
def test_a_scenario_names_a_shipped_platform(name: str, configs_dir: Path) -> None:
    raw = read_yaml_file(configs_dir / "demo.yaml")
    scenario = scenario_from_dict({**raw, "platform": name}, "demo.yaml")
    assert scenario.platform == shipped_platform(name)


def test_unknown_platform_lists_the_shipped_ones() -> None:
    with pytest.raises(InputError) as caught:
        shipped_platform("nope")
    text = str(caught.value)
    assert "'nope', which is not a platform" in text
    assert all(name in text for name in SHIPPED)


def test_no_platform_file_is_left_in_the_repository_folder(repo_root: Path) -> None:
    """One copy of each platform: configs/platforms/ only says where they went."""
    assert not list((repo_root / "configs" / "platforms").glob("*.yaml"))
