"""Where the reply cache lives: its own module so that the checks before a run can ask whether replies
may be stored without importing LangChain (``response_cache`` needs it)."""

from __future__ import annotations

from pathlib import Path

from sandbox.cache import cache_root


def cache_file(configured: str | None) -> Path:
    """The configured SQLite file, else ``responses.sqlite`` in the cache root (``sandbox.cache``)."""
    return Path(configured) if configured else cache_root() / "responses.sqlite"
