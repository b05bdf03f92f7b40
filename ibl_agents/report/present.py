"""Numeric tables -> tables of display strings, column by column; shared by the Markdown and HTML output.

Three decimals for metrics, signed differences with their interval in brackets, percentages for rates,
and an em dash where a statistic is undefined (NaN: one replicate has no spread, no valid model has no
AUC) rather than a made-up number. An interval that is a bootstrap over the test rows of a single split
(``<prefix>_basis``) says so beside its brackets: a header saying "over splits" would misdescribe it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

Row = dict[str, Any]
Column = tuple[str, Callable[[Row], str]]
MISSING = "—"
ONE_SPLIT = "bootstrap over test rows (one split)"
ONE_SPLIT_MARK = "†"  # after such an interval; the long words made its column the table's widest


def present(table: pd.DataFrame, columns: list[Column]) -> pd.DataFrame:
    rows = table.to_dict("records")
    return pd.DataFrame([[show(row) for _, show in columns] for row in rows], columns=[h for h, _ in columns])


def number(key: str, digits: int = 3) -> Callable[[Row], str]:
    return lambda row: _number(row.get(key), digits)


def percent(key: str) -> Callable[[Row], str]:
    return lambda row: MISSING if _undefined(row.get(key)) else f"{100 * row[key]:.0f} %"


def text(key: str) -> Callable[[Row], str]:
    """As is; a whole number pandas turned into a float (a column with gaps) shows without ``.0``."""

    def show(row: Row) -> str:
        value = row.get(key)
        if _undefined(value):
            return MISSING
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)

    return show


def mean_std(prefix: str) -> Callable[[Row], str]:
    def show(row: Row) -> str:
        mean, std = row.get(f"{prefix}_mean"), row.get(f"{prefix}_std")
        return _number(mean) if _undefined(std) else f"{_number(mean)} ± {_number(std)}"

    return show


def interval(prefix: str) -> Callable[[Row], str]:
    return lambda row: _bounds(row, prefix)


def difference(prefix: str) -> Callable[[Row], str]:
    """``+0.021 [-0.030, 0.072]``: a paired mean difference and its interval."""

    def show(row: Row) -> str:
        mean = row.get(f"{prefix}_mean")
        if _undefined(mean):
            return MISSING
        bounds = _bounds(row, prefix)
        return f"{mean:+.3f}" + ("" if bounds == MISSING else f" {bounds}")

    return show


def p_value(key: str) -> Callable[[Row], str]:
    def show(row: Row) -> str:
        value = row.get(key)
        return MISSING if _undefined(value) else ("< 0.001" if value < 0.001 else f"{value:.3f}")

    return show


def _bounds(row: Row, prefix: str) -> str:
    low, high = row.get(f"{prefix}_ci_low"), row.get(f"{prefix}_ci_high")
    if _undefined(low) or _undefined(high):
        return MISSING
    return f"[{low:.3f}, {high:.3f}]" + (
        f" {ONE_SPLIT_MARK}" if row.get(f"{prefix}_basis") == "bootstrap" else ""
    )


def _number(value: Any, digits: int = 3) -> str:
    if _undefined(value):
        return MISSING
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _undefined(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
