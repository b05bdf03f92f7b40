"""Orchestration: ``refine`` and ``resume`` (the graph's callers), a run's live parts, checkpoints, and
its progress on the terminal.
"""
