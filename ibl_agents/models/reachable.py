"""Is anything answering at ``--base-url``? Asked before the data is read (stdlib only: the CLI asks
before it imports LangChain)."""

from __future__ import annotations

import socket
import urllib.parse

from ibl_agents.errors import ConfigError


def unreachable(base_url: str | None, timeout_s: float = 3.0) -> str | None:
    """Why nothing answers at ``--base-url`` (None: something does, or no URL was given). Refuses a URL
    that is not http(s). Only the TCP connection is tried: what the server is, the first call finds out."""
    if not base_url:
        return None
    parsed = urllib.parse.urlsplit(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(
            f"--base-url {base_url!r} is not an http(s) URL; for example http://127.0.0.1:8080/v1"
        )
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError as exc:  # urllib: "Port out of range 0-65535", "Port could not be cast to integer"
        raise ConfigError(f"--base-url {base_url!r}: {exc}; for example http://127.0.0.1:8080/v1") from exc
    try:
        socket.create_connection((parsed.hostname, port), timeout=timeout_s).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return f"nothing answers at {base_url} ({reason})"
    return None
