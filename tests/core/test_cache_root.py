"""One cache root for everything ibl-agents caches (models, replies, server logs, the sandbox's rootfs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibl_agents.models.local.bundled import model_cache_dir
from ibl_agents.models.reply_cache_file import cache_file
from sandbox import rootfs
from sandbox.cache import cache_root


def caches() -> list[Path]:
    return [model_cache_dir().parent, cache_file(None).parent, rootfs.cache_dir().parent]


def test_ibl_cache_dir_moves_every_cache_even_with_xdg_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("IBL_CACHE_DIR", str(tmp_path / "ibl"))
    assert caches() == [tmp_path / "ibl"] * 3


def test_without_it_every_cache_follows_xdg_cache_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("IBL_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert caches() == [tmp_path / "xdg" / "ibl-agents"] * 3


def test_and_without_both_the_home_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IBL_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_root() == Path.home() / ".cache" / "ibl-agents" and caches() == [cache_root()] * 3
