"""Is anything answering at ``--base-url``? Asked before the data is read (stdlib only: the CLI asks
before it imports LangChain)."""

from __future__ import annotations

import socket
import urllib.parse

from ibl_agents.errors import ConfigError, ProviderError


def check_reachable(base_url: str | None, timeout_s: float = 3.0) -> None:
    """Refuse a ``--base-url`` nothing answers on, before the data is read or a run directory written (a
    closed port used to surface after data, audit and baselines, as a provider_error run). Only the TCP
    connection is tried: what the server is, the first call finds out."""
    if not base_url:
        return
    parsed = urllib.parse.urlsplit(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(
            f"--base-url {base_url!r} is not an http(s) URL; for example http://127.0.0.1:8080/v1"
        )
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        socket.create_connection((parsed.hostname, port), timeout=timeout_s).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ProviderError(
            f"cannot reach the model server at {base_url} ({reason}); start it, or fix --base-url"
            " (models.base_url)"
        ) from None
