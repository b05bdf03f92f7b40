"""The embedded model server's tuning, old against new, side by side in one run (issue 15).

"old" is the server as it ran before: a fixed thread count of every usable CPU and no prompt cache
(``ServerTuning(threads=<cpus>, prompt_cache_mb=0)``); "new" is today's default (threads chosen per
request, RAM prompt cache). Printed:

1. one request (40 moons rows, a 48-token reply at temperature 0) on a quiet machine and beside one
   CPU-bound process: generation and prompt tokens/s, wall time, and busy / quiet;
2. whole runs at temperature 0 without the reply cache (the README's main job, and a refine run on the
   paper's moons split), old and new: wall time, new / old, whether every candidate's code and reply
   came out the same, and the server's prefix-cache hit per call (prompt tokens it did not evaluate);
3. the new tuning's run again beside one CPU-bound process: busy / quiet;
4. what asking for bare code would save: the main job's generator prompts sent again with and without
   ``BARE_CODE`` appended (reply tokens and seconds; a measurement, not something the generator asks).

    python bench/local_server.py [--max-iters 4] [--skip-busy-old] [--keep DIR]

Run it alone: any other CPU-heavy process on the machine is exactly what it measures.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from langchain_openai import ChatOpenAI

from ibl_agents.models.local.bundled import DEFAULT_MODEL, ensure_model
from ibl_agents.models.local.server import LocalModelServer, ServerTuning, usable_cpus

sys.path.insert(0, str(Path(__file__).parent))
from local_llm import GENERATION, PROMPT_EVAL, moons_prompt

ROOT = Path(__file__).resolve().parents[1]
JOBS = {
    "README main job": [str(ROOT / "examples" / "moons.csv"), "--target", "label"],
    "paper moons split": [
        str(ROOT / "tests" / "data" / "iblm" / "splits" / "moon_3656_300_train.csv"),
        *("--target", "target"),
    ],
}
HIT = re.compile(r"(\d+) prefix-match hit, remaining (\d+) prompt tokens to eval")
SERVER_LOG = re.compile(r"\(log: (\S+)\)")
OLD = {"local_threads": usable_cpus(), "local_prompt_cache_mb": 0}
NEW: dict[str, int] = {}


BARE_CODE = "\n\nWrite the code only: no docstrings, no comments."


@contextmanager
def competing_process(busy: bool) -> Iterator[None]:
    """One CPU-bound process for the duration (or nothing)."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        yield
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()


@dataclass(frozen=True)
class Call:
    generation_tps: float
    prompt_tps: float
    wall_s: float


def one_request(tuning: ServerTuning, busy: bool, log_dir: Path) -> Call:
    with LocalModelServer(
        ensure_model(DEFAULT_MODEL), tuning=tuning, log_dir=log_dir, log=lambda _: None
    ) as server:
        chat = ChatOpenAI(
            base_url=server.base_url,
            api_key="sk-local",
            model=server.model_name,
            temperature=0,
            extra_body={"max_tokens": 48},
        )
        start = server.log_path.stat().st_size
        with competing_process(busy):
            began = time.monotonic()
            chat.invoke(moons_prompt())
            wall_s = time.monotonic() - began
        timings = server.log_path.read_bytes()[start:].decode(errors="replace")
    prompt_ms, prompt_n = PROMPT_EVAL.findall(timings)[0]
    gen_ms, gen_n = GENERATION.findall(timings)[0]
    return Call(int(gen_n) / float(gen_ms) * 1000, int(prompt_n) / float(prompt_ms) * 1000, wall_s)


@dataclass(frozen=True)
class Run:
    wall_s: float
    codes: list[str]
    replies: list[str]
    prompts: list[str]
    hits: list[tuple[int, int]]  # (prompt tokens reused, prompt tokens evaluated) per call


def whole_run(job: list[str], models: dict[str, int], busy: bool, max_iters: int, work: Path) -> Run:
    folder = Path(tempfile.mkdtemp(dir=work))
    config = folder / "config.toml"
    config.write_text("[models]\n" + "".join(f"{key} = {value}\n" for key, value in models.items()))
    command = [sys.executable, "-m", "ibl_agents", "run", *job, "--temperature", "0", "--no-cache"]
    command += ["--max-iters", str(max_iters), "--runs-dir", str(folder / "runs"), "--config", str(config)]
    with competing_process(busy):
        began = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
        wall_s = time.monotonic() - began
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    run_dir = next((folder / "runs").iterdir())
    candidates = sorted((run_dir / "candidates").glob("*.reply.txt"))
    log = Path(SERVER_LOG.search(done.stdout + done.stderr).group(1)).read_text(errors="replace")
    return Run(
        wall_s,
        [path.with_name(path.name.replace(".reply.txt", ".py")).read_text() for path in candidates],
        [path.read_text() for path in candidates],
        [path.with_name(path.name.replace(".reply.txt", ".prompt.txt")).read_text() for path in candidates],
        [(int(reused), int(evaluated)) for reused, evaluated in HIT.findall(log)],
    )


