"""6. The judge: a candidate run in the sandbox on train rows and validation folds, the host's gates on
its predictions, and the host's metrics.
"""
