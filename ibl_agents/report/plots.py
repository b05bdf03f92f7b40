"""The report's plots, as PNG files: how each replicate's search went, how often each strategy produced a
valid model, and where its test AUC falls against the baselines.

matplotlib's object API (``Figure``, no pyplot): no global figure state, no GUI backend, safe to call from
any thread; PNGs are rendered by the Agg canvas.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ibl_agents.report.cells import CellRecord, ExperimentRecords
from ibl_agents.report.grouping import grouped, icl_for

Plot = tuple[str, Path]  # title, PNG file
COLUMNS = 3  # subplots per row: four made each panel too small to read in a page
FAILED_Y = 0.0  # where failed candidates are drawn: below every real score
FAILED_SPREAD = 0.5  # width, in iterations, over which one iteration's failures are spread
DPI = 150  # 90 gave 756x306 px figures, blurry in a browser and in print
POINTS = "dimgray"  # the replicates' dots: neutral, so only baselines carry colours
# Distinct colours in the baselines' order (tab10 without grey); a hash of the name gave two the same.
BASELINE_COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink")
RUN_COLOURS = tuple(f"C{i}" for i in range(10))  # matplotlib's default cycle
AXIS_PADDING = 0.02  # around the data's range: differences of 0.01-0.05 were lost on a 0-1 axis


def iteration_plots(records: ExperimentRecords, folder: Path) -> list[Plot]:
    """Validation metric of every candidate per iteration, one line per replicate, one panel per strategy,
    one figure per (dataset, train size, model). Failed candidates are x marks on the floor."""
    panels: dict[tuple[str, int | None, str], list[tuple[str, list[CellRecord]]]] = {}
    for (dataset, size, model, strategy), cells in grouped(records):
        panels.setdefault((dataset, size, model), []).append((strategy, cells))
    plots = []
    for (dataset, size, model), strategies in panels.items():
        figure, axes = _grid(len(strategies))
        # One colour per (seed, replicate) in every panel (the axes' own cycle gave the same seed a
        # different colour wherever an earlier one drew nothing), named once for the figure.
        runs = sorted(
            {
                (cell.seed or 0, cell.replicate): _run_label(cell) for _, cs in strategies for cell in cs
            }.items()
        )
        colours = {label: RUN_COLOURS[i % len(RUN_COLOURS)] for i, (_, label) in enumerate(runs)}
        for ax, (strategy, cells) in zip(axes, strategies, strict=False):
            for index, cell in enumerate(cells):
                # failures of different replicates at one iteration sit side by side, not on each other
                offset = FAILED_SPREAD * (index / max(len(cells) - 1, 1) - 0.5)
                _draw_search(ax, cell, colours[_run_label(cell)], offset)
            last = max(
                (c["iteration"] for cell in cells for c in cell.summary.get("candidates", [])), default=1
            )
            ax.set_xlim(0.5, last + 0.5)
            ax.set_xticks(np.arange(1, last + 1, max(1, last // 10)))
            ax.set(
                title=strategy, xlabel="iteration", ylabel=f"validation {cells[0].metric}", ylim=(-0.05, 1.05)
            )
        _run_legend(figure, colours)
        metric = strategies[0][1][0].metric
        title = f"{_split_label(dataset, size)} {model}: validation {metric} per iteration"
        plots.append((title, _save(figure, folder / f"iterations-{_slug(dataset, size, model)}.png")))
    return plots


def valid_rate_plot(main: pd.DataFrame, folder: Path) -> Plot:
    """Share of replicates with a valid model, per split (bars grouped) and strategy (bar colour)."""
    rows = main.to_dict("records")
    models = list(dict.fromkeys(row["model"] for row in rows))
    figure, axes = _grid(len(models))
    for ax, model in zip(axes, models, strict=False):
        rates = {
            ((row["dataset"], _size(row["n_train"])), row["strategy"]): row["valid_rate"]
            for row in rows
            if row["model"] == model
        }
        splits = list(dict.fromkeys(split for split, _ in rates))
        strategies = list(dict.fromkeys(strategy for _, strategy in rates))
        width = 0.8 / len(strategies)
        for i, strategy in enumerate(strategies):
            heights = [rates.get((split, strategy), math.nan) for split in splits]
            bars = ax.bar(np.arange(len(splits)) + i * width, heights, width, label=strategy)
            ax.bar_label(bars, labels=[_percent(h) for h in heights], fontsize="x-small")
        labels = [_split_label(*split) for split in splits]
        ax.set_xticks(np.arange(len(splits)) + 0.4 - width / 2, labels, rotation=30)
        ax.set(title=model, ylabel="valid-model rate", ylim=(0, 1.1))
        _legend(ax)
    title = "Valid-model rate per strategy"
    return title, _save(figure, folder / "valid_rate.png")


def distribution_plots(records: ExperimentRecords, folder: Path) -> list[Plot]:
    """Test AUC of every valid replicate per strategy (box and points), the baselines' test AUC as
    horizontal lines (dotted: ICL, the same LLM labelling the test rows); one panel per (dataset, train
    size), one figure per model. Multiclass and regression cells have no AUC: their panels stay empty."""
    by_model: dict[str, dict[tuple[str, int | None], list[tuple[str, list[CellRecord]]]]] = {}
    for (dataset, size, model, strategy), cells in grouped(records):
        by_model.setdefault(model, {}).setdefault((dataset, size), []).append((strategy, cells))
    plots = []
    for model, splits in by_model.items():
        figure, axes = _grid(len(splits))
        for ax, ((dataset, size), strategies) in zip(axes, splits.items(), strict=False):
            icl = icl_for(records, (dataset, size, model, ""))
            shown = _draw_distribution(ax, strategies, records.description["baselines"], icl)
            ax.set(title=_split_label(dataset, size), ylabel="test AUC", ylim=_data_range(shown))
        title = f"{model}: test AUC of valid replicates against the baselines"
        plots.append((title, _save(figure, folder / f"test_auc-{_slug(model)}.png")))
    return plots


def _draw_search(ax: Axes, cell: CellRecord, colour: str, failed_offset: float) -> None:
    candidates = sorted(cell.summary.get("candidates", []), key=lambda c: c["iteration"])
    scored = [(c["iteration"], c["score"]) for c in candidates if c.get("score") is not None]
    failed = [c["iteration"] + failed_offset for c in candidates if c.get("score") is None]
    if scored:
        ax.plot(*zip(*scored, strict=True), marker="o", markersize=4, color=colour)
    ax.scatter(failed, [FAILED_Y] * len(failed), marker="x", color=colour)


def _run_label(cell: CellRecord) -> str:
    return f"r{cell.replicate}" if cell.seed is None else f"split {cell.seed} r{cell.replicate}"


def _run_legend(figure: Figure, colours: dict[str, str]) -> None:
    """The replicates' colours and the failed-candidate mark, once, right of the panels."""
    handles = [Line2D([], [], color=c, marker="o", markersize=4, label=label) for label, c in colours.items()]
    handles.append(Line2D([], [], color="grey", marker="x", linestyle="", label="failed candidate"))
    if len(colours) <= len(RUN_COLOURS):  # beyond, colours repeat and the legend would mislead
        figure.legend(handles=handles, loc="outside right upper", fontsize="x-small")


