"""ibl-agents: LLM-written code models (Inductive-bias Learning), refined until they hold up.

The public surface is ``__all__``; everything else may change between releases. Names are imported on
first use (PEP 562): the CLI stays cheap to start, and ``graphs`` modules can import
``ibl_agents.config`` without pulling in ``refine``, which imports them back (``langgraph dev`` loads
``graphs/refinement.py`` first).
"""

from importlib import import_module
from typing import Any

_PUBLIC: dict[str, str] = {  # name -> module that defines it
    "CodeModelError": "ibl_agents.errors",
    "ConfigError": "ibl_agents.errors",
    "DataConfig": "ibl_agents.config",
    "DataError": "ibl_agents.errors",
    "ExperimentConfig": "ibl_agents.experiment.config",
    "ExperimentError": "ibl_agents.errors",
    "ExperimentResult": "ibl_agents.experiment.runner",
    "FileScore": "ibl_agents.score_file",
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
    "RunSummary": "ibl_agents.refine",
    "SandboxConfig": "ibl_agents.config",
    "build_report": "ibl_agents.report",
    "load_config_file": "ibl_agents.config",
    "load_experiment": "ibl_agents.experiment.config",
    "refine": "ibl_agents.refine",
    "resume": "ibl_agents.resume",
    "run_experiment": "ibl_agents.experiment.runner",
    "score_file": "ibl_agents.score_file",
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
