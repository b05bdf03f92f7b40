"""What judging one candidate costs since issue 14, against the protocol before it, side by side.

Before: one sandbox process scored every frame of a candidate (train rows and each validation fold, in
file order, under their own names). Now (``evaluation.evaluate_candidate``): the train rows run alone in
one process and the validation folds, pooled into one frame, in a second, each frame in a seeded row order
of its own. Both columns use the same Docker executor (a pre-started container each run, the current
runner), the same code model and the same rows.

Usage: ``python bench/evaluation_cost.py [--repeats 9] [--rows 300]``; prints median seconds and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from ibl_agents.data.dataset import load_dataset
from ibl_agents.data.splits import Splits
from ibl_agents.evaluation.evaluate import evaluate_candidate
from sandbox.docker_executor import DockerExecutor
from sandbox.image import ensure_image

CODE = """
import numpy as np

def predict(df):
    return 1 / (1 + np.exp(-(df["x1"] - 0.5 * df["x2"])))
"""


def median_time(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--rows", type=int, default=300, help="labeled rows: 40 shown, the rest in 3 folds")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=args.rows), "x2": rng.normal(size=args.rows)})
    dataset = load_dataset(frame.assign(y=(frame["x1"] > 0).astype(int)), "y")
    rest = list(range(40, args.rows))
    splits = Splits(train=list(range(40)), folds=[rest[i::3] for i in range(3)], test=[])
    before = {"train": dataset.frame.iloc[splits.train].reset_index(drop=True)}
    before |= {
        f"validation_{i}": dataset.frame.iloc[rows].reset_index(drop=True)
        for i, rows in enumerate(splits.folds)
    }
    with DockerExecutor(ensure_image()) as executor:
        old = median_time(lambda: executor.run(CODE, before), args.repeats)
        new = median_time(lambda: evaluate_candidate(CODE, dataset, splits, executor), args.repeats)
    print(f"{args.rows} labeled rows, median of {args.repeats} runs, Docker executor")
    print(f"  before (one process, every frame):        {old:.3f} s")
    print(f"  now (train alone, then the folds pooled):  {new:.3f} s")
    print(f"  ratio now / before:                        {new / old:.2f}")


if __name__ == "__main__":
    main()
