"""Where the vendored reference data of the IBL paper lives (see tests/data/README.md)."""

from pathlib import Path

IBLM = Path(__file__).resolve().parent / "data" / "iblm"
SPLITS = IBLM / "splits"
GPT4_TITANIC = IBLM / "gpt4_code_models" / "titanic"
