"""The sdist and wheel carry everything a planner needs: named platforms, the demo.

CI runs this after ``make test`` (``.ci/run``): the sdist is built, the wheel
is built from the sdist, installed in a fresh environment in a temporary folder,
and ``demandsim demo --days 1`` and a scenario on a named platform run from it.

``pip install .`` (not editable) used to lose the named platforms, which lived in
the repository's ``configs/platforms/``: ``--set platform=cmp`` then said
"expected one of: none". This builds the wheel from a copy of the source, installs
it in a fresh virtual environment and runs ``demandsim`` from outside any
checkout, so that nothing but the installed package can be found.

The wheel is built as a planner would (``pip wheel --no-deps``, with build
isolation: pip fetches the build backend, setuptools, from its configured index
or cache). Installing needs no download: ``--no-deps``, and the new environment
sees the dependencies already installed (``--system-site-packages``, plus this
environment's own site-packages when the tests run in a virtual environment).
"""

from __future__ import annotations

import logging
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

import sim

LOGGER = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]


def _run(command: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command with no PYTHONPATH (it would put the checkout's ``sim`` first)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    completed = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, f"{command}\n{completed.stdout}\n{completed.stderr}"
    return completed


def _copy_source(target: Path) -> Path:
    """What the build reads, copied so that the build writes nothing in the checkout."""
    target.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "setup.py", "MANIFEST.in"):
        shutil.copy2(ROOT / name, target / name)
    for folder in ("sim", "configs", "docs"):
        shutil.copytree(
            ROOT / folder, target / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    return target


def _make_venv(target: Path) -> Path:
    """A fresh environment (without pip) that sees the installed dependencies; its python."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(target)],
        check=True,
    )
    python = target / "bin" / "python"
    if sys.prefix != sys.base_prefix:
        # The tests run in a virtual environment: the dependencies are in its
        # site-packages, not the system's. A .pth line adds that folder to the
        # path (after the new environment's own), without running its .pth files,
        # so an editable install of demandsim there stays out of sight.
        purelib = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        outer = {*site.getsitepackages(), sysconfig.get_path("purelib")}
        Path(purelib, "outer-environment.pth").write_text("\n".join(sorted(outer)) + "\n")
    return python


@pytest.mark.slow
def test_installed_wheel_runs_a_scenario_on_a_named_platform(tmp_path: Path) -> None:
    started = time.perf_counter()
    source = _copy_source(tmp_path / "source")
    # The sdist first, then the wheel built from it: so the sdist is complete.
    sdists, wheels = tmp_path / "sdists", tmp_path / "wheels"
    _run([sys.executable, "-m", "build", "--sdist", "--outdir", sdists, source], cwd=tmp_path)
    (sdist,) = sdists.glob("demandsim-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "setup.py", "configs/demo.yaml", "sim/config/platforms/cmp.yaml"} <= names
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", wheels, sdist],
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("demandsim-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "sim/configs/demo.yaml" in archive.namelist()  # for demandsim demo
    built = time.perf_counter()

    python = _make_venv(tmp_path / "venv")
    # This environment's pip installs into the new one (faster than a pip of its own).
    pip = [sys.executable, "-m", "pip", "--python", python]
    _run([*pip, "install", "--no-deps", "--quiet", wheel], cwd=tmp_path)
    installed = time.perf_counter()

    where = _run([python, "-c", "import sim; print(sim.__file__)"], cwd=tmp_path).stdout
    assert Path(where.strip()).is_relative_to(tmp_path / "venv"), where
    platforms = _run(
        [python, "-c", "from sim.config import available_platforms as a; print(*a())"],
        cwd=tmp_path,
    ).stdout.split()
    assert platforms == ["cmp", "cmp-learning", "cmp-unstable", "legacy"]

    out = tmp_path / "run"
    demandsim = tmp_path / "venv" / "bin" / "demandsim"
    options = ["--set", "platform=cmp", "--days", "1", "--replications", "1", "--out", out]
    _run([demandsim, "run", ROOT / "configs" / "demo.yaml", *options], cwd=tmp_path)
    assert (out / "summary.csv").is_file()
    assert '"cmp"' in (out / "manifest.json").read_text()
    # The demo, from the package alone (no configs/ here): results/demo under this folder.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    demo = _run([demandsim, "demo", "--days", "1"], cwd=elsewhere)
    assert (elsewhere / "results" / "demo" / "summary.csv").is_file(), demo.stdout
    assert (elsewhere / "results" / "demo" / "report.html").is_file()
    version = _run([demandsim, "--version"], cwd=elsewhere).stdout
    assert version.strip() == f"demandsim {sim.__version__}"
    LOGGER.info(
        "wheel built in %.1f s, installed in %.1f s, run in %.1f s",
        built - started,
        installed - built,
        time.perf_counter() - installed,
    )
