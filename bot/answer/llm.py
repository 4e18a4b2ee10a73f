"""Chat models behind one small interface: `chat(messages, on_token) -> str`.

- `OpenAICompatible`: any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server,
  LM Studio, OpenAI) through llama-index's `OpenAILike` (llama-index -> openai -> httpx),
  with a timeout, retries with exponential backoff, and streaming.
- `LlamaCppModel`: a local GGUF file run in-process by llama-cpp-python (optional extra).

Every failure becomes an `LLMError` whose message is written here from the kind of failure
(status code, timeout), never copied from the server or the exception: a server's error text
can quote the API key back. llama-index is imported on first use only, so the offline
extractive path never pays for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from bot.answer.prompt import Message
from bot.settings import Settings
from index.errors import NewsbotError

log = logging.getLogger(__name__)

OnToken = Callable[[str], None]
BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0


class LLMError(NewsbotError):
    """The LLM could not answer. `reason` is a short code: timeout, unreachable, http, ..."""

    def __init__(self, message: str, reason: str, retryable: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.retryable = retryable


class ChatModel(Protocol):
    @property
    def description(self) -> str: ...

    def chat(
        self, messages: Sequence[Message], on_token: OnToken | None = None, max_tokens: int = 512
    ) -> str: ...


def safe_url(url: str) -> str:
    """The URL without user:password, query or fragment, fit to show or log."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "(unparsable URL)"


class _Hidden:
    """Holds the llama-index client, whose repr shows the API key, out of every repr."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<hidden>"


class OpenAICompatible:
    """An OpenAI-compatible chat endpoint.

    Retries are ours, not the libraries' (both openai and llama-index would otherwise retry,
    one inside the other, for minutes): `max_retries` more attempts after a connection error,
    timeout, HTTP 429 or 5xx, waiting 0.5 s, 1 s, 2 s, ... in between. A streamed answer is
    never retried once a token has reached `on_token`.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: SecretStr | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        temperature: float = 0.1,
        context_window: int = 8192,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url
        self.model = model
        self._api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self.temperature = temperature
        self.context_window = context_window
        self._sleep = sleep
        self._client: _Hidden | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OpenAICompatible({self.description!r})"

    @property
    def description(self) -> str:
        return f"{self.model} at {safe_url(self.base_url)}"

    def _llm(self) -> Any:
        with self._lock:
            if self._client is None:
                from llama_index.llms.openai_like import OpenAILike

                key = self._api_key.get_secret_value() if self._api_key else ""
                self._client = _Hidden(
                    OpenAILike(
                        model=self.model,
                        api_base=self.base_url,
                        api_key=key or "not-needed",
                        is_chat_model=True,
                        context_window=self.context_window,
                        temperature=self.temperature,
                        timeout=self.timeout,
                        max_retries=0,
                        reuse_client=True,
                    )
                )
            return self._client.value

    def chat(
        self, messages: Sequence[Message], on_token: OnToken | None = None, max_tokens: int = 512
    ) -> str:
        for attempt in range(self.max_retries + 1):
            streamed = [False]
            try:
                return self._once(messages, on_token, max_tokens, streamed)
            except LLMError as exc:
                error = exc
            except Exception as exc:  # every library error becomes an LLMError below
                error = self._error(exc)
            if not error.retryable or streamed[0] or attempt == self.max_retries:
                raise error from None
            wait = min(BACKOFF_SECONDS * 2**attempt, MAX_BACKOFF_SECONDS)
            log.info("%s; retrying in %.1f s", error, wait)
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(
        self,
        messages: Sequence[Message],
        on_token: OnToken | None,
        max_tokens: int,
        streamed: list[bool],
    ) -> str:
        from llama_index.core.llms import ChatMessage

        llm = self._llm()
        chat = [ChatMessage(role=m.role, content=m.content) for m in messages]
        if on_token is None:
            return llm.chat(chat, max_tokens=max_tokens).message.content or ""
        parts: list[str] = []
        for response in llm.stream_chat(chat, max_tokens=max_tokens):
            if response.delta:
                streamed[0] = True
                parts.append(response.delta)
                on_token(response.delta)
        return "".join(parts)

    def _error(self, exc: Exception) -> LLMError:
        import httpx
        import openai

        where = f"The LLM endpoint {safe_url(self.base_url)}"
        if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
            return LLMError(f"{where} did not answer within {self.timeout:g} s", "timeout", True)
        if isinstance(exc, openai.APIConnectionError | httpx.TransportError):
            return LLMError(f"{where} could not be reached", "unreachable", True)
        if isinstance(exc, openai.APIStatusError):
            code = exc.status_code
            if code in (401, 403):
                return LLMError(f"{where} refused the API key (HTTP {code})", "auth")
            if code == 404:
                return LLMError(f"{where} has no model {self.model!r} (HTTP 404)", "not-found")
            if code == 429:
                return LLMError(f"{where} is rate-limiting requests (HTTP 429)", "busy", True)
            if code >= 500:
                return LLMError(f"{where} failed (HTTP {code})", "server", True)
            return LLMError(f"{where} rejected the request (HTTP {code})", "rejected")
        return LLMError(f"{where} sent a reply that could not be read", "bad-reply")


