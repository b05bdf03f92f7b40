"""The executor seam: the graph only knows this Protocol, never a concrete executor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, Self, runtime_checkable

from sandbox.results import ExecutionResult

if TYPE_CHECKING:  # annotations only: importing pandas here cost `ibl --help` 2 s (config imports this)
    import pandas as pd


@runtime_checkable  # isinstance-checkable, so `langgraph dev` can build a schema of RunContext
class Executor(Protocol):
    """Runs untrusted code-model source on feature frames and returns predictions only.

    ``frames`` hold feature columns only (never labels). Implementations must be context managers and
    release everything in ``close()``; cleanup never depends on ``__del__``. ``description`` says what
    isolates the code; ``isolation_warning`` is empty for full isolation and otherwise lists what is
    missing, for the run's output and summary. ``output_columns`` asks for one value per row and name
    (class probabilities, in that column order) instead of one per row.
    """

    description: str
    isolation_warning: str

    def run(
        self, code: str, frames: Mapping[str, pd.DataFrame], output_columns: Sequence[str] | None = None
    ) -> ExecutionResult: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...
