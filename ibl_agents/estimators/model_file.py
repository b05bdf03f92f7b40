"""``best_model.py`` files, read and written: a provenance docstring of ``key: value`` lines, then the code.

The format is the run directory's (``artifacts.best_model_source``), so a saved estimator is a standalone
module too (``from best_model import predict``). The estimator adds three keys that ``load`` needs:
``estimator`` (which class wrote it), ``columns`` (JSON list: the frame ``predict`` receives) and, for a
classifier, ``classes`` (JSON list: the labels in the order of the code's output, so a binary code model
returns the probability of the last one). A run directory's own file has none of them: ``columns`` then
comes from its ``features`` line, and ``classes`` must be given to ``load``.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ibl_agents.codemodel.contract import check_contract
from ibl_agents.errors import CodeModelError, DataError
from ibl_agents.loop.artifacts import best_model_source, write_text

ESTIMATOR_KEY, COLUMNS_KEY, CLASSES_KEY = "estimator", "columns", "classes"


@dataclass(frozen=True)
class ModelFile:
    code: str  # the code model without the provenance docstring
    header: dict[str, str]  # the docstring's ``key: value`` lines, in order

    def json_value(self, key: str) -> Any:
        """A header value written as JSON (``columns``, ``classes``); None when the key is absent."""
        if key not in self.header:
            return None
        try:
            return json.loads(self.header[key])
        except json.JSONDecodeError as exc:
            raise DataError(f"the {key!r} line of the model file is not JSON: {exc}") from exc

    def columns(self) -> list[str] | None:
        listed = self.json_value(COLUMNS_KEY)
        if listed is not None:
            return [str(name) for name in listed]
        features = self.header.get("features")
        return features.split(", ") if features else None

    def target(self) -> str:
        """The label column's name: a run writes ``target: name (what it means)``."""
        target = self.header.get("target", "")
        return target.rsplit(" (", 1)[0] if target.endswith(")") else target


def write_model_file(path: Path, code: str, header: dict[str, Any], returns: str) -> Path:
    """``returns`` completes the usage note's "it returns ..." (``target.prediction_meaning``)."""
    write_text(path, best_model_source(code, header, returns))
    return path


def load_model_file(path: Path, estimator: str) -> ModelFile:
    """A model file ``estimator`` can predict with: written by it (or by a run), within the code-model
    contract, naming its feature columns. Raises DataError or, for the contract, CodeModelError."""
    model_file = read_model_file(path)
    written_by = model_file.header.get(ESTIMATOR_KEY)
    if written_by not in (None, estimator):
        raise DataError(f"{path} was saved by {written_by}; load it with {written_by}.load")
    violation = check_contract(model_file.code, model_file.target())
    if violation is not None:
        raise CodeModelError(violation.kind, f"{path} breaks the code-model contract: {violation.message}")
    if not model_file.columns():
        raise DataError(
            f"{path} names no feature columns: its header needs a 'columns: [...]' (JSON) or"
            " 'features: a, b' line, as save() and ibl run write"
        )
    return model_file


def read_model_file(path: Path) -> ModelFile:
    """Split a best_model.py into its header and code; DataError when the file cannot be one."""
    if not path.is_file():
        raise DataError(f"model file not found: {path} (pass a best_model.py written by a run or by save())")
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (UnicodeDecodeError, SyntaxError) as exc:
        raise DataError(f"{path} is not a Python code model: {exc}") from exc
    docstring = ast.get_docstring(tree, clean=False) if tree.body else None
    if docstring is None:
        return ModelFile(text, {})
    code = "".join(text.splitlines(keepends=True)[tree.body[0].end_lineno or 0 :]).lstrip("\n")
    return ModelFile(code, _header(docstring))


def _header(docstring: str) -> dict[str, str]:
    """The ``key: value`` block between the docstring's title and its closing usage note."""
    lines = docstring.splitlines()
    start = lines.index("") + 1 if "" in lines else len(lines)
    header = {}
    for line in lines[start:]:
        if not line.strip():
            break
        key, sep, value = line.partition(": ")
        if sep:
            header[key.strip()] = value.strip()
    return header
