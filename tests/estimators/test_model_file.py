"""best_model.py files: header and code apart, and load's checks, all before any sandbox is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibl_agents import IBLClassifier
from ibl_agents.errors import CodeModelError, DataError
from ibl_agents.estimators.model_file import read_model_file
from ibl_agents.loop.artifacts import best_model_source
from sandbox.results import OutcomeKind

CODE = "import numpy as np\n\ndef predict(df):\n    return (df['x1'] > 0).astype(float)\n"
RUN_HEADER = {"target": "survived (1 = yes)", "features": "x1, x2", "validation auc": "0.9000"}


def _write(path: Path, code: str = CODE, **header: str) -> Path:
    path.write_text(best_model_source(code, {**RUN_HEADER, **header}), encoding="utf-8")
    return path


def test_a_run_directory_file_splits_into_header_and_code(tmp_path: Path) -> None:
    model_file = read_model_file(_write(tmp_path / "best_model.py"))
    assert model_file.code == CODE
    assert model_file.header == RUN_HEADER  # the usage note after the header is not a key
    assert model_file.columns() == ["x1", "x2"] and model_file.target() == "survived"


def test_a_file_without_docstring_is_all_code(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(CODE, encoding="utf-8")
    model_file = read_model_file(path)
    assert model_file.code == CODE and model_file.header == {} and model_file.columns() is None


def test_load_restores_columns_and_classes_without_fitting(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "m.py", estimator="IBLClassifier", columns='["x1", "x2"]', classes='["yes", "no"]'
    )
    loaded = IBLClassifier.load(path, sandbox="process")
    assert loaded.code_ == CODE and loaded.sandbox == "process"
    assert list(loaded.feature_names_in_) == ["x1", "x2"] and loaded.n_features_in_ == 2
    assert list(loaded.classes_) == ["no", "yes"]  # sorted; the code scores "no", the last listed
    assert loaded.summary_ is None and loaded.run_dir_ is None


def test_generated_column_names_mean_an_array_was_fitted(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.py", columns='["x0", "x1"]', classes="[0, 1]")
    loaded = IBLClassifier.load(path)
    assert loaded.n_features_in_ == 2 and not hasattr(loaded, "feature_names_in_")


def test_a_run_directory_file_needs_its_classes(tmp_path: Path) -> None:
    path = _write(tmp_path / "best_model.py")
    with pytest.raises(DataError, match=r"no 'classes' line \(only save\(\) writes one\), so pass classes="):
        IBLClassifier.load(path)
    assert list(IBLClassifier.load(path, classes=["no", "yes"]).classes_) == ["no", "yes"]


@pytest.mark.parametrize(
    ("code", "kind", "message"),
    [
        ("from sklearn.linear_model import LogisticRegression\n\ndef predict(df):\n    return df\n",
         OutcomeKind.FORBIDDEN_IMPORT, "imports 'sklearn.linear_model'"),
        ("def predict(df):\n    return df['survived']\n",
         OutcomeKind.CONTRACT_ERROR, "reads the target column"),
        ("def score(df):\n    return 0\n", OutcomeKind.CONTRACT_ERROR, "no module-level function `predict"),
    ],
)  # fmt: skip
def test_load_checks_the_contract(tmp_path: Path, code: str, kind: OutcomeKind, message: str) -> None:
    with pytest.raises(CodeModelError, match=f"breaks the code-model contract: .*{message}") as caught:
        IBLClassifier.load(_write(tmp_path / "m.py", code), classes=[0, 1])
    assert caught.value.kind is kind and str(caught.value).startswith(f"{kind.value}: ")


def test_load_refuses_what_it_cannot_use(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="model file not found"):
        IBLClassifier.load(tmp_path / "missing.py")
    broken = tmp_path / "broken.py"
    broken.write_text("def predict(df:\n", encoding="utf-8")
    with pytest.raises(DataError, match="is not a Python code model"):
        IBLClassifier.load(broken)
    other = _write(tmp_path / "r.py", estimator="IBLRegressor")
    with pytest.raises(DataError, match=r"was saved by IBLRegressor; load it with IBLRegressor\.load"):
        IBLClassifier.load(other)
    bare = tmp_path / "bare.py"
    bare.write_text(CODE, encoding="utf-8")
    with pytest.raises(DataError, match="names no feature columns"):
        IBLClassifier.load(bare, classes=[0, 1])
