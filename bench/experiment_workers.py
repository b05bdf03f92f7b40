"""``ibl experiment --workers N`` with the embedded model: which way of running N cells is fastest here.

The same small experiment (generated moons splits on seeds no result reports, best-of-n at temperature
0, no reply cache) runs three ways, side by side in one run:

1. ``--workers 1``: one cell at a time against one local server;
2. ``--workers N`` (threads in one process): N cells at once, sharing that one server, which answers
   one request at a time (llama-cpp-python has no parallel slots), so cells overlap only where one
   waits for the sandbox while another waits for the model;
3. ``--executor ray --workers N``: N processes, each cell starting its own server on the same cores.

Printed: wall time of each, its ratio to ``--workers 1``, and whether every cell's replies came out the
same as in ``--workers 1`` (its replies, at temperature 0).

    python bench/experiment_workers.py [--workers 2] [--cells 4] [--max-iters 2] [--keep DIR]

Run it alone: any other CPU-heavy process on the machine is exactly what it measures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

CONFIG = """\
name: workers_bench
replicates: 1
datasets:
  - name: moons.bench
    generate: {{kind: moons, noise: 0.05, rows: 200, test_rows: 200}}
    seeds: {{first: 900, count: {cells}}}
    train_rows: [40]
models:
  - local:qwen2.5-coder-1.5b
strategies:
  - {{name: best-of-{iters}, strategy: best-of-n, max_iters: {iters}}}
icl: false
refine:
  models: {{cache: false, temperature: 0}}
"""


def run(config: Path, runs_dir: Path, extra: list[str]) -> tuple[float, dict[str, str]]:
    """Wall time of one ``ibl experiment`` and each cell's replies, joined (by cell directory name)."""
    command = [sys.executable, "-m", "ibl_agents", "experiment", str(config), "--runs-dir", str(runs_dir)]
    began = time.monotonic()
    done = subprocess.run(
        [*command, *extra], capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}
    )
    wall_s = time.monotonic() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command + extra)} failed ({done.returncode}): {done.stderr[-2000:]}")
    replies: dict[str, str] = {}
    for path in sorted(runs_dir.glob("exp-*/cells/*/*/candidates/*.reply.txt")):
        cell = path.parents[2].name
        replies[cell] = replies.get(cell, "") + path.read_text()
    return wall_s, replies


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=2, help="N of the parallel variants")
    parser.add_argument("--cells", type=int, default=4, help="splits (one cell each)")
    parser.add_argument("--max-iters", type=int, default=2, help="generator calls per cell")
    parser.add_argument("--keep", type=Path, help="keep the runs in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ibl-bench-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        config = work / "workers_bench.yaml"
        config.write_text(CONFIG.format(cells=args.cells, iters=args.max_iters))
        yaml.safe_load(config.read_text())  # a malformed template fails here, before any model call
        variants = {
            "--workers 1": [],
            f"--workers {args.workers} (threads, one server)": ["--workers", str(args.workers)],
            f"--executor ray --workers {args.workers} (a server per cell)": [
                *("--executor", "ray", "--workers", str(args.workers))
            ],
        }
        print(f"{args.cells} cells x {args.max_iters} generator calls, temperature 0, no reply cache")
        baseline: tuple[float, dict[str, str]] | None = None
        for number, (name, extra) in enumerate(variants.items(), start=1):
            wall_s, replies = run(config, work / f"runs-{number}", extra)
            if baseline is None:
                baseline = (wall_s, replies)
                print(f"   {name}: {wall_s:.0f} s", flush=True)
                continue
            same = sum(replies.get(cell) == text for cell, text in baseline[1].items())
            print(
                f"   {name}: {wall_s:.0f} s, / workers 1: {wall_s / baseline[0]:.2f},"
                f" same replies in {same} of {len(baseline[1])} cells",
                flush=True,
            )


if __name__ == "__main__":
    main()
