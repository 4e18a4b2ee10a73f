"""Fixtures for the LLM tests: a fake OpenAI-compatible server and bots that use it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fakeopenai.server import FakeOpenAI

SECRET_KEY = "sk-test-SECRET-7f3a9c"


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The fake endpoint, with no scripted replies and no recorded requests."""
    fake_server.reset()
    yield fake_server
    fake_server.reset()


@pytest.fixture
def make_bot(sample_bot: Any, fake: FakeOpenAI) -> Callable[..., Any]:
    """A NewsBot over the sample index whose LLM is the fake endpoint (settings overridable)."""
    from bot.service import NewsBot
    from bot.settings import load_settings

    def make(**overrides: object) -> Any:
        base = sample_bot.settings
        settings: dict[str, object] = {
            "articles_dir": base.index.articles_dir,
            "data_dir": base.index.data_dir,
            "llm_base_url": fake.url,
            "llm_model": "fake-model",
            "llm_api_key": SECRET_KEY,
            "llm_timeout_seconds": 3.0,
            "llm_max_retries": 0,
            "llm_cooldown_seconds": 0,  # each test scripts its own failures
        }
        settings.update(overrides)
        return NewsBot(load_settings(**settings))

    return make


@pytest.fixture
def llm_bot(make_bot: Callable[..., Any]) -> Any:
    return make_bot()
