"""7. What the next generation hears: mechanical failures, the train rows a candidate gets wrong, columns
it leaves out, where its errors sit.
"""
