"""Yardsticks on the same rows: fitted baselines and the harness-only models (the harness's aids with no
LLM).
"""
