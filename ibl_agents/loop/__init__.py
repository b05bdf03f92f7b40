"""8. Deciding and recording: the stop rule, the harness's named repairs, the run directory's files."""
