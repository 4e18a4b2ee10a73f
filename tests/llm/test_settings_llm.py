"""LLM settings and prompt templates: chosen by settings, errors as one readable line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer.llm import LlamaCppModel, OpenAICompatible, build_chat_model
from bot.answer.templates import load_prompts
from index.errors import ConfigError
from index.settings import load_settings


def test_no_llm_settings_means_extractive() -> None:
    s = load_settings()
    assert not s.llm_enabled and build_chat_model(s) is None


def test_an_endpoint_needs_a_model_name() -> None:
    with pytest.raises(ConfigError, match="NEWSBOT_LLM_MODEL must be set"):
        load_settings(llm_base_url="http://127.0.0.1:8080/v1")


def test_settings_choose_the_backend(tmp_path: Path) -> None:
    endpoint = build_chat_model(
        load_settings(llm_base_url="http://h/v1", llm_model="m", llm_timeout_seconds=7)
    )
    assert isinstance(endpoint, OpenAICompatible) and endpoint.timeout == 7
    local = build_chat_model(load_settings(llm_gguf_path=tmp_path / "m.gguf"))
    assert isinstance(local, LlamaCppModel) and local.description.startswith("m.gguf")


def test_a_missing_local_model_is_an_llm_error_not_a_crash(tmp_path: Path) -> None:
    from bot.answer.llm import LLMError
    from bot.answer.prompt import Message

    model = LlamaCppModel(tmp_path / "missing.gguf")
    with pytest.raises(LLMError):
        model.chat([Message("user", "hi")])


def test_prompts_can_come_from_another_folder(tmp_path: Path) -> None:
    for name in ("answer", "condense", "decline"):
        (tmp_path / f"{name}.md").write_text(f"{name} text {{decline}}\n")
    prompts = load_prompts(tmp_path)
    assert prompts.answer_system == "answer text decline text {decline}"
    (tmp_path / "condense.md").unlink()
    with pytest.raises(ConfigError, match=r"condense\.md is missing"):
        load_prompts(tmp_path)
