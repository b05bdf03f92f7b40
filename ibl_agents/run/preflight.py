"""The checks a run makes before anything heavy is imported or any model is called.

A bad flag, config value, runs folder, ``--base-url`` or data file gets its one line in well under a
second: these checks import pandas but not LangChain, LangGraph or scikit-learn (a refusal took 5-15 s
when it came after those imports). ``refine`` makes them too, for library users; the CLI makes them
first, then imports the loop.
"""

from __future__ import annotations

from pathlib import Path

from ibl_agents.config import RefineConfig
from ibl_agents.data.dataset import load_dataset
from ibl_agents.errors import ProviderError
from ibl_agents.loop.artifacts import check_runs_dir
from ibl_agents.models.reachable import unreachable
from ibl_agents.models.reply_cache_file import cache_file


def preflight(config: RefineConfig, *, models_given: bool = False, read_data: bool = True) -> list[str]:
    """Raise the IblError a run would meet first, and return warnings for the run. ``models_given``: chat
    models are injected (no server to reach); ``read_data`` False: the caller reads the data next anyway
    (``refine``).

    A ``--base-url`` nothing answers on is refused (a closed port used to surface after data, audit and
    baselines, as a provider_error run), unless replies may come from the reply cache: then a rerun
    needs no server, and the run is warned that only stored replies can be replayed."""
    config.validate()
    check_runs_dir(Path(config.runs_dir))
    warnings: list[str] = []
    problem = None if models_given else unreachable(config.models.base_url)
    if problem is not None:
        if not (config.models.cache and cache_file(config.models.cache_path).is_file()):
            raise ProviderError(f"{problem}; start the model server, or fix --base-url (models.base_url)")
        warnings.append(
            f"{problem}: only replies stored in the reply cache can be replayed; the first call that is not"
            " stored ends the run provider_error"
        )
    if read_data and config.data.path:
        load_dataset(Path(config.data.path), config.data.target, config.data.drop_columns, config.data.task)
    return warnings
