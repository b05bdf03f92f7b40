"""The report's numbers against a hand computation on cells with fixed results, and the report files.

The experiment directory is built by the store functions the runner uses (plan, run directories, done
markers); only the run directories' contents are written by hand instead of by refine() (``written_cells``).
All cells here share one split (no seeds): the per-split figures of several seeds are in
test_report_splits.py.
"""

from __future__ import annotations

import base64
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from scipy import stats

from ibl_agents.experiment.grid import Cell
from ibl_agents.experiment.store import cell_dir
from ibl_agents.report import build_report
from ibl_agents.report.agreement_table import agreement_table
from ibl_agents.report.cells import load_records
from ibl_agents.report.published_table import published_table
from ibl_agents.report.tables import baseline_table, main_table, strategy_table
from tests.experiment.written_cells import planned, write_cell

T_975_DF2, T_975_DF3 = 4.302652729749464, 3.182446305284263  # Student-t quantiles from a table
LR_AUC = 0.85  # the same split in every replicate, so logistic regression scores the same
# Test AUC per replicate; None: the replicate produced no valid model.
ONE_SHOT: list[float | None] = [0.70, 0.80, None, 0.90]
REFINE: list[float | None] = [0.80, 0.85, 0.75, 0.90]
ICL: list[float | None] = [0.60, 0.70, 0.65, 0.75]  # the same LLM labelling the test rows directly
# Refine's test-row scores and the columns its code reads, per replicate.
REFINE_SCORES = [[0.9, 0.2, 0.6, 0.4], [0.8, 0.3, 0.4, 0.45], [0.7, 0.1, 0.9, 0.6], [0.9, 0.2, 0.6, 0.4]]
REFINE_CODE = [
    "def predict(df):\n    return df['x1'] + df['x2']\n",
    "def predict(df):\n    return df['x1']\n",
    "def predict(df):\n    return df.x1 * df.x2\n",
    "def predict(df):\n    return df['x2']\n",
]
PUBLISHED = {"label": "GPT-4 one-shot (paper)", "trials": 720, "valid_rate": 0.321}
PUBLISHED |= {"auc_mean": 0.773, "auc_failures_as_chance": 0.67}


@pytest.fixture(scope="module")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory, cells = planned(
        tmp_path_factory.mktemp("fixed"),
        {
            "name": "fixed",
            "replicates": 4,
            "baselines": ["logistic_regression", "decision_tree"],
            "datasets": [
                {"name": "toy", "path": "toy.csv", "target": "y", "train_rows": [10], "published": PUBLISHED}
            ],
            "models": [{"name": "m", "generator": "openai:m"}],
            "strategies": [{"name": "one-shot", "strategy": "one-shot"}, {"name": "refine", "max_iters": 3}],
        },
    )
    for cell in cells:
        if cell.kind == "icl":
            auc, scores, code = ICL[cell.replicate], [0.5, 0.5, 0.9, 0.1], REFINE_CODE[0]
        elif cell.strategy == "one-shot":
            auc, scores, code = ONE_SHOT[cell.replicate], [0.6, 0.4, 0.7, 0.2], REFINE_CODE[0]
        else:
            auc, scores, code = (
                REFINE[cell.replicate],
                REFINE_SCORES[cell.replicate],
                REFINE_CODE[cell.replicate],
            )
        _write_cell(directory, cell, auc, scores, code)
    return directory


