"""Run context: the live objects nodes need that do not belong in checkpointed state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ibl_agents.config import RefineConfig
from ibl_agents.data.dataset import Dataset
from ibl_agents.data.splits import Splits
from ibl_agents.models.providers import ChatModels
from sandbox.executor import Executor


@dataclass
class RunContext:
    config: RefineConfig
    dataset: Dataset
    splits: Splits
    executor: Executor
    models: ChatModels
    run_dir: Path
    emit: Callable[[dict[str, Any]], None]  # writes events.jsonl and drives live progress