def _draw_distribution(
    ax: Axes, strategies: list[tuple[str, list[CellRecord]]], baselines: list[str], icl: list[CellRecord]
) -> list[float]:
    """Draw the panel; returns every value drawn, for the axis range."""
    values = [[cell.test["auc"] for cell in cells if "auc" in cell.test] for _, cells in strategies]
    positions = np.arange(1, len(strategies) + 1)
    # a black median: the default orange read as the orange baseline's line
    median = {"color": "black"}
    ax.boxplot(
        [v or [math.nan] for v in values],
        positions=positions,
        widths=0.5,
        showfliers=False,
        medianprops=median,
    )
    for position, points in zip(positions, values, strict=True):
        ax.scatter(position + np.linspace(-0.15, 0.15, len(points)), points, s=12, alpha=0.7, color=POINTS)
    ax.set_xticks(positions, [name for name, _ in strategies], rotation=30)
    ax.plot([], [], color="black", linewidth=1, label="box: quartiles, median")
    ax.scatter([], [], s=12, color=POINTS, label="dot: one valid replicate")
    shown = [value for points in values for value in points]
    cells = [cell for _, group in strategies for cell in group]
    for index, name in enumerate(baselines):
        aucs = [cell.baseline_test(name)["auc"] for cell in cells if "auc" in cell.baseline_test(name)]
        if aucs:
            colour = BASELINE_COLOURS[index % len(BASELINE_COLOURS)]
            ax.axhline(float(np.mean(aucs)), linestyle="--", linewidth=1, label=name, color=colour)
            shown.append(float(np.mean(aucs)))
    icl_aucs = [cell.test["auc"] for cell in icl if "auc" in cell.test]
    if icl_aucs:
        ax.axhline(
            float(np.mean(icl_aucs)), linestyle=":", linewidth=1.5, label="ICL (same LLM)", color="black"
        )
        shown.append(float(np.mean(icl_aucs)))
    _legend(ax)
    return shown


def _data_range(values: list[float]) -> tuple[float, float]:
    """The y range of the values drawn, padded, within 0-1 (all of 0-1 when nothing was drawn)."""
    finite = [value for value in values if math.isfinite(value)]
    if not finite:
        return (-0.05, 1.05)
    low, high = min(finite) - AXIS_PADDING, max(finite) + AXIS_PADDING
    return (max(-0.05, low), min(1.05, max(high, low + 0.05)))


def _legend(ax: Axes) -> None:
    """A legend right of the panel (inside, it covered bars and dots) when there is something to name
    and few enough lines to read it (an empty one warns)."""
    handles, _ = ax.get_legend_handles_labels()
    if 0 < len(handles) <= 12:
        ax.legend(fontsize="x-small", loc="upper left", bbox_to_anchor=(1.01, 1))


def _size(value: float | int | None) -> int | None:
    """A train size back from a table column, where pandas turns a missing size into NaN."""
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)


def _percent(rate: float) -> str:
    return "" if math.isnan(rate) else f"{100 * rate:.0f}%"


def _grid(panels: int) -> tuple[Figure, list[Axes]]:
    rows, columns = math.ceil(panels / COLUMNS), min(panels, COLUMNS)
    # 2.4 inches more for the legend right of the panels
    figure = Figure(figsize=(4.2 * columns + 2.4, 3.4 * rows), layout="constrained")
    axes = list(np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel())
    for unused in axes[panels:]:
        unused.set_visible(False)
    return figure, axes


def _save(figure: Figure, path: Path) -> Path:
    """No title drawn in: the plot's title is its caption in report.md and report.html."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI)
    return path


def _split_label(dataset: str, size: int | None) -> str:
    return f"{dataset} n={size}" if size else dataset


def _slug(*parts: object) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(str(p) for p in parts if p is not None)).strip("-")
