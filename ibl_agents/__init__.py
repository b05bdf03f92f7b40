"""ibl-agents: LLM-written code models (Inductive-bias Learning), refined until they hold up.

The public surface is ``__all__``; everything else may change between releases.
"""

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
    ResumeError,
)
from ibl_agents.experiment.config import ExperimentConfig, load_experiment
from ibl_agents.experiment.runner import ExperimentResult, run_experiment
from ibl_agents.refine import RunSummary, refine
from ibl_agents.report import build_report
from ibl_agents.resume import resume
from ibl_agents.score_file import FileScore, score_file

__all__ = [
    "ConfigError",
    "DataConfig",
    "DataError",
    "ExperimentConfig",
    "ExperimentError",
    "ExperimentResult",
    "FileScore",
    "IblError",
    "LoopConfig",
    "ModelAssetError",
    "ModelConfig",
    "ModelServerError",
    "ProviderError",
    "RefineConfig",
    "ResumeError",
    "RunSummary",
    "SandboxConfig",
    "build_report",
    "load_config_file",
    "load_experiment",
    "refine",
    "resume",
    "run_experiment",
    "score_file",
]
