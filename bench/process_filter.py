"""What the process sandbox's seccomp filter costs: ``ProcessExecutor.run`` with and without it.

For one fixed code model on 300 and 10,000 rows, median wall-clock seconds of a run on the process
backend as it ships (bubblewrap loads ``sandbox.syscall_filter``'s program before the runner starts) and
on the same backend as it runs on a host without libseccomp (no ``--seccomp``), alternated run by run in
one process so that both see the same machine. The ratio is filtered / unfiltered.

Usage: ``python bench/process_filter.py [--repeats 9]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from sandbox import syscall_filter
from sandbox.process_executor import ProcessExecutor
from sandbox.results import OutcomeKind

SIZES = (300, 10_000)
CODE = """
import numpy as np

def predict(df):
    score = 0.8 * df["x1"] - 0.3 * df["x2"]
    return 1 / (1 + np.exp(-score))
"""


def unfiltered_executor() -> ProcessExecutor:
    """The executor a host without libseccomp gets (what ``tests/sandbox/test_backends.py`` checks)."""
    loaded = syscall_filter.seccomp
    syscall_filter.seccomp = None
    try:
        return ProcessExecutor()
    finally:
        syscall_filter.seccomp = loaded


def seconds(executor: ProcessExecutor, frame: pd.DataFrame) -> float:
    started = time.perf_counter()
    result = executor.run(CODE, {"rows": frame})
    assert result.kind is OutcomeKind.OK, result.message
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with ProcessExecutor() as filtered, unfiltered_executor() as unfiltered:
        print(f"{'rows':>7} {'filtered s':>11} {'unfiltered s':>13} {'ratio':>6}")
        for size in SIZES:
            frame = pd.DataFrame({"x1": rng.normal(size=size), "x2": rng.normal(size=size)})
            times: dict[str, list[float]] = {"filtered": [], "unfiltered": []}
            for _ in range(args.repeats):
                times["filtered"].append(seconds(filtered, frame))
                times["unfiltered"].append(seconds(unfiltered, frame))
            on, off = (statistics.median(times[name]) for name in ("filtered", "unfiltered"))
            print(f"{size:>7} {on:>11.3f} {off:>13.3f} {on / off:>6.2f}")


if __name__ == "__main__":
    main()