class LlamaCppModel:
    """A GGUF model run in-process by llama-cpp-python (`pip install .[local-llm]`)."""

    def __init__(
        self, path: Path, context_window: int = 8192, temperature: float = 0.1, threads: int = 0
    ) -> None:
        self.path = path
        self.context_window = context_window
        self.temperature = temperature
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        return f"{self.path.name} (llama.cpp, local)"

    def _llama(self) -> Any:
        if self._model is None:
            try:
                from llama_cpp import Llama
            except ImportError:
                raise LLMError(
                    "NEWSBOT_LLM_GGUF_PATH needs llama-cpp-python: pip install '.[local-llm]'",
                    "not-installed",
                ) from None
            if not self.path.is_file():
                raise LLMError(f"GGUF model file {self.path} not found", "not-found")
            try:
                self._model = Llama(
                    model_path=str(self.path),
                    n_ctx=self.context_window,
                    n_threads=self.threads or None,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                raise LLMError(
                    f"llama.cpp could not load {self.path.name}: {type(exc).__name__}", "load"
                ) from None
        return self._model

    def chat(
        self, messages: Sequence[Message], on_token: OnToken | None = None, max_tokens: int = 512
    ) -> str:
        with self._lock:  # one llama.cpp context cannot serve two threads at once
            llama = self._llama()
            kwargs = {
                "messages": [{"role": m.role, "content": m.content} for m in messages],
                "max_tokens": max_tokens,
                "temperature": self.temperature,
            }
            if on_token is None:
                reply = llama.create_chat_completion(**kwargs)
                return reply["choices"][0]["message"].get("content") or ""
            parts: list[str] = []
            for chunk in llama.create_chat_completion(stream=True, **kwargs):
                delta = chunk["choices"][0].get("delta", {}).get("content") or ""
                if delta:
                    parts.append(delta)
                    on_token(delta)
            return "".join(parts)


def build_chat_model(settings: Settings) -> ChatModel | None:
    """The chat model the settings ask for, or None when answers stay extractive."""
    mode = settings.llm.active
    if mode == "openai":
        assert settings.llm.base_url and settings.llm.model  # checked when settings load
        return OpenAICompatible(
            settings.llm.base_url,
            settings.llm.model,
            settings.llm.api_key,
            timeout=settings.llm.timeout_seconds,
            max_retries=settings.llm.max_retries,
            temperature=settings.llm.temperature,
            context_window=settings.llm.context_tokens,
        )
    if mode == "gguf":
        assert settings.llm.gguf_path is not None  # checked when settings load
        return LlamaCppModel(
            settings.llm.gguf_path,
            context_window=settings.llm.context_tokens,
            temperature=settings.llm.temperature,
            threads=settings.index.embed_threads,
        )
    return None