def _write_cell(directory: Path, cell: Cell, auc: float | None, scores: list[float], code: str) -> None:
    ok = auc is not None
    candidates = [{"id": f"000{i}", "iteration": i, "kind": "ok", "score": 0.5 + 0.1 * i} for i in (1, 2, 3)]
    summary: dict[str, Any] = {
        "kind": cell.kind,
        "ok": ok,
        "test": {"auc": auc, "accuracy": auc - 0.1} if ok else {},
        "validation": {"auc": 0.8} if ok else {},
        "baselines": {
            "logistic_regression": {"test": {"auc": LR_AUC, "accuracy": 0.8}},
            "decision_tree": {"test": {"auc": 0.75, "accuracy": 0.7}},
        },
        "candidates": candidates if cell.strategy == "refine" else [{**candidates[0], "score": None}],
        "best_code": code if ok else None,
        "tokens_used": 300 if cell.strategy == "refine" else 100,
        "stop_reason": "max_iters",
        "wall_s": 1.0,
    }
    predictions = {"test_rows": [0, 1, 2, 3], "labels": [1, 0, 1, 0], "best": scores if ok else None}
    write_cell(directory, cell, summary, predictions | {"baselines": {}})


def _row(table: pd.DataFrame, **where: Any) -> dict[str, Any]:
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        mask &= table[column] == value
    assert mask.sum() == 1, (where, table)
    return table[mask].iloc[0].to_dict()


def test_main_table_matches_a_hand_computation(experiment: Path) -> None:
    table = main_table(load_records(experiment))
    one_shot, refine = _row(table, strategy="one-shot"), _row(table, strategy="refine")

    # one-shot: AUCs 0.7, 0.8, 0.9 ran; one failure
    assert one_shot["replicates"] == 4 and one_shot["valid_rate"] == 0.75
    assert one_shot["auc_mean"] == pytest.approx(0.8) and one_shot["auc_std"] == pytest.approx(0.1)
    assert one_shot["auc_median"] == pytest.approx(0.8)
    # one split (no seeds): the primary interval is a bootstrap over its test rows; the secondary one
    # treats the replicates as independent
    assert (one_shot["splits"], one_shot["auc_basis"]) == (1, "bootstrap")
    half = T_975_DF2 * 0.1 / math.sqrt(3)
    assert (one_shot["auc_pooled_ci_low"], one_shot["auc_pooled_ci_high"]) == pytest.approx(
        (0.8 - half, 0.8 + half)
    )
    assert one_shot["auc_failures_as_chance"] == pytest.approx((0.7 + 0.8 + 0.5 + 0.9) / 4)
    assert one_shot["accuracy_mean"] == pytest.approx(0.7)

    # refine: 0.80 0.85 0.75 0.90, deviations from 0.825 of +-0.025 and +-0.075
    std = math.sqrt((2 * 0.025**2 + 2 * 0.075**2) / 3)
    assert refine["valid_rate"] == 1.0 and refine["auc_mean"] == pytest.approx(0.825)
    assert refine["auc_std"] == pytest.approx(std) and refine["tokens_mean"] == 300
    # paired against LR at 0.85: differences -0.05 0 -0.10 +0.05, the same spread as the AUCs
    assert refine["lr_auc"] == pytest.approx(LR_AUC)
    assert (refine["vs_lr_mean"], refine["vs_lr_pooled_mean"]) == pytest.approx((-0.025, -0.025))
    half = T_975_DF3 * std / 2
    assert (refine["vs_lr_pooled_ci_low"], refine["vs_lr_pooled_ci_high"]) == pytest.approx(
        (-0.025 - half, -0.025 + half)
    )
    # one split has no p-value; these cells stored no baseline row scores to bootstrap
    assert math.isnan(refine["vs_lr_p"]) and math.isnan(refine["vs_lr_ci_low"])
    # a failure counts as chance (0.5) in the paired difference: 0.5 - 0.85 for one-shot replicate 2
    assert one_shot["vs_lr_mean"] == pytest.approx((-0.15 - 0.05 - 0.35 + 0.05) / 4)
    # against ICL on the same replicates: refine - ICL = 0.20 0.15 0.10 0.15
    assert refine["icl_auc"] == pytest.approx(0.675) and refine["vs_icl_mean"] == pytest.approx(0.15)
    assert refine["vs_icl_pooled_pairs"] == 4 and refine["vs_icl_basis"] == "bootstrap"


