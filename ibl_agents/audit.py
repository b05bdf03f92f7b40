"""Data audit before the loop: problems that would make any code model's score meaningless.

The IBL paper's Titanic split carries ``alive_yes == survived`` on every row; a code model that reads it
scores perfectly and learns nothing. The audit flags such columns (warn by default, ``--drop-leaks``
drops them), plus constant columns, duplicate rows and missing values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

LEAK_AGREEMENT = 0.99  # a feature that predicts the target on >= 99% of rows is treated as a leak


@dataclass
class AuditReport:
    leaks: list[str] = field(default_factory=list)
    constant: list[str] = field(default_factory=list)
    duplicate_rows: int = 0
    missing: dict[str, int] = field(default_factory=dict)

    def warnings(self) -> list[str]:
        out = []
        if self.leaks:
            out.append(
                f"target leak: {', '.join(self.leaks)} predict the target on >= {LEAK_AGREEMENT:.0%} of"
                " rows; pass --drop-leaks to remove them"
            )
        if self.constant:
            out.append(f"constant columns carry no signal: {', '.join(self.constant)}")
        if self.duplicate_rows:
            out.append(f"{self.duplicate_rows} duplicate row(s)")
        if self.missing:
            listed = ", ".join(f"{k} ({v})" for k, v in self.missing.items())
            out.append(f"missing values: {listed}; predict() must handle NaN")
        return out

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def audit(frame: pd.DataFrame, y: pd.Series) -> AuditReport:
    """Audit features against a 0/1 target (all rows, all splits: a leak anywhere is a leak)."""
    report = AuditReport()
    for column in frame.columns:
        series = frame[column]
        if series.nunique(dropna=False) <= 1:
            report.constant.append(str(column))
            continue
        if _predicts_target(series, y):
            report.leaks.append(str(column))
        n_missing = int(series.isna().sum())
        if n_missing:
            report.missing[str(column)] = n_missing
    report.duplicate_rows = int(frame.assign(_y=y.to_numpy()).duplicated().sum())
    return report


def _predicts_target(series: pd.Series, y: pd.Series) -> bool:
    """True when a low-cardinality column maps (almost) one-to-one onto the target."""
    if series.nunique(dropna=False) > 10:
        return False
    majority = pd.crosstab(series.astype(str), y).max(axis=1).sum()
    return majority / len(y) >= LEAK_AGREEMENT
