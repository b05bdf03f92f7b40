"""How fast the bundled local models are on this machine, for one IBL-sized request.

For each bundled model: start a fresh server, send one chat request with the first 40 rows of the moons
training split as CSV asking for ``predict(df)``, and report the wall time of that call plus llama.cpp's
own prompt-eval and generation timings. llama.cpp's timing counters accumulate over a context's
life, which is why every model gets a fresh server and exactly one request.

    python bench/local_llm.py [--models qwen2.5-coder-0.5b ...] [--n-threads N]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from langchain_openai import ChatOpenAI

from ibl_agents.models.local.bundled import BUNDLED_MODELS, ensure_model
from ibl_agents.models.local.server import LocalModelServer, ServerTuning

TRAIN_CSV = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "iblm" / "splits" / "moon_3656_300_train.csv"
)
ROWS = 40
MAX_TOKENS = 512
PROMPT_EVAL = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
GENERATION = re.compile(r"^\S+:\s+eval time =\s*([\d.]+) ms /\s*(\d+) runs", re.MULTILINE)


@dataclass(frozen=True)
class Result:
    alias: str
    startup_s: float
    prompt_tokens: int
    completion_tokens: int
    prompt_eval_tps: float
    generation_tps: float
    wall_s: float


def moons_prompt() -> str:
    sample = pd.read_csv(TRAIN_CSV).head(ROWS).to_csv(index=False)
    return (
        f"Below are {ROWS} labeled rows of a binary classification dataset as CSV; `target` is the label.\n\n"
        f"{sample}\n"
        "Write a Python function `predict(df)` that takes a pandas DataFrame with the columns Feature_1 and "
        "Feature_2 and returns a numpy array of 0/1 predictions, one per row. Use only numpy and pandas. "
        "Reply with a single ```python fenced code block."
    )


def bench(alias: str, n_threads: int | None, log_dir: Path) -> Result:
    path = ensure_model(alias, log=print)
    started = time.monotonic()
    tuning = ServerTuning(threads=n_threads, batch_threads=n_threads)
    with LocalModelServer(path, tuning=tuning, log_dir=log_dir, log=print) as server:
        startup_s = time.monotonic() - started
        chat = ChatOpenAI(
            base_url=server.base_url,
            api_key="sk-local",
            model=server.model_name,
            temperature=0,
            # ChatOpenAI sends max_tokens as max_completion_tokens, which llama-cpp-python ignores.
            extra_body={"max_tokens": MAX_TOKENS},
        )
        log_start = server.log_path.stat().st_size
        t0 = time.monotonic()
        reply = chat.invoke(moons_prompt())
        wall_s = time.monotonic() - t0
        timings = server.log_path.read_bytes()[log_start:].decode(errors="replace")
    prompt_ms, prompt_n = PROMPT_EVAL.findall(timings)[0]
    gen_ms, gen_n = GENERATION.findall(timings)[0]
    usage = reply.usage_metadata
    assert usage is not None, "the server reported no token usage"
    return Result(
        alias=alias,
        startup_s=startup_s,
        prompt_tokens=usage["input_tokens"],
        completion_tokens=usage["output_tokens"],
        prompt_eval_tps=int(prompt_n) / float(prompt_ms) * 1000,
        generation_tps=int(gen_n) / float(gen_ms) * 1000,
        wall_s=wall_s,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", nargs="+", default=list(BUNDLED_MODELS), choices=list(BUNDLED_MODELS))
    parser.add_argument(
        "--n-threads",
        type=int,
        default=None,
        help="generation and prompt threads (default: ServerTuning's choice)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ibl-bench-") as log_dir:
        results = [bench(alias, args.n_threads, Path(log_dir)) for alias in args.models]
    print(
        f"\n{'model':<20} {'startup s':>9} {'prompt tok':>10} {'prompt tok/s':>12} {'compl tok':>9} ", end=""
    )
    print(f"{'compl tok/s':>11} {'wall s':>7}")
    for r in results:
        print(
            f"{r.alias:<20} {r.startup_s:>9.1f} {r.prompt_tokens:>10} {r.prompt_eval_tps:>12.1f} "
            f"{r.completion_tokens:>9} {r.generation_tps:>11.1f} {r.wall_s:>7.1f}"
        )


if __name__ == "__main__":
    main()