def test_strategy_and_baseline_comparisons_pair_replicates(experiment: Path) -> None:
    records = load_records(experiment)
    comparison = _row(strategy_table(records), strategy="refine", reference="one-shot")
    differences = [0.10, 0.05, 0.25, 0.0]  # refine - one-shot, one-shot's failure at 0.5
    assert (comparison["auc_diff_splits"], comparison["auc_diff_pooled_pairs"]) == (1, 4)
    assert (comparison["auc_diff_mean"], comparison["auc_diff_pooled_mean"]) == pytest.approx((0.1, 0.1))
    half = T_975_DF3 * stats.tstd(differences) / 2
    assert (comparison["auc_diff_pooled_ci_low"], comparison["auc_diff_pooled_ci_high"]) == pytest.approx(
        (0.1 - half, 0.1 + half)
    )
    assert len(strategy_table(records)) == 1  # only later minus earlier

    tree = _row(baseline_table(records), strategy="refine", baseline="decision_tree")
    assert tree["baseline_auc"] == pytest.approx(0.75) and tree["diff_mean"] == pytest.approx(0.075)
    icl = _row(baseline_table(records), strategy="one-shot", baseline="icl (same LLM)")
    assert icl["diff_pooled_pairs"] == 4  # one-shot - ICL = 0.10 0.10 (0.5 - 0.65) 0.15
    assert icl["diff_mean"] == pytest.approx((0.1 + 0.1 - 0.15 + 0.15) / 4)


def test_agreement_between_replicate_programs(experiment: Path) -> None:
    refine = _row(agreement_table(load_records(experiment)), strategy="refine")
    # labels at 0.5: 1010, 1000, 1011, 1010 -> pairs agree on 3,3,4,2,3,3 of 4 rows
    assert refine["programs"] == 4
    assert refine["label_agreement"] == pytest.approx((3 + 3 + 4 + 2 + 3 + 3) / 4 / 6)
    # columns read: {x1,x2}, {x1}, {x1,x2}, {x2} -> Jaccard 1/2, 1, 1/2, 1/2, 0, 1/2
    assert refine["column_overlap"] == pytest.approx(3 / 6)
    one_shot = _row(agreement_table(load_records(experiment)), strategy="one-shot")
    assert one_shot["programs"] == 3 and one_shot["label_agreement"] == 1.0  # the same scores thrice


def test_published_figures_sit_beside_ours(experiment: Path) -> None:
    table = published_table(load_records(experiment))
    paper = _row(table, n_train="all", source="GPT-4 one-shot (paper)")
    assert (paper["trials"], paper["valid_rate"], paper["auc_mean"]) == (720, 0.321, 0.773)
    assert math.isnan(paper["accuracy_mean"])  # not published
    ours = _row(table, n_train="all", source="m / one-shot")
    assert ours["trials"] == 4 and ours["valid_rate"] == 0.75 and ours["auc_failures_as_chance"] == 0.725
    assert list(table[table["n_train"] == 10]["source"]) == ["m / one-shot", "m / refine", "m / icl"]
    # (the summary figures exist only for the whole dataset)


def test_report_files_render_with_plots(experiment: Path) -> None:
    html = build_report(experiment)
    markdown = (experiment / "report.md").read_text(encoding="utf-8")
    for shown in (
        "0.800 ± 0.100",
        "75 %",
        "-0.025 [-0.128, 0.078]",  # vs LR, secondary: replicates pooled
        "] †",  # vs ICL, bootstrap over test rows (one split): its test-row scores are stored
        "GPT-4 one-shot (paper)",
        "0.773",
        "0.675",
    ):
        assert shown in markdown and shown in html.read_text(encoding="utf-8"), shown
    images = [line[line.index("(") + 1 : -1] for line in markdown.splitlines() if line.startswith("![")]
    assert len(images) == 3  # iterations (one split, one model), valid rate, test AUC distribution
    for image in images:
        assert (experiment / image).read_bytes().startswith(b"\x89PNG")
    assert html.read_text(encoding="utf-8").count("data:image/png;base64,") == 3
    cells = pd.read_csv(experiment / "cells.csv")
    assert len(cells) == 12 and cells["ok"].sum() == 11 and (cells["kind"] == "icl").sum() == 4
    assert json.loads((experiment / "experiment.json").read_text())["strategies"] == ["one-shot", "refine"]


