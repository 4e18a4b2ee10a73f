"""LLM settings and prompt templates: chosen by settings, errors as one readable line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer.llm import LlamaCppModel, OpenAICompatible, build_chat_model
from bot.answer.templates import load_prompts
from bot.settings import load_settings
from index.errors import ConfigError


def test_no_llm_settings_means_extractive() -> None:
    s = load_settings()
    assert not s.llm.enabled and build_chat_model(s) is None


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


def test_the_mode_says_which_llm_answers(tmp_path: Path) -> None:
    both = {"llm_base_url": "http://h/v1", "llm_model": "m", "llm_gguf_path": tmp_path / "m.gguf"}
    assert load_settings(None, **both).llm.active == "openai"  # auto: the endpoint first
    gguf = load_settings(None, llm_mode="gguf", **both)
    assert isinstance(build_chat_model(gguf), LlamaCppModel)
    off = load_settings(None, llm_mode="off", **both)
    assert not off.llm.enabled and build_chat_model(off) is None


def test_a_mode_without_what_it_needs_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NEWSBOT_LLM_MODE=openai needs NEWSBOT_LLM_BASE_URL"):
        load_settings(None, llm_mode="openai", llm_gguf_path=tmp_path / "m.gguf")
    with pytest.raises(ConfigError, match="NEWSBOT_LLM_MODE=gguf needs NEWSBOT_LLM_GGUF_PATH"):
        load_settings(None, llm_mode="gguf")
    with pytest.raises(ConfigError, match=r"Bad setting NEWSBOT_LLM_MODE=local \(from code\)"):
        load_settings(None, llm_mode="local")


def test_an_extractive_service_with_llm_mode_off(sample_bot: object) -> None:
    from bot.service import NewsBot

    base = sample_bot.settings  # type: ignore[attr-defined]
    bot = NewsBot(
        load_settings(
            None,
            articles_dir=base.index.articles_dir,
            data_dir=base.index.data_dir,
            llm_base_url="http://127.0.0.1:9/v1",
            llm_model="m",
            llm_mode="off",
        )
    )
    assert bot.generative is None and bot.status().answerer == "extractive"


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
