"""In-context learning as a baseline: the same LLM labels the test rows directly."""
