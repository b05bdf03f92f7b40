"""1. Rows in: loading a labeled table, reading its target, auditing it, and splitting it (train rows,
validation folds, locked test).
"""
