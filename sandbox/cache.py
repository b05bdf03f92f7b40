"""The one root of everything ibl-agents caches: models, the reply cache, server logs, the sandbox's
rootfs and wheels. ``$IBL_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/ibl-agents``, else
``~/.cache/ibl-agents``. (It lives here because the sandbox, the lowest layer, caches too; before, the
models followed ``IBL_CACHE_DIR`` and the sandbox ``XDG_CACHE_HOME``, each ignoring the other.)
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    if configured := os.environ.get("IBL_CACHE_DIR"):
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ibl-agents"
