"""A batch of bad or unusual inputs through the real `ibl` command: how many get one clear line.

"Clear" is what the README promises for bad input: exit 2, exactly one line on standard error starting
with ``error:`` (no traceback), nothing left in the runs folder, and an answer within 60 s (none of these
should reach a model); for `ibl score` of a model that fails, the documented exit 1 with the model's
outcome as the one line on standard output. Each case prints its exit code, seconds, verdict and the
line, so a reader judges the wording too. No model is called: a case that would reach one points
``--base-url`` at a closed port.

    python bench/bad_inputs.py [--batch first|fresh|all] [--only SUBSTRING]

Needs the sandbox image (``ibl sandbox build``) for the few cases that get as far as opening it.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MOONS = ROOT / "tests" / "data" / "iblm" / "splits" / "moon_3656_300_train.csv"
INF = "a,y\n" + "".join(f"{'inf' if i == 3 else i},{i % 2}\n" for i in range(20))
FREE_TEXT = "name,y\n" + "".join(f"passenger number {i} long,{i % 2}\n" for i in range(80))
WIDE = ",".join(f"c{i}" for i in range(600)) + ",y\n"
WIDE += "".join(",".join(["1"] * 600) + f",{i % 2}\n" for i in range(20))
CONFIG_STRING = '[loop]\nmax_iters = "5"\n'
CONFIG_HOT = '[models]\ntemperature = "hot"\n'
ONE_CLASS_TEST = "Feature_1,Feature_2,target\n1,2,1\n3,4,1\n"
SCORE = ["--data", str(MOONS), "--target"]


def closed_port() -> int:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        return holder.getsockname()[1]


@dataclass(frozen=True)
class Case:
    name: str
    args: Callable[[Path], list[str]]  # the command's arguments, given the scratch folder
    files: dict[str, str | bytes | None] | None = None  # written into the scratch folder (None: a folder)
    # `ibl score` of a model that fails is a result, not bad input: exit 1 and its outcome on stdout
    model_failure: bool = False


def csv_case(name: str, text: str | bytes, *extra: str, target: str = "y", file: str = "d.csv") -> Case:
    return Case(name, lambda d: ["run", str(d / file), "--target", target, *extra], {file: text})


def moons(name: str, *extra: str, files: dict[str, str | bytes] | None = None) -> Case:
    return Case(name, lambda d: ["run", str(MOONS), "--target", "target", *extra], files)


CASES = [
    Case("run: missing data file", lambda d: ["run", str(d / "nope.csv"), "--target", "y"]),
    Case("run: a folder as the data file", lambda d: ["run", str(d), "--target", "y"]),
    csv_case("run: empty file", ""),
    csv_case("run: header only", "a,y\n"),
    csv_case("run: Excel workbook", b"PK\x03\x04 not really", file="d.xlsx"),
    csv_case("run: JSON file", '[{"a": 1, "y": 0}, {"a": 2, "y": 1}]', file="d.json"),
    csv_case("run: semicolon separated", "a;b;y\n1;2;0\n3;4;1\n"),
    csv_case("run: tab separated", "a\tb\ty\n1\t2\t0\n3\t4\t1\n"),
    csv_case("run: latin-1 encoded", "caf\xe9,y\n1,0\n2,1\n".encode("latin-1")),
    csv_case("run: duplicate header", "a,a,y\n1,2,0\n3,4,1\n"),
    csv_case("run: saved index column", ",a,y\n0,1,0\n1,3,1\n"),
    moons("run: misspelt target", "--target", "targte"),
    moons("run: wrong-case target", "--target", "Target"),
    moons("run: target with a trailing space", "--target", "target "),
    Case("run: no --target", lambda d: ["run", str(MOONS)]),
    csv_case("run: one-class target", "a,y\n1,1\n2,1\n3,1\n"),
    csv_case("run: target with missing values", "a,y\n1,1\n2,\n3,0\n4,1\n"),
    csv_case("run: inf in a feature", INF),
    csv_case("run: free-text column", FREE_TEXT),
    csv_case("run: 600 columns", WIDE),
    moons("run: --drop-columns unknown", "--drop-columns", "nope"),
    moons("run: --drop-columns the target", "--drop-columns", "target"),
    moons("run: --max-iters 0", "--max-iters", "0"),
    moons("run: --max-iters not a number", "--max-iters", "many"),
    moons("run: --temperature 5", "--temperature", "5"),
    moons("run: --train-rows 0", "--train-rows", "0"),
    moons("run: --task unknown", "--task", "ranking"),
    moons("run: --metric unknown", "--metric", "precision"),
    moons("run: --metric wrong for the task", "--metric", "r2"),
    moons("run: --strategy unknown", "--strategy", "beam"),
    moons("run: --scaffold unknown", "--scaffold", "minimal"),
    moons("run: --preset unknown", "--preset", "papers"),
    moons("run: --runs-dir is a file", "--runs-dir", "{d}/f", files={"f": "x"}),
    moons("run: --runs-dir below a file", "--runs-dir", "{d}/f/runs", files={"f": "x"}),
    moons("run: --config missing", "--config", "{d}/nope.toml"),
    moons("run: --config not TOML", "--config", "{d}/c.toml", files={"c.toml": "max_iters = = 3\n"}),
    moons("run: config unknown key", "--config", "{d}/c.toml", files={"c.toml": "[loop]\nmax_iter = 3\n"}),
    moons("run: config max_iters a string", "--config", "{d}/c.toml", files={"c.toml": CONFIG_STRING}),
    moons("run: config patience 3.5", "--config", "{d}/c.toml", files={"c.toml": "[loop]\npatience = 3.5\n"}),
    moons("run: config temperature hot", "--config", "{d}/c.toml", files={"c.toml": CONFIG_HOT}),
    moons(
        "run: --base-url on a closed port",
        *("--model", "openai:x", "--base-url", "http://127.0.0.1:{port}/v1", "--no-cache"),
    ),
    moons("run: --base-url without a scheme", "--model", "openai:x", "--base-url", "localhost:8080"),
    moons("run: unknown provider", "--model", "nosuchprovider:model"),
    moons("run: local model file missing", "--model", "local:{d}/missing.gguf"),
    moons("run: --test with other columns", "--test", "{d}/t.csv", files={"t.csv": "a,b,target\n1,2,0\n"}),
    moons("run: --test of one class", "--test", "{d}/t.csv", files={"t.csv": ONE_CLASS_TEST}),
    moons("run: --checkpoint-db not a URL", "--checkpoint-db", "mysql://x"),
    Case(
        "score: missing model file",
        lambda d: ["score", str(d / "m.py"), *SCORE, "target"],
    ),
    Case(
        "score: model file not UTF-8",
        lambda d: ["score", str(d / "m.py"), *SCORE, "target"],
        {"m.py": b"\xff\xfe\x00def"},
    ),
    Case(
        "score: target not in the data",
        lambda d: ["score", str(d / "m.py"), *SCORE, "label"],
        {"m.py": "def predict(df):\n    return df['Feature_1'] > 0\n"},
    ),
    Case("resume: not a run directory", lambda d: ["resume", str(d)]),
    Case("report: not an experiment directory", lambda d: ["report", str(d)]),
    Case("experiment: missing config", lambda d: ["experiment", str(d / "nope.yaml")]),
    Case(
        "experiment: YAML that is not a mapping",
        lambda d: ["experiment", str(d / "e.yaml")],
        {"e.yaml": "- a\n- b\n"},
    ),
    Case("explain: not a run directory", lambda d: ["explain", str(d), "--no-llm"]),
]

# A second batch, written after the first was fixed: other inputs of the same classes (issue 17's "the
# same classes will be tried again with other inputs"). None of these was looked at while fixing the first.
RAGGED = "a,b,y\n1,2,0\n3,4,1,9\n5,6,0\n"
EXPERIMENT = """name: e
replicates: {replicates}
datasets:
  - {{name: m, path: {path}, target: target, seeds: [1], train_rows: [40]}}