def bare_code_savings(prompts: list[str], log_dir: Path) -> str:
    """Reply tokens and seconds for each prompt as it is, then with BARE_CODE appended."""
    with LocalModelServer(ensure_model(DEFAULT_MODEL), log_dir=log_dir, log=lambda _: None) as server:
        chat = ChatOpenAI(
            base_url=server.base_url, api_key="sk-local", model=server.model_name, temperature=0
        )
        chat = chat.bind(extra_body={"max_tokens": 768}, stop=["\n```\n"])
        totals = {"as is": [0, 0.0], "bare": [0, 0.0]}
        for prompt in prompts:
            for name, text in (("as is", prompt), ("bare", prompt + BARE_CODE)):
                began = time.monotonic()
                reply = chat.invoke(text)
                totals[name][0] += (reply.usage_metadata or {}).get("output_tokens", 0)
                totals[name][1] += time.monotonic() - began
    (tokens, seconds), (bare_tokens, bare_seconds) = totals["as is"], totals["bare"]
    return (
        f"{len(prompts)} prompts: as is {tokens} reply tokens in {seconds:.0f} s, bare {bare_tokens} in"
        f" {bare_seconds:.0f} s (bare / as is: tokens {bare_tokens / max(tokens, 1):.2f})"
    )


def first_difference(old: Run, new: Run) -> str:
    """Where the two runs' replies part, if they do."""
    for number, (before, after) in enumerate(zip(old.replies, new.replies, strict=False), start=1):
        if before != after:
            return f" (first different reply: candidate {number})"
    return ""


def hit_rates(run: Run) -> str:
    return " ".join(f"{reused / (reused + evaluated):.0%}" for reused, evaluated in run.hits)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-iters", type=int, default=4, help="generations per whole run")
    parser.add_argument(
        "--skip-busy-old", action="store_true", help="leave out the old tuning's busy request (minutes)"
    )
    parser.add_argument("--keep", type=Path, help="keep the runs (and server logs) in this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ibl-bench-") as scratch:
        work = args.keep or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        print(f"1. one request, {usable_cpus()} usable CPUs", flush=True)
        tunings = {"old": ServerTuning(threads=usable_cpus(), prompt_cache_mb=0), "new": ServerTuning()}
        for name, tuning in tunings.items():
            quiet = one_request(tuning, False, work)
            line = f"   {name}: quiet {quiet.generation_tps:.2f} gen tok/s, "
            line += f"{quiet.prompt_tps:.1f} prompt tok/s, {quiet.wall_s:.1f} s"
            if name == "old" and args.skip_busy_old:
                print(line + "; busy: skipped", flush=True)
                continue
            busy = one_request(tuning, True, work)
            line += f" | busy {busy.generation_tps:.2f} gen tok/s, {busy.prompt_tps:.1f} prompt tok/s, "
            line += f"{busy.wall_s:.1f} s | busy/quiet speed {quiet.wall_s / busy.wall_s:.2f}"
            print(line, flush=True)
        print(f"2. whole runs, temperature 0, no reply cache, --max-iters {args.max_iters}", flush=True)
        for job_name, job in JOBS.items():
            old = whole_run(job, OLD, False, args.max_iters, work)
            new = whole_run(job, NEW, False, args.max_iters, work)
            ratio = new.wall_s / old.wall_s
            print(f"   {job_name}: old {old.wall_s:.0f} s, new {new.wall_s:.0f} s, new/old {ratio:.2f}")
            same = f"same code models: {old.codes == new.codes} ({len(new.codes)} candidates)"
            print(f"      {same}, same replies: {old.replies == new.replies}{first_difference(old, new)}")
            print(f"      prefix reused per call: old {hit_rates(old)} | new {hit_rates(new)}", flush=True)
            if job_name == "README main job":
                busy = whole_run(job, NEW, True, args.max_iters, work)
                print(f"3. {job_name}, new tuning beside one CPU-bound process: {busy.wall_s:.0f} s", end="")
                print(
                    f", busy/quiet speed {new.wall_s / busy.wall_s:.2f}, same code: {busy.codes == new.codes}"
                )
                print(f"4. bare code, {bare_code_savings(new.prompts, work)}", flush=True)


if __name__ == "__main__":
    main()
