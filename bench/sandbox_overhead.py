"""How much the Docker sandbox costs on top of running a code model in-process.

For one fixed code model on 300, 10,000 and 100,000 rows, median wall-clock seconds of:

  a  in-process: exec the source and call ``predict`` (no isolation at all)
  b  bare container: create/start/wait/remove of the sandbox image running ``true``, same hardening
  c  ``DockerExecutor.run`` end to end, cold (``prestart=False``: the container is launched inside run)
  w  ``DockerExecutor.run`` end to end, warm (a pre-started container waits; runs are spaced by --gap
     seconds, as in the refine loop where the LLM thinks between evaluations)

Usage: ``python bench/sandbox_overhead.py [--repeats 7] [--gap 1.0]`` (builds the image if missing).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from sandbox.daemon import connect
from sandbox.docker_executor import DockerExecutor
from sandbox.hardening import DEFAULT_LIMITS, container_kwargs
from sandbox.image import ensure_image
from sandbox.results import OutcomeKind

SIZES = (300, 10_000, 100_000)
CODE = """
import numpy as np

def predict(df):
    z = 0.8 * df["age"].fillna(30) / 30 - 1.2 * (df["sex"] == "male") + 0.4 * df["fare"].clip(0, 100) / 50
    z = z + 0.1 * df[[f"f{i}" for i in range(5)]].sum(axis=1)
    return 1 / (1 + np.exp(-z))
"""


def make_frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": np.where(rng.random(n) < 0.2, np.nan, rng.integers(1, 80, n)),
            "sex": rng.choice(["male", "female"], n),
            "fare": rng.gamma(2.0, 15.0, n).round(2),
        }
    )
    for i in range(5):
        frame[f"f{i}"] = rng.normal(size=n)
    return frame


def median_time(action: Callable[[], object], repeats: int, gap_s: float = 0.0) -> float:
    times = []
    for _ in range(repeats):
        time.sleep(gap_s)
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def in_process(frame: pd.DataFrame) -> list[float]:
    namespace: dict[str, object] = {}
    exec(compile(CODE, "<candidate>", "exec"), namespace)
    return np.asarray(namespace["predict"](frame.copy()), dtype=float).tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between warm runs")
    args = parser.parse_args()
    client = connect()
    image = ensure_image(client)
    bare_kwargs = {**container_kwargs(image, DEFAULT_LIMITS), "entrypoint": ["true"], "stdin_open": False}

    def bare() -> None:
        container = client.containers.create(**bare_kwargs)
        try:
            container.start()
            container.wait()
        finally:
            container.remove(force=True)

    b = median_time(bare, args.repeats)
    header = f"{'rows':>7} {'a in-proc':>10} {'b bare':>8} {'c cold':>8} {'w warm':>8}"
    print(f"{header} {'c/b':>6} {'c/(a+b)':>8} {'w/b':>6} {'w/(a+b)':>8}")
    with (
        DockerExecutor(image, client=client, prestart=False) as cold,
        DockerExecutor(image, client=client) as warm,
    ):
        for n in SIZES:
            frames = {"valid": make_frame(n)}
            expected = in_process(frames["valid"])
            for executor in (cold, warm):
                result = executor.run(CODE, frames)
                assert result.kind is OutcomeKind.OK and result.predictions["valid"] == expected, result
            a = median_time(lambda frames=frames: in_process(frames["valid"]), args.repeats)
            c = median_time(lambda frames=frames: cold.run(CODE, frames), args.repeats)
            w = median_time(lambda frames=frames: warm.run(CODE, frames), args.repeats, gap_s=args.gap)
            print(
                f"{n:>7} {a:>10.4f} {b:>8.4f} {c:>8.4f} {w:>8.4f} "
                f"{c / b:>6.2f} {c / (a + b):>8.2f} {w / b:>6.2f} {w / (a + b):>8.2f}"
            )
    client.close()


if __name__ == "__main__":
    main()
