"""ibl-agents: LLM-written code models (Inductive-bias Learning), refined until they hold up.

The public surface is ``__all__``; everything else may change between releases. Names are imported on
first use (PEP 562), so the CLI stays cheap to start. The packages, in the loop's order, are listed in
``ibl_agents/README.md``; the old flat module paths still import for one release (``moved.py``).
"""

from importlib import import_module
from typing import Any

from ibl_agents import moved

moved.install()

_PUBLIC: dict[str, str] = {  # name -> module that defines it
    "ChatModels": "ibl_agents.models.providers",
    "CodeModelError": "ibl_agents.errors",
    "ConfigError": "ibl_agents.errors",
    "DataConfig": "ibl_agents.config",
    "DataError": "ibl_agents.errors",
    "ExperimentConfig": "ibl_agents.experiment.config",
    "ExperimentError": "ibl_agents.errors",
    "ExperimentResult": "ibl_agents.experiment.runner",
    "FileScore": "ibl_agents.evaluation.standalone",
    "IBLClassifier": "ibl_agents.estimators",
    "IBLRegressor": "ibl_agents.estimators",
    "IblError": "ibl_agents.errors",
    "LoopConfig": "ibl_agents.config",
    "ModelAssetError": "ibl_agents.errors",
    "ModelConfig": "ibl_agents.config",
    "ModelServerError": "ibl_agents.errors",
    "NoValidModelError": "ibl_agents.errors",
    "ProviderError": "ibl_agents.errors",
    "RefineConfig": "ibl_agents.config",
    "ResumeError": "ibl_agents.errors",
    "RunSummary": "ibl_agents.run.refine",
    "SandboxConfig": "ibl_agents.config",
    "build_report": "ibl_agents.report",
    "load_config_file": "ibl_agents.config",
    "load_experiment": "ibl_agents.experiment.config",
    "refine": "ibl_agents.run.refine",
    "resume": "ibl_agents.run.resume",
    "run_experiment": "ibl_agents.experiment.runner",
    "score_file": "ibl_agents.evaluation.standalone",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'ibl_agents' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
