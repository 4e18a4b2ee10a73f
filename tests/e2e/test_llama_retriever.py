"""newsbot's index plugged into a llama-index query engine (real Chroma, BM25, MiniLM; offline).

The README's example is run as written, with llama-index's MockLLM (it echoes the prompt), so
the example cannot drift from the code.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from llama_index.core.llms import MockLLM

from bot.settings import load_settings
from index.build import Indexer
from index.llama import NewsbotRetriever
from index.retrieve import Retriever
from index.types import Filters
from index.workspace import Workspace
from tests.conftest import ROOT, SAMPLE_ARTICLES

PARIS = "How many NATO member states sent their military chiefs to the Paris security talks?"
PARIS_FILE = "000_01c106b21defd341.txt"
DATED = (
    "---\ntitle: Baltic states order a drone wall\ndate: 2025-06-02\n"
    "url: https://example.org/drone-wall\noutlet: Example Wire\n---\n"
    "Estonia, Latvia and Lithuania ordered a drone wall along their eastern borders, a line of "
    "sensors and interceptors that the three defence ministers priced at 420 million euros.\n"
)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample articles plus one dated article in a subfolder, indexed once."""
    base = tmp_path_factory.mktemp("llama")
    articles = base / "articles"
    shutil.copytree(SAMPLE_ARTICLES, articles)
    (articles / "wire").mkdir()
    (articles / "wire" / "drone-wall.md").write_text(DATED, encoding="utf-8")
    Indexer(Workspace(load_settings(articles_dir=articles, data_dir=base / "data"))).update()
    return articles, base / "data"


def _readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### What llama-index does here", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's llama-index section has a python example"
    return match.group(1)


def test_readme_example_answers_from_the_right_article_in_newsbot_order(
    folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    articles, data = folders
    monkeypatch.setenv("NEWSBOT_ARTICLES_DIR", str(articles))
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(data))
    monkeypatch.chdir(data)  # no developer .env in reach
    scope: dict[str, object] = {"llm": MockLLM(), "question": PARIS}
    exec(_readme_example(), scope)
    response = scope["response"]
    nodes = response.source_nodes  # type: ignore[attr-defined]

    assert nodes[0].node.metadata["source"] == PARIS_FILE
    assert nodes[0].node.ref_doc_id == PARIS_FILE.removesuffix(".txt")
    assert "34 NATO countries" in str(response)  # the passage reached the LLM's prompt
    assert "title: Military chiefs from 34 NATO countries" in str(response)
    assert "dense_rank" not in str(response)  # bookkeeping is not shown to the LLM

    own = Retriever(Workspace(load_settings(articles_dir=articles, data_dir=data))).search(PARIS)
    assert [n.node.node_id for n in nodes] == [h.chunk.chunk_id for h in own]
    assert [n.score for n in nodes] == pytest.approx([h.score for h in own])
    assert [n.node.metadata["position"] for n in nodes] == [h.chunk.position for h in own]
    assert [n.node.get_content() for n in nodes] == [h.chunk.text for h in own]


def test_nodes_carry_newsbot_metadata_and_filters(folders: tuple[Path, Path]) -> None:
    articles, data = folders
    settings = load_settings(articles_dir=articles, data_dir=data)
    retriever = NewsbotRetriever.from_settings(settings, k=3)

    top = retriever.retrieve("What did the Baltic drone wall cost?")[0]
    meta = top.node.metadata
    assert {k: meta[k] for k in ("source", "title", "date", "url", "outlet", "position")} == {
        "source": "wire/drone-wall.md",
        "title": "Baltic states order a drone wall",
        "date": "2025-06-02",
        "url": "https://example.org/drone-wall",
        "outlet": "Example Wire",
        "position": 0,
    }
    assert meta["dated_by"] == "front-matter" and meta["article_id"] == top.node.ref_doc_id
    assert 0 < top.score <= 1.0  # newsbot's fused score: 1.0 = first for dense and BM25
    assert "outlet: Example Wire" in top.node.get_content(metadata_mode="llm")

    only_paris = NewsbotRetriever.from_settings(settings, filters=Filters(sources=(PARIS_FILE,)))
    sources = {n.node.metadata["source"] for n in only_paris.retrieve("drone wall cost")}
    assert sources == {PARIS_FILE}


def test_ask_does_not_import_llama_index(folders: tuple[Path, Path]) -> None:
    """The integration is opt-in: an extractive `newsbot ask` never loads llama-index."""
    articles, data = folders
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot.cli", "ask", PARIS],
        env={
            **os.environ,
            "NEWSBOT_ARTICLES_DIR": str(articles),
            "NEWSBOT_DATA_DIR": str(data),
        },
        capture_output=True,
        text=True,
        timeout=300,
        cwd=data,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "34" in proc.stdout
    imported = [line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line]
    assert not [m for m in imported if m.startswith(("llama_index", "index.llama"))]
