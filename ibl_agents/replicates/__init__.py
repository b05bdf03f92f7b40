"""Statistics across replicates and splits: valid rates, intervals, paired tests, agreement, published
figures.
"""
