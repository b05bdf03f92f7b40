"""Provider set-up mistakes give one line naming the fix."""

from __future__ import annotations

import importlib.util

import pytest

from ibl_agents.config import ModelConfig
from ibl_agents.errors import ConfigError, ProviderError
from ibl_agents.models.providers import make_remote_model


def test_missing_api_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ProviderError, match="set OPENAI_API_KEY, or use --model local"):
        make_remote_model("openai:gpt-4o-mini", ModelConfig())


@pytest.mark.skipif(
    importlib.util.find_spec("langchain_anthropic") is not None, reason="integration installed"
)
def test_missing_integration_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    with pytest.raises(ProviderError, match="pip install langchain-anthropic"):
        make_remote_model("anthropic:claude-3-5-haiku-latest", ModelConfig())


def test_model_name_without_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="not of the form provider:model"):
        make_remote_model("gpt-4o-mini", ModelConfig())


def test_base_url_builds_an_openai_compatible_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    model = make_remote_model("openai:qwen", ModelConfig(base_url="http://127.0.0.1:9/v1"))
    assert model.openai_api_base == "http://127.0.0.1:9/v1"