models: [local:qwen2.5-coder-1.5b]
strategies: [{{name: o, strategy: one-shot}}]
"""
FRESH = [
    csv_case("run: UTF-16 file", "a,y\n1,0\n2,1\n".encode("utf-16")),
    csv_case("run: binary garbage named .csv", bytes(range(256)) * 4),
    csv_case("run: Parquet content named .csv", b"PAR1\x15\x04\x15\x10 not csv PAR1"),
    csv_case("run: gzip named .csv", b"\x1f\x8b\x08\x00 not csv"),
    csv_case("run: target is the only column", "y\n0\n1\n0\n1\n"),
    csv_case("run: ragged rows", RAGGED),
    csv_case("run: unterminated quote", 'a,y\n"1,0\n2,1\n3,0\n'),
    csv_case("run: one data row", "a,y\n1,0\n"),
    csv_case("run: target all missing", "a,y\n1,\n2,\n3,\n"),
    csv_case("run: a feature entirely empty", "a,b,y\n" + "".join(f"{i},,{i % 2}\n" for i in range(20))),
    csv_case("run: -inf in a feature", INF.replace("inf", "-inf")),
    csv_case("run: a number too big for a float", INF.replace("inf", "1e400")),
    csv_case("run: newline inside a header", '"a\nb",y\n' + "".join(f"{i},{i % 2}\n" for i in range(20))),
    csv_case("run: four rows", "a,y\n1,0\n2,1\n3,0\n4,1\n"),
    csv_case("run: target named with a newline", '"a",y\n1,0\n2,1\n', target="y\nz"),
    csv_case("run: --task binary on three labels", "a,y\n1,0\n2,1\n3,2\n4,0\n5,1\n6,2\n", "--task", "binary"),
    csv_case("run: --task regression on text labels", "a,y\n1,u\n2,v\n3,u\n4,v\n", "--task", "regression"),
    moons("run: --train-rows larger than the data", "--train-rows", "100000"),
    moons("run: --train-rows negative", "--train-rows", "-5"),
    moons("run: --temperature negative", "--temperature", "-1"),
    moons("run: --max-iters 2.5", "--max-iters", "2.5"),
    moons("run: --patience 0", "--patience", "0"),
    moons("run: --max-wall 0", "--max-wall", "0"),
    moons("run: --explore 0", "--explore", "0"),
    moons("run: unknown flag", "--max-iter", "3"),
    moons("run: --drop-columns every feature", "--drop-columns", "Feature_1", "--drop-columns", "Feature_2"),
    moons("run: --drop-columns empty name", "--drop-columns", ""),
    moons("run: --model without a provider", "--model", "gpt-4o"),
    moons("run: --model with an empty name", "--model", "openai:"),
    moons("run: --critic-model unknown provider", "--critic-model", "nosuch:m"),
    moons("run: --base-url ftp scheme", "--model", "openai:x", "--base-url", "ftp://127.0.0.1/v1"),
    moons(
        "run: --base-url port out of range", "--model", "openai:x", "--base-url", "http://127.0.0.1:99999/v1"
    ),
    moons("run: --feedback unknown channel", "--feedback", "gossip"),
    moons("run: --aid unknown", "--aid", "magic"),
    moons("run: --sandbox unknown", "--sandbox", "vm"),
    moons("run: --config a folder", "--config", "{d}"),
    moons(
        "run: config unknown section", "--config", "{d}/c.toml", files={"c.toml": "[loops]\nmax_iters = 3\n"}
    ),
    moons(
        "run: config list for a number",
        "--config",
        "{d}/c.toml",
        files={"c.toml": "[loop]\npatience = [1]\n"},
    ),
    moons(
        "run: config not UTF-8", "--config", "{d}/c.toml", files={"c.toml": b"[loop]\nmax_iters = 3 # \xff\n"}
    ),
    moons("run: config JSON not an object", "--config", "{d}/c.json", files={"c.json": "[1, 2]"}),
    moons("run: --runs-dir under /proc", "--runs-dir", "/proc/ibl-runs"),
    moons("run: --checkpoint-db unreachable", "--checkpoint-db", "postgresql://u@127.0.0.1:{port}/db"),
    moons("run: --test a folder", "--test", "{d}"),
    moons("run: --test empty", "--test", "{d}/t.csv", files={"t.csv": ""}),
    Case(
        "score: model with a syntax error",
        lambda d: ["score", str(d / "m.py"), *SCORE, "target"],
        {"m.py": "def predict(df)\n    return 1\n"},
        model_failure=True,
    ),
    Case(
        "score: model without predict",
        lambda d: ["score", str(d / "m.py"), *SCORE, "target"],
        {"m.py": "def classify(df):\n    return df['Feature_1'] > 0\n"},
        model_failure=True,
    ),
    Case("score: model path a folder", lambda d: ["score", str(d), *SCORE, "target"]),
    Case(
        "score: data missing",
        lambda d: ["score", str(d / "m.py"), "--data", str(d / "no.csv"), "--target", "target"],
        {"m.py": "def predict(df):\n    return df['Feature_1'] > 0\n"},
    ),
    Case("resume: missing folder", lambda d: ["resume", str(d / "gone")]),
    Case(
        "resume: config.json not JSON",
        lambda d: ["resume", str(d / "r")],
        {"r": None, "r/config.json": "{not json", "r/manifest.json": "{}"},
    ),
    Case("report: missing folder", lambda d: ["report", str(d / "gone")]),
    Case("explain: missing folder", lambda d: ["explain", str(d / "gone"), "--no-llm"]),
    Case(
        "explain: --candidate unknown",
        lambda d: ["explain", str(d / "r"), "--candidate", "9999", "--no-llm"],
        {"r": None, "r/config.json": "{}", "r/manifest.json": "{}"},
    ),
    Case(
        "experiment: replicates 0",
        lambda d: ["experiment", str(d / "e.yaml"), "--runs-dir", str(d / "runs")],
        {"e.yaml": EXPERIMENT.format(replicates=0, path=MOONS)},
    ),
    Case(
        "experiment: dataset file missing",
        lambda d: ["experiment", str(d / "e.yaml"), "--runs-dir", str(d / "runs")],
        {"e.yaml": EXPERIMENT.format(replicates=1, path="nope.csv")},
    ),
    Case(
        "experiment: YAML with a tab indent",
        lambda d: ["experiment", str(d / "e.yaml"), "--runs-dir", str(d / "runs")],
        {"e.yaml": "name: e\ndatasets:\n\t- name: m\n"},
    ),
    Case(
        "experiment: --workers 0",
        lambda d: ["experiment", str(d / "e.yaml"), "--workers", "0", "--runs-dir", str(d / "runs")],
        {"e.yaml": EXPERIMENT.format(replicates=1, path=MOONS)},
    ),
    Case("models pull: unknown alias", lambda d: ["models", "pull", "gpt-5"]),
    Case("unknown command", lambda d: ["rnu", str(MOONS)]),
]
BATCHES = {"first": CASES, "fresh": FRESH}


def run_case(case: Case, port: int) -> tuple[str, int, float, str]:
    with tempfile.TemporaryDirectory(prefix="ibl-bad-") as scratch:
        folder = Path(scratch)
        for name, content in (case.files or {}).items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if content is None:
                path.mkdir(exist_ok=True)
            elif isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        args = [arg.replace("{d}", scratch).replace("{port}", str(port)) for arg in case.args(folder)]
        if args[0] == "run" and "--runs-dir" not in args:
            args += ["--runs-dir", str(folder / "runs")]
        began = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-m", "ibl_agents", *args],
                capture_output=True,
                text=True,
                cwd=folder,
                timeout=60,
                env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
            )
        except subprocess.TimeoutExpired:
            return "TIMEOUT", -1, 60.0, "(no answer within 60 s)"
        seconds = time.monotonic() - began
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        runs = folder / "runs"
        left = runs.is_dir() and any(runs.iterdir())
        clear = done.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ") and not left
        if case.model_failure:
            lines = done.stdout.splitlines()[:1]
            clear = done.returncode == 1 and not done.stderr.strip() and ": " in "".join(lines) and not left
        verdict = "clear" if clear else ("traceback" if "Traceback" in done.stderr else "NOT CLEAR")
        shown = (
            lines[0] if len(lines) == 1 else f"{len(lines)} stderr lines; last: {lines[-1] if lines else ''}"
        )
        return verdict, done.returncode, seconds, shown[:220]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument(
        "--batch", choices=[*BATCHES, "all"], default="all", help="first (55 cases), fresh (59) or all"
    )
    args = parser.parse_args()
    port = closed_port()
    cases = [case for name, batch in BATCHES.items() if args.batch in (name, "all") for case in batch]
    chosen = [case for case in cases if args.only in case.name]
    verdicts = []
    for case in chosen:
        verdict, code, seconds, line = run_case(case, port)
        verdicts.append(verdict)
        print(f"{verdict:9} exit {code:>2} {seconds:5.1f} s  {case.name}: {line}", flush=True)
    clear = verdicts.count("clear")
    print(
        f"\n{clear} of {len(chosen)} bad inputs got one clear line (exit 2, one `error:` line, nothing left)"
    )


if __name__ == "__main__":
    main()
