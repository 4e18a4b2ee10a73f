"""The LLM client through the real HTTP stack (llama-index -> openai -> httpx) and a fake
OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import time

import pytest
from pydantic import SecretStr

from bot.answer.llm import LLMError, OpenAICompatible, safe_url
from bot.answer.prompt import Message
from tests.fakeopenai.server import FakeOpenAI, Reply, closed_port_url
from tests.llm.conftest import SECRET_KEY

MESSAGES = [Message("system", "Be brief."), Message("user", "Hello?")]


def client(url: str, **kwargs: object) -> OpenAICompatible:
    options: dict[str, object] = {"timeout": 3.0, "max_retries": 0}
    options.update(kwargs)
    return OpenAICompatible(url, "fake-model", SecretStr(SECRET_KEY), **options)  # type: ignore[arg-type]


def test_chat_completion(fake: FakeOpenAI) -> None:
    fake.script("Hi there [1].")
    assert client(fake.url).chat(MESSAGES, max_tokens=77) == "Hi there [1]."
    (req,) = fake.chat_requests
    assert req.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert req.body["model"] == "fake-model" and req.body["max_tokens"] == 77
    assert [m["role"] for m in req.messages] == ["system", "user"]
    assert not req.body.get("stream")


def test_streaming_delivers_tokens_as_they_arrive(fake: FakeOpenAI) -> None:
    fake.script(Reply(chunks=["Brus", "sels ", "[1]", "."], chunk_delay=0.2))
    seen: list[tuple[float, str]] = []
    start = time.monotonic()
    text = client(fake.url).chat(
        MESSAGES, on_token=lambda t: seen.append((time.monotonic() - start, t))
    )
    assert text == "Brussels [1]." and [t for _, t in seen] == ["Brus", "sels ", "[1]", "."]
    assert fake.chat_requests[0].body["stream"] is True
    # the first token arrived well before the last: it was streamed, not buffered
    assert seen[-1][0] - seen[0][0] >= 0.4


def test_server_errors_are_retried_with_backoff(fake: FakeOpenAI) -> None:
    waits: list[float] = []
    fake.script(Reply(status=503), Reply(status=500), "Recovered.")
    llm = client(fake.url, max_retries=2, sleep=waits.append)
    assert llm.chat(MESSAGES) == "Recovered."
    assert len(fake.chat_requests) == 3 and waits == [0.5, 1.0]


def test_retries_run_out(fake: FakeOpenAI) -> None:
    fake.script(*[Reply(status=503)] * 3)
    with pytest.raises(LLMError) as info:
        client(fake.url, max_retries=1, sleep=lambda s: None).chat(MESSAGES)
    assert info.value.reason == "server" and "HTTP 503" in str(info.value)
    assert len(fake.chat_requests) == 2


def test_a_refused_key_is_not_retried_and_not_repeated(fake: FakeOpenAI) -> None:
    fake.script(Reply(status=401, error_message=f"Incorrect API key provided: {SECRET_KEY}"))
    with pytest.raises(LLMError) as info:
        client(fake.url, max_retries=3, sleep=lambda s: None).chat(MESSAGES)
    assert info.value.reason == "auth" and len(fake.chat_requests) == 1
    assert SECRET_KEY not in str(info.value) and SECRET_KEY not in repr(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_a_slow_endpoint_times_out(fake: FakeOpenAI) -> None:
    fake.script(Reply("Too late.", delay=3.0))
    start = time.monotonic()
    with pytest.raises(LLMError) as info:
        client(fake.url, timeout=0.5).chat(MESSAGES)
    assert info.value.reason == "timeout" and "0.5 s" in str(info.value)
    assert time.monotonic() - start < 2.5


def test_a_stream_that_stalls_times_out_without_retry(fake: FakeOpenAI) -> None:
    fake.script(Reply(chunks=["Partial ", "answer"], chunk_delay=2.0), "never used")
    tokens: list[str] = []
    with pytest.raises(LLMError) as info:
        client(fake.url, timeout=0.5, max_retries=2, sleep=lambda s: None).chat(
            MESSAGES, on_token=tokens.append
        )
    assert info.value.reason == "timeout"
    assert tokens == ["Partial "] and len(fake.chat_requests) == 1  # no retry after a token
    fake.reset()


def test_an_endpoint_that_is_down(fake: FakeOpenAI) -> None:
    start = time.monotonic()
    with pytest.raises(LLMError) as info:
        client(closed_port_url(), max_retries=1, sleep=lambda s: None).chat(MESSAGES)
    assert info.value.reason == "unreachable" and time.monotonic() - start < 5


def test_a_dropped_connection(fake: FakeOpenAI) -> None:
    fake.script(Reply(drop=True))
    with pytest.raises(LLMError) as info:
        client(fake.url).chat(MESSAGES)
    assert info.value.reason == "unreachable"


def test_unknown_model(fake: FakeOpenAI) -> None:
    fake.script(Reply(status=404))
    with pytest.raises(LLMError, match="no model 'fake-model'"):
        client(fake.url, max_retries=2).chat(MESSAGES)
    assert len(fake.chat_requests) == 1


def test_urls_are_shown_without_credentials() -> None:
    assert safe_url("https://user:pw@host:8080/v1?key=abc") == "https://host:8080/v1"
    llm = OpenAICompatible("https://u:pw@h/v1", "m", SecretStr(SECRET_KEY))
    assert "pw" not in llm.description and SECRET_KEY not in repr(llm)
