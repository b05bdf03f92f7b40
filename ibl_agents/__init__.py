"""ibl-agents: LLM-written code models (Inductive-bias Learning), refined until they hold up.

The public surface is ``__all__``; everything else may change between releases. The scikit-learn
estimators are imported on first use (``from ibl_agents import IBLClassifier``), not by the CLI.
"""

from typing import Any

from ibl_agents.config import (
    DataConfig,
    LoopConfig,
    ModelConfig,
    RefineConfig,
    SandboxConfig,
    load_config_file,
)
from ibl_agents.errors import (
    ConfigError,
    DataError,
    ExperimentError,
    IblError,
    ModelAssetError,
    ModelServerError,
    ProviderError,
)
from ibl_agents.experiment.config import ExperimentConfig, load_experiment
from ibl_agents.experiment.runner import ExperimentResult, run_experiment
from ibl_agents.refine import RunSummary, refine
from ibl_agents.report import build_report
from ibl_agents.score_file import FileScore, score_file

__all__ = [
    "ConfigError",
    "DataConfig",
    "DataError",
    "ExperimentConfig",
    "ExperimentError",
    "ExperimentResult",
    "FileScore",
    "IBLClassifier",
    "IblError",
    "LoopConfig",
    "ModelAssetError",
    "ModelConfig",
    "ModelServerError",
    "ProviderError",
    "RefineConfig",
    "RunSummary",
    "SandboxConfig",
    "build_report",
    "load_config_file",
    "load_experiment",
    "refine",
    "run_experiment",
    "score_file",
]

_ESTIMATORS = ("IBLClassifier",)


def __getattr__(name: str) -> Any:
    """Lazy access to the sklearn estimators, so importing the package for the CLI stays cheap."""
    if name in _ESTIMATORS:
        from ibl_agents import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'ibl_agents' has no attribute {name!r}")
