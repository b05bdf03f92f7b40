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
from ibl_agents.loop.artifacts import check_runs_dir
from ibl_agents.models.reachable import check_reachable
from ibl_agents.models.reply_cache_file import cache_file


def preflight(config: RefineConfig, *, models_given: bool = False, read_data: bool = True) -> None:
    """Raise the IblError a run would meet first. ``models_given``: chat models are injected (no server
    to reach); ``read_data`` False: the caller reads the data next anyway (``refine``)."""
    config.validate()
    check_runs_dir(Path(config.runs_dir))
    # With stored replies a rerun needs no server (the reply cache serves them), so the server is probed
    # only when no reply can come from the cache: it is off, or holds nothing yet.
    replayable = config.models.cache and cache_file(config.models.cache_path).is_file()
    if not models_given and not replayable:
        check_reachable(config.models.base_url)
    if read_data and config.data.path:
        load_dataset(Path(config.data.path), config.data.target, config.data.drop_columns, config.data.task)
