"""The old flat module names of ``ibl_agents`` and where each module lives now (issue 16).

One table drives both the move (imports were rewritten from it) and the aliases below: for one minor
release ``import ibl_agents.providers`` (any old name) still works, with a ``DeprecationWarning`` that
names the new path, so user code, pickles and notebooks written against the flat layout keep loading.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

OLD_TO_NEW = {
    "adaptive_threads": "models.local.adaptive_threads",
    "agreement": "replicates.agreement",
    "artifacts": "loop.artifacts",
    "audit": "data.audit",
    "baseline_preprocessing": "baselines.preprocessing",
    "chat": "models.chat",
    "checkpoints": "run.checkpoints",
    "code_literals": "codemodel.literals",
    "columns_read": "codemodel.columns",
    "contract": "codemodel.contract",
    "critic": "agents.critic",
    "data_loading": "data.prepare",
    "dataset": "data.dataset",
    "diagnostics": "feedback.diagnostics",
    "error_region": "feedback.error_region",
    "explain": "inspection.explain",
    "extraction": "codemodel.extraction",
    "generator": "agents.generator",
    "harness_only": "baselines.harness_only",
    "held_out_failures": "evaluation.held_out_failures",
    "icl_prompt": "icl.prompt",
    "icl_reply": "icl.reply",
    "interrupts": "cli.interrupts",
    "local_model": "models.local.bundled",
    "local_server": "models.local.server",
    "memorisation": "inspection.memorisation",
    "prediction_checks": "evaluation.gates",
    "pricing": "models.pricing",
    "progress": "run.progress",
    "prompting": "prompts.templates",
    "providers": "models.providers",
    "published": "replicates.published",
    "refine": "run.refine",
    "regression_baselines": "baselines.regressors",
    "repairs": "loop.repairs",
    "response_cache": "models.response_cache",
    "resume": "run.resume",
    "row_order": "evaluation.row_order",
    "run_parts": "run.session",
    "score_file": "evaluation.standalone",
    "scoring": "evaluation.metrics",
    "serialize": "prompts.rows",
    "server_guard": "models.local.orphan_guard",
    "shown_rows": "inspection.prompt_rows",
    "split_statistics": "replicates.split_statistics",
    "splits": "data.splits",
    "stability": "replicates.summary",
    "stopping": "loop.stopping",
    "target": "data.target",
    "task_prompts": "prompts.task_parts",
    "token_count": "models.token_count",
    "train_errors": "feedback.train_errors",
    "train_statistics": "prompts.constants",
    "unused_columns": "feedback.unused_columns",
}
# Old module names that are also public functions of ``ibl_agents`` (``from ibl_agents import refine``):
# importing an alias would bind the module over the function, so these old paths are gone for good.
NO_ALIAS = frozenset({"refine", "resume", "score_file"})
# Old modules whose name is now a package: their contents moved into a module of that package, and
# the package itself stays importable under the old name, so these get no alias (only the table above).
INTO_PACKAGE = {
    "baselines": "baselines.fit",
    "cli": "cli.commands",
    "evaluation": "evaluation.evaluate",
    "icl": "icl.baseline",
}


class _MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``ibl_agents.<old name>`` to the module's new home, warning once per import."""

    def find_spec(self, fullname: str, path: object, target: ModuleType | None = None):
        old = fullname.removeprefix("ibl_agents.")
        if old == fullname or old not in OLD_TO_NEW or old in NO_ALIAS:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = f"ibl_agents.{OLD_TO_NEW[spec.name.removeprefix('ibl_agents.')]}"
        warnings.warn(
            f"{spec.name} moved to {new}; import it from there (the old name goes in the next release)",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module(new)

    def exec_module(self, module: ModuleType) -> None:
        """The new module already ran; nothing more to do."""


def install() -> None:
    """Make the old names importable (once per interpreter)."""
    if not any(isinstance(finder, _MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _MovedModuleFinder())  # before any finder that could see a stale copy
