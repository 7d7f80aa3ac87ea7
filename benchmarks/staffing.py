"""``demandsim staff --pool`` on the demo: this checkout against the algorithm before issue 16.

Usage (from the repository root)::

    .venv/bin/python benchmarks/staffing.py               # both, 2 workers, writes staffing.md
    .venv/bin/python benchmarks/staffing.py --workers 1

The earlier algorithm is not kept in the package: it is exported from git
(``--before``, default the commit the staffing work started from) into a
temporary folder and run there, so both are timed in the same run, on the same
machine, one after the other, with the same command line. The ratio is the
figure to read; absolute times depend on the machine and its load. The two do
not do the same work: the earlier one simulated the whole scenario five times
and accepted an interval unless its whole 95% interval missed; this one
simulates the contact side only, until every interval holds at 95% one-sided
confidence, and then confirms on fresh seeds. ``staffing.md`` records both
outputs' headline lines so the difference in what was bought is visible too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The commit the staffing work (issue 16) started from.
BEFORE = "514a844"
COMMAND = [
    "staff", "configs/demo.yaml", "--pool", "contact_centre",
    "--target", "answered_within_target:999>=90", "--target", "answer_time:101:p90<=120",
]  # fmt: skip


def timed(checkout: Path, out: Path, workers: int) -> tuple[float, str]:
    """Wall-clock seconds of the staff command run from ``checkout``, and its output."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "COLUMNS": "150"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(checkout / "cli.py"), *COMMAND, "--workers", str(workers),
         "--out", str(out)],
        cwd=checkout, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - started, done.stdout


def main() -> None:
    """Time both and write ``benchmarks/staffing.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--before", default=BEFORE)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "staffing.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        old = Path(folder) / "before"
        old.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.before], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
        before_s, before_out = timed(old, Path(folder) / "out-before", args.workers)
        after_s, after_out = timed(ROOT, Path(folder) / "out-after", args.workers)
    load = os.getloadavg()
    lines = [
        "# `staff --pool` on the demo",
        "",
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load average "
        f"{load[0]:.1f} at the end, `--workers {args.workers}`; before = git {args.before}.",
        "",
        "| | wall-clock s | ratio to before |",
        "|---|---:|---:|",
        f"| before (issue 16) | {before_s:.1f} | 1.00 |",
        f"| this checkout | {after_s:.1f} | {after_s / before_s:.2f} |",
        "",
        "## before: output",
        "",
        "```",
        before_out.strip(),
        "```",
        "",
        "## this checkout: output",
        "",
        "```",
        after_out.strip(),
        "```",
        "",
    ]
    args.out.write_text("\n".join(lines))
    sys.stdout.write("\n".join(lines[:9]) + "\n")


if __name__ == "__main__":
    main()
