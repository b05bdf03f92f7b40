"""The run directory: everything a run did, on disk, so state can stay small.

Layout of ``runs/<time>-<name>/``::

    config.json          resolved configuration
    manifest.json        data source and hash, split indices, audit
    candidates/NNNN.py   each candidate's code;  NNNN.json its record;  NNNN.prompt.txt / .reply.txt;
                         NNNN.train_scores.json;  NNNN.as_written.py the LLM's code when a repair changed it
    feedback/NNNN.txt    feedback written after candidate NNNN;  NNNN.prompt.txt the critic's prompt
    events.jsonl         one JSON object per event, in order
    checkpoint.json      LangGraph thread id and checkpoint store (ibl_agents/run/checkpoints.py)
    checkpoints.sqlite   LangGraph checkpoints (``ibl resume`` continues the thread); not with checkpoint_db
    .running             flock held by the process working on the run
    summary.json         final metrics, baselines and harness-only models, stop reason, tokens
    best_model.py        the best code model, standalone, with a provenance header

Files are written atomically (temp file + rename) so a killed run never leaves half a file. A
candidate's file names are spelled only in ``CandidateFiles``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ibl_agents.code_text import docstring_text
from ibl_agents.errors import ConfigError, DamagedFileError


def check_runs_dir(runs_dir: Path, flag: str = "--runs-dir") -> None:
    """Refuse a runs folder that cannot hold run directories, before anything is loaded or called: a
    file, a path below a file, or a folder this process cannot write (a traceback at the first write,
    before)."""
    if runs_dir.exists() and not runs_dir.is_dir():
        raise ConfigError(
            f"{flag} {runs_dir} is a file, not a folder; pass a folder (it is created if missing)"
        )
    existing = next(parent for parent in (runs_dir, *runs_dir.parents) if parent.exists())
    if not existing.is_dir():
        raise ConfigError(f"{flag} {runs_dir} is below the file {existing}; pass a folder path")
    try:  # os.access says yes to root where the file system still says no (/proc, a read-only mount)
        os.rmdir(tempfile.mkdtemp(prefix=".ibl-write-check-", dir=existing))
    except OSError as exc:
        raise ConfigError(
            f"{flag} {runs_dir}: cannot create folders in {existing} ({exc.strerror}); pass a folder you can"
            " write"
        ) from exc


def new_run_dir(runs_dir: Path, name: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "run"
    base = runs_dir / f"{stamp}-{safe}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = Path(f"{base}-{n}")
    (path / "candidates").mkdir(parents=True)
    (path / "feedback").mkdir()
    return path


def write_text(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_json(path: Path, value: Any) -> None:
    write_text(path, json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")


def read_json(path: Path) -> Any:
    """A JSON file of a run or experiment directory; one line naming the file when it no longer parses."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DamagedFileError(
            f"cannot read {path}: {exc}; it was changed since ibl wrote it: restore it, or start anew"
        ) from exc


@dataclass(frozen=True)
class CandidateFiles:
    """The files of candidate ``id`` in ``run_dir``."""

    run_dir: Path
    id: str

    def _candidate(self, suffix: str) -> Path:
        return self.run_dir / "candidates" / f"{self.id}{suffix}"

    @property
    def code(self) -> Path:
        """The code that ran (after any repair)."""
        return self._candidate(".py")

    @property
    def as_written(self) -> Path:
        """The LLM's own code, kept when a repair changed it."""
        return self._candidate(".as_written.py")

    @property
    def record(self) -> Path:
        return self._candidate(".json")

    @property
    def train_scores(self) -> Path:
        return self._candidate(".train_scores.json")

    @property
    def prompt(self) -> Path:
        return self._candidate(".prompt.txt")

    @property
    def reply(self) -> Path:
        return self._candidate(".reply.txt")

    @property
    def feedback(self) -> Path:
        """The feedback written after this candidate (the critic's, or the evidence as is)."""
        return self.run_dir / "feedback" / f"{self.id}.txt"

    @property
    def critic_prompt(self) -> Path:
        return self.run_dir / "feedback" / f"{self.id}.prompt.txt"

    def read_code(self) -> str:
        return self.code.read_text(encoding="utf-8")


def append_event(run_dir: Path, event: dict[str, Any]) -> None:
    line = json.dumps({"time": round(time.time(), 3), **event}, default=str)
    with (run_dir / "events.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def best_model_source(code: str, header: dict[str, Any], returns: str = "one probability per row") -> str:
    """The best code model as a standalone module: a provenance docstring, then the code unchanged.

    ``returns`` completes "it returns ..." (``target.prediction_meaning``)."""
    lines = ['"""Code model written by an LLM and selected by ibl-agents (Inductive-bias Learning).', ""]
    lines += [f"{key}: {docstring_text(value)}" for key, value in header.items()]
    lines += ["", "Lines under a comment naming ibl-agents were written by the harness, not by the LLM."]
    lines += ["Use: import this file and call predict(df) on a DataFrame with the feature columns;"]
    lines += [f"it returns {docstring_text(returns)}.", '"""']
    return "\n".join(lines) + "\n\n" + code
