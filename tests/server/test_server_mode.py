"""Index, ask and search against a real Chroma server; several processes share one index."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.service import NewsBot
from bot.settings import load_settings
from index.errors import StoreError
from index.lock import IndexBusyError
from tests.conftest import SAMPLE_ARTICLES


def cli(*args: str, env: dict[str, str]) -> dict | list:  # type: ignore[type-arg]
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args, "--json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def setup(chroma_server: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    articles = tmp_path / "articles"
    shutil.copytree(SAMPLE_ARTICLES, articles)
    return {
        "NEWSBOT_CHROMA_URL": chroma_server,
        "NEWSBOT_COLLECTION": f"t-{request.node.name[:40]}".replace("[", "-").replace("]", ""),
        "NEWSBOT_ARTICLES_DIR": str(articles),
        "NEWSBOT_DATA_DIR": str(tmp_path / "indexer-data"),
    }


def test_index_ask_search_against_the_server(setup: dict[str, str]) -> None:
    report = cli("index", env=setup)
    assert (report["added"], report["chunks"] > 5) == (5, True)
    answer = cli("ask", "How many troops did Zelenskyy say were needed?", env=setup)
    assert answer["answered"] and "100,000 to 150,000" in answer["answer"]
    rows = cli("search", "reassurance force", "-k", "3", env=setup)
    assert rows[0]["source"] == "002_3e68c3b27c9853a0.txt"
    assert cli("index", env=setup)["unchanged"] == 5
    status = cli("status", env=setup)
    assert status["articles"] == 8 and setup["NEWSBOT_CHROMA_URL"] in status["store"]


def test_bots_on_other_machines_see_the_same_index_and_its_updates(
    setup: dict[str, str], tmp_path: Path
) -> None:
    """The indexer and two bot processes share nothing but the Chroma server."""
    cli("index", env=setup)
    bots = [{**setup, "NEWSBOT_DATA_DIR": str(tmp_path / f"bot{i}")} for i in (1, 2)]
    question = "Where did the defence ministers meet to plan a post-deal force?"
    first, second = (cli("ask", question, env=env) for env in bots)
    assert first == second and "Brussels" in first["answer"]

    # a long-running bot (this process) sees what a separate indexer process adds
    reader = NewsBot(
        load_settings(
            chroma_url=setup["NEWSBOT_CHROMA_URL"],
            collection=setup["NEWSBOT_COLLECTION"],
            articles_dir=Path(setup["NEWSBOT_ARTICLES_DIR"]),
            data_dir=tmp_path / "reader",
        )
    )
    before = reader.ask("What tariff did the delegates agree on marmalade?")
    assert "7 percent" not in before.text
    assert "marmalade.md" not in {c.source for c in before.citations}
    Path(setup["NEWSBOT_ARTICLES_DIR"], "marmalade.md").write_text(
        "# Marmalade Summit Ends\n\nDelegates agreed on a marmalade tariff of 7 percent.\n"
    )
    assert cli("index", env=setup)["added"] == 1
    answer = reader.ask("What tariff did the delegates agree on marmalade?")
    assert answer.answered and answer.citations[0].source == "marmalade.md"
    # keyword search follows too: the reader rebuilt its local BM25 for the new generation
    hits = reader.search("marmalade tariff", k=1)
    assert hits[0].ranks.get("bm25") == 1


def test_second_indexer_on_another_machine_is_refused(
    setup: dict[str, str], tmp_path: Path
) -> None:
    settings = dict(
        chroma_url=setup["NEWSBOT_CHROMA_URL"],
        collection=setup["NEWSBOT_COLLECTION"],
        articles_dir=Path(setup["NEWSBOT_ARTICLES_DIR"]),
    )
    one = NewsBot(load_settings(**settings, data_dir=tmp_path / "m1"))
    two = NewsBot(load_settings(**settings, data_dir=tmp_path / "m2"))  # no shared folder
    lock = one.ws.lock()
    lock.acquire()
    try:
        with pytest.raises(IndexBusyError, match="Chroma server"):
            two.update()
    finally:
        lock.release()
    assert two.update().added == 5


def test_server_down_is_a_clear_error(tmp_path: Path) -> None:
    from tests.server.conftest import free_port

    bot = NewsBot(load_settings(chroma_url=f"http://127.0.0.1:{free_port()}", data_dir=tmp_path))
    with pytest.raises(StoreError, match=r"Cannot reach the Chroma server at http://127\.0\.0\.1"):
        bot.ask("How many troops?")
