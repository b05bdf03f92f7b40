"""Memorisation check after generation: does a code model hard-code its train rows instead of a rule?

An LLM shown labeled rows can write them back: a table of rows for a nearest-neighbour lookup, one ``if``
per row, the label column itself. Such a model does well on the rows it saw and says nothing about the
rule. The check reads the source (``code_literals``) and compares its literals with the rows the prompt
showed (``shown_rows``: values as the prompt printed them; category codes alone and the statistics the
prompt states never count). Three kinds of evidence:

(a) copied rows: one group of literals written together reproduces >= k feature values of a train row,
    k = min(3, number of features), at least min(2, identifying columns) of them identifying: both
    coordinates of a moons row; a Titanic row's age and fare plus one more of its values. Counts
    distinct train rows (identical rows once: Titanic has many).
(b) lookup entries: a key of exact train values, at least one identifying, written beside the label of
    every train row it matches (``{0.059: 1}``, ``if row["age"] == 22 and row["fare"] == 7.25: y = 0``;
    a number stands for label 1 above 0.5 and label 0 below). Counts entries.
(c) label sequence: a list or tuple of >= 8 labels (0/1, booleans or the label names), holding both,
    equal to the train labels in the order given or to their first part. Its length (the longest).

Multiclass labels are class names or class indices (0 .. k-1); a probability stands for no class. A
regression target has no labels to look up: (b) and (c) are not checked and the report's ``notes`` say so.

Verdict: copied_rows >= 3, or lookup_entries >= 3, or any label sequence. One or two can be chance or
a worked example (two GPT-4 replies in the paper's corpus copy 2 of their 8 rows as a demo); three rows
written out is a table.

Not seen: data built at run time (parsed strings, arithmetic on literals), values behind names defined
elsewhere, and rows spread over several statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from ibl_agents.codemodel.literals import KeyedLiteral, LiteralGroup, Scalar, code_literals
from ibl_agents.data.dataset import Dataset
from ibl_agents.inspection.prompt_rows import ShownRows, printed

COPIED_ROWS_VERDICT = 3  # distinct train rows written out
LOOKUP_ENTRIES_VERDICT = 3  # entries mapping exact train values to their labels
LABEL_SEQUENCE_MIN = 8  # labels in a row equal to the train labels' order


@dataclass(frozen=True)
class MemorisationReport:
    copied_rows: int
    lookup_entries: int
    label_sequence: int  # length of the longest literal equal to the train labels' order, else 0
    verdict: bool
    evidence: list[str]  # one line per kind found, for people
    notes: list[str] = field(default_factory=list)  # kinds of evidence not checked for this task

    def to_json(self) -> dict[str, object]:
        """Plain JSON; ``notes`` only when a check was skipped."""
        record = asdict(self)
        if not self.notes:
            del record["notes"]
        return record


def check_memorisation(source: str, dataset: Dataset, train_rows: Sequence[int]) -> MemorisationReport:
    """Evidence that ``source`` hard-codes the train rows its prompt showed.

    ``train_rows`` are the dataset positions of those rows, in the order the prompt listed them (the
    order matters for the label sequence only). Raises SyntaxError when the source does not parse and
    ValueError for rows outside the dataset.
    """
    shown = ShownRows(dataset, train_rows)
    literals = code_literals(source, dataset.features)
    copied = _copied_rows(literals.groups, shown)
    labelled = dataset.task != "regression"
    lookups = [entry for entry in literals.keyed if labelled and _looks_up(entry, shown, dataset)]
    sequences = literals.sequences if labelled else []
    sequence_length, sequence_line = _label_sequence(sequences, shown, dataset)
    memorised = (
        len(copied) >= COPIED_ROWS_VERDICT or len(lookups) >= LOOKUP_ENTRIES_VERDICT or sequence_length > 0
    )
    return MemorisationReport(
        copied_rows=len(copied),
        lookup_entries=len(lookups),
        label_sequence=sequence_length,
        verdict=memorised,
        evidence=_evidence(copied, lookups, (sequence_length, sequence_line), shown, dataset),
        notes=[] if labelled else ["lookup entries and label sequences need class labels: not checked"],
    )


def _evidence(
    copied: dict[int, int],
    lookups: list[KeyedLiteral],
    sequence: tuple[int, int],
    shown: ShownRows,
    dataset: Dataset,
) -> list[str]:
    """One line per kind of evidence found, with its first instance."""
    lines = []
    if copied:
        row, line = next(iter(copied.items()))
        cells = dataset.frame.iloc[row]
        values = ", ".join(f"{column}={printed(cells[column])}" for column in shown.identifying_columns)
        lines.append(
            f"copied rows: {len(copied)} train row(s) written out as literals, e.g. row {row} at line"
            f" {line} ({values})"
        )
    if lookups:
        first = lookups[0]
        key = ", ".join(
            f"{column}={value!r}" if column else repr(value) for column, value in first.key.values
        )
        lines.append(
            f"lookup table: {len(lookups)} entr(ies) map exact train values to those rows' labels, e.g."
            f" line {first.key.line}: {key} -> {first.outcome!r}"
        )
    if sequence[0]:
        lines.append(f"label sequence: line {sequence[1]} lists the first {sequence[0]} train labels")
    return lines


def _copied_rows(groups: list[LiteralGroup], shown: ShownRows) -> dict[int, int]:
    """Copied train rows -> line of the first group that reproduces them.

    A group copies the rows it matches best (a full-row literal also matches similar rows partly), and
    rows it reproduces in the same cells count once (identical train rows are one row written out).
    """
    least = min(3, shown.n_features)
    identifying = min(2, len(shown.identifying))
    copied: dict[int, int] = {}
    if not identifying:
        return copied
    for group in groups:
        if len(group.values) < least:
            continue
        matches = shown.match(group.values)
        qualified = {
            row: match
            for row, match in matches.items()
            if match.values >= least and match.identifying >= identifying
        }
        best = max((match.values for match in qualified.values()), default=0)
        first_row_per_copy = {}
        for row, match in qualified.items():
            if match.values == best:
                first_row_per_copy.setdefault(match.cells, row)
        for row in first_row_per_copy.values():
            copied.setdefault(row, group.line)
    return copied


def _looks_up(entry: KeyedLiteral, shown: ShownRows, dataset: Dataset) -> bool:
    """True when the key matches train rows on every value, identifying ones among them, and the
    outcome is the label of each of those rows."""
    label = _label(entry.outcome, dataset, exact=False)
    if label is None:
        return False
    matches = shown.match(entry.key.values)
    pinned = [row for row, match in matches.items() if match.values == len(entry.key.values)]
    return bool(pinned) and all(
        matches[row].identifying > 0 and shown.label_of[row] == label for row in pinned
    )


def _label_sequence(sequences: list[LiteralGroup], shown: ShownRows, dataset: Dataset) -> tuple[int, int]:
    """(length, line) of the longest label literal equal to the start of the train labels, else (0, 0)."""
    best = (0, 0)
    for sequence in sequences:
        labels = [_label(value, dataset, exact=True) for _, value in sequence.values]
        length = min(len(labels), len(shown.labels))
        if length < LABEL_SEQUENCE_MIN or None in labels or len(set(labels)) < 2:
            continue
        if labels[:length] == shown.labels[:length]:
            best = max(best, (length, sequence.line))
    return best


def _label(value: Scalar, dataset: Dataset, *, exact: bool) -> int | None:
    """The class index a literal stands for: a label name, a boolean, a class index, or (binary, not
    ``exact``) a probability above or below 0.5."""
    if isinstance(value, str):
        return dataset.classes.index(value) if value in dataset.classes else None
    if dataset.task == "multiclass":
        whole = not isinstance(value, bool) and float(value).is_integer()
        return int(value) if whole and 0 <= value < len(dataset.classes) else None
    if exact:
        return int(value) if value in (0, 1) else None
    return 1 if value > 0.5 else 0 if value < 0.5 else None
