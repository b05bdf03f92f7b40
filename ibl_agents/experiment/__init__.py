"""Sweeps: one YAML config -> a grid of cells -> one refine() run per cell, resumable, local or on Ray.

Order of work: ``config`` (read and validate the YAML) -> ``generated`` (the files of datasets the config
generates) -> ``grid`` (expand it into cells, each with its own RefineConfig) -> ``store`` (the experiment
directory: plan, done markers, resume) -> ``cell`` (run one cell: refine(), or ``icl_cell`` for the ICL
baseline) -> ``runner`` (local threads) or ``ray_runner`` (Ray tasks). ``ibl_agents.report`` reads the
directory afterwards.
"""
