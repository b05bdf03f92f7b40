"""How much the Docker sandbox costs on top of running a code model in-process.

For one fixed code model on 300, 10,000 and 100,000 rows, median wall-clock seconds of:

  a  in-process: exec the source and call ``predict`` (no isolation at all)
  b  bare container: create/start/wait/remove of the sandbox image running ``true``, same hardening
  c  ``DockerExecutor.run`` end to end, cold (``prestart=False``: the container is launched inside run)
  w  ``DockerExecutor.run`` end to end, warm (a pre-started container waits; runs are spaced by --gap
     seconds, as in the refine loop where the LLM thinks between evaluations)

With ``--pieces``, first the protocol's own share, in-process and in milliseconds: the host encoding the
request, the runner parsing it and rebuilding the frames, ``predict``, the runner writing the result
frame and the host decoding and checking it (what is left of ``w`` is Docker: attach, EOF, remove).

Usage: ``python bench/sandbox_overhead.py [--repeats 7] [--gap 1.0] [--pieces]`` (builds the image if
missing).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from sandbox import runner
from sandbox.daemon import connect
from sandbox.docker_executor import DockerExecutor
from sandbox.hardening import DEFAULT_LIMITS, container_kwargs
from sandbox.image import ensure_image
from sandbox.protocol import decode_result, encode_request
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


def rebuild(request: bytes) -> dict[str, pd.DataFrame]:
    header, body = runner.parse_request(request)
    return runner.load_frames(header["frames"], body)


def piece_times(n: int, repeats: int) -> list[float]:
    """Median seconds of each protocol step on n rows, in-process (no Docker involved)."""
    frames = {"valid": make_frame(n)}
    request = encode_request(CODE, frames)
    df = rebuild(request)["valid"]
    predict = runner.load_model(CODE)
    result = {"kind": "ok", "predictions": {"valid": runner._values(predict(df), n, "")}, "message": ""}
    with tempfile.TemporaryFile() as out:

        def write() -> None:
            out.seek(0)
            out.truncate()
            runner.write_frame(out.fileno(), result)

        times = [
            median_time(lambda: encode_request(CODE, frames), repeats),
            median_time(lambda: rebuild(request), repeats),
            median_time(lambda: predict(df), repeats),
            median_time(write, repeats),
        ]
        out.seek(0)
        stdout = out.read()
    return [*times, median_time(lambda: decode_result(stdout, {"valid": n}), repeats)]


def pieces(repeats: int) -> None:
    print(f"{'rows':>7} {'encode':>8} {'parse+load':>11} {'predict':>8} {'result':>8} {'decode':>8}  (ms)")
    for n in SIZES:
        cells = zip(piece_times(n, repeats), (8, 11, 8, 8, 8), strict=True)
        print(f"{n:>7} " + " ".join(f"{t * 1000:>{width}.1f}" for t, width in cells))
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between warm runs")
    parser.add_argument("--pieces", action="store_true", help="first time the protocol's steps in-process")
    args = parser.parse_args()
    if args.pieces:
        pieces(args.repeats)
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