def test_html_says_a_shared_value_once_and_captions_figures_at_one_scale(experiment: Path) -> None:
    """The page is for an appendix: dataset, n and model are the same in every row of this experiment's
    main table, so they are said above it instead of repeated; each figure has a caption and is shown at
    100 px per inch (figures of other sizes then have text of one size)."""
    page = build_report(experiment).read_text(encoding="utf-8")
    main = page[page.index("<h2>Test AUC") : page.index("</table>")]
    assert "In every row: dataset <b>toy</b>; n <b>10</b>; model <b>m</b>" in main
    assert "<th>dataset</th>" not in main and "<th>strategy</th>" in main  # strategies differ: kept
    figures = re.findall(r"<img alt='([^']*)' width='(\d+)' src='data:image/png;base64,([^']+)'>", page)
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", page)
    assert len(figures) == 3 and [alt for alt, _, _ in figures] == captions
    for _, width, data in figures:
        png = base64.b64decode(data)
        assert int(width) == round(int.from_bytes(png[16:20], "big") * 100 / 150)


def test_scaffold_level_comes_from_each_cells_config_and_old_cells_read_as_full(tmp_path: Path) -> None:
    directory, cells = planned(
        tmp_path,
        {
            "name": "scaffold",
            "replicates": 1,
            "icl": False,
            "datasets": [{"name": "toy", "path": "toy.csv", "target": "y"}],
            "models": ["openai:m"],
            "strategies": [{"name": "bare"}, {"name": "old"}],
        },
    )
    for cell in cells:
        config = cell.config.to_json()
        config["loop"].pop("scaffold", None)  # "old": a cell written before loop.scaffold existed
        if cell.strategy == "bare":
            config["loop"]["scaffold"] = "bare"
        summary = {
            "ok": True,
            "test": {"auc": 0.8, "accuracy": 0.7},
            "candidates": [],
            "best_code": "x = 1\n",
        }
        write_cell(directory, cell, summary, {"labels": [1, 0], "best": [0.9, 0.1]}, config=config)
    records = load_records(directory)
    main = main_table(records)
    assert list(main.columns[:5]) == ["dataset", "n_train", "model", "strategy", "scaffold"]
    assert dict(zip(main["strategy"], main["scaffold"], strict=True)) == {"bare": "bare", "old": "full"}
    markdown = build_report(directory).with_name("report.md").read_text(encoding="utf-8")
    assert "| dataset | n | model | strategy | scaffold | splits |" in markdown
    assert "| toy | — | openai-m | bare | bare | 1 |" in markdown
    listed = pd.read_csv(directory / "cells.csv")
    assert list(listed.columns[6:9]) == ["strategy", "scaffold", "replicate"]
    assert listed["scaffold"].tolist() == ["bare", "full"]


def test_pending_cells_are_not_counted(experiment: Path, tmp_path: Path) -> None:
    records = load_records(experiment)
    marker = cell_dir(experiment, records.cells[0].id) / "cell.json"
    saved = marker.read_bytes()
    marker.unlink()
    try:
        partial = load_records(experiment)
        assert partial.pending == 1 and len(partial.cells) == 11
        assert _row(main_table(partial), strategy="one-shot")["replicates"] == 3
    finally:
        marker.write_bytes(saved)


def test_report_of_a_directory_that_is_no_experiment(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ibl_agents", "report", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and "is not an experiment directory" in result.stderr
    assert "run `ibl experiment` first" in result.stderr
