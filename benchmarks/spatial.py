"""The spatial demo's four-week replication against the aggregate demo's, as a ratio.

Replication 0 of ``configs/spatial-demo.yaml`` (40 beats, 8 stations, a road
graph; units that move) and of ``configs/demo.yaml`` (two areas, one lognormal
travel time each), each in a fresh child process on one CPU
(:func:`benchmarks.year.measure`, fastest of the repeats, CPU time), as
``demandsim run`` does per replication: sampling, wiring, the run and the
metrics (the spatial demo's include 40 beats' and 8 stations' figures). The
two scenarios differ in size, so the ratio to compare is CPU per incident.
Where ``configs/spatial/`` has no data yet, the test stand-in
(``tests/fixtures/spatial/demo``) is used, and the results say so.

    .venv/bin/python benchmarks/spatial.py [--repeats 3]

Writes ``benchmarks/spatial.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

from benchmarks.year import measure  # noqa: E402
from tests.model.spatial_setups import spatial_demo_copy  # noqa: E402

DEMO = ROOT / "configs" / "demo.yaml"
SPATIAL = ROOT / "configs" / "spatial-demo.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    repeats = parser.parse_args().repeats
    with tempfile.TemporaryDirectory() as folder:
        spatial, data = SPATIAL, "configs/spatial/"
        if not (ROOT / "configs" / "spatial" / "beats.csv").exists():
            spatial, data = spatial_demo_copy(Path(folder)), "tests/fixtures/spatial/demo/"
        figures = {name: measure(path, None, repeats) for name, path in
                   (("demo", DEMO), ("spatial-demo", spatial))}  # fmt: skip
    demo, geo = figures["demo"], figures["spatial-demo"]
    per_incident = {k: 1e6 * f["cpu_s"] / f["incidents"] for k, f in figures.items()}
    ratio = geo["cpu_s"] / demo["cpu_s"]
    ratio_per_incident = per_incident["spatial-demo"] / per_incident["demo"]
    load = os.getloadavg()[0]
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows = [
        f"| `{name}` | {f['days']:g} + {f['warmup_days']:g} | {f['calls']:,} | {f['incidents']:,} "
        f"| {f['cpu_s']:.2f} | {f['wall_s']:.2f} | {per_incident[name]:.1f} |"
        for name, f in figures.items()
    ]
    text = "\n".join(
        [
            "# Spatial demo against the aggregate demo: one four-week replication",
            "",
            f"{when}, load average {load:.1f}, fastest of {repeats}, one CPU per child; "
            f"spatial data from `{data}`.",
            "",
            "| scenario | days | calls | incidents | CPU s | wall s | CPU µs per incident |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"**Ratio, spatial demo / demo: {ratio:.2f} in CPU time; "
            f"{ratio_per_incident:.2f} per incident.**",
            "",
        ]
    )
    (ROOT / "benchmarks" / "spatial.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
