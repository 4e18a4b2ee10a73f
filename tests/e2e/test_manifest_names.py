"""Any file name indexes: manifest control records never share ids with article files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_process import assert_ok, newsbot_process

DRAFT = (
    "Lisbon approves new ferry terminal\n\n"
    "LISBON, 3 June 2025 - The Lisbon harbour authority approved a new ferry terminal on "
    "Tuesday. The terminal will cost 48 million euros and open to passengers in 2027, the "
    "authority's chairwoman Ana Figueira told reporters at the harbour.\n"
)
OTHER = (
    "Rain delays the harvest\n\n"
    "Farmers in the Douro valley said on Monday that weeks of rain had delayed the grape "
    "harvest by ten days, the latest start in twenty years.\n"
)


def run(*args: str, env: dict[str, str]) -> str:
    return assert_ok(newsbot_process(*args, env=env)).stdout


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "~draft.txt").write_text(DRAFT, encoding="utf-8")
    (articles / "harvest.txt").write_text(OTHER, encoding="utf-8")
    return {"NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(tmp_path / "data")}


def test_a_tilde_file_is_indexed_once_and_found(env: dict[str, str]) -> None:
    first = json.loads(run("index", "--json", env=env))
    assert (first["added"], first["unchanged"]) == (2, 0)
    again = json.loads(run("index", "--json", env=env))
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 2)

    rows = json.loads(run("search", "Lisbon ferry terminal", "-k", "1", "--json", env=env))
    assert rows[0]["source"] == "~draft.txt" and "48 million euros" in rows[0]["text"]
    answer = json.loads(
        run("ask", "How much will the new Lisbon ferry terminal cost?", "--json", env=env)
    )
    assert answer["answered"] and "48 million" in answer["answer"]
    assert answer["citations"][0]["source"] == "~draft.txt"


def test_an_index_of_the_previous_format_keeps_working(env: dict[str, str]) -> None:
    """Format 2 kept its header at `~state`: read in place, moved by the next index run."""
    from bot.service import NewsBot
    from bot.settings import load_settings
    from index.store.manifest import STATE_ID

    def bot() -> NewsBot:
        return NewsBot(
            load_settings(
                articles_dir=Path(env["NEWSBOT_ARTICLES_DIR"]),
                data_dir=Path(env["NEWSBOT_DATA_DIR"]),
                _env_file=None,
            )
        )

    bot().update()
    records = bot().ws.store.manifest_collection
    header = records.get(ids=[STATE_ID], include=["metadatas"])["metadatas"][0]
    records.upsert(ids=["~state"], embeddings=[[1.0]], metadatas=[{**header, "version": 2}])
    records.delete(ids=[STATE_ID])

    reader = bot()
    assert reader.search("Lisbon ferry terminal", k=1)[0].chunk.source == "~draft.txt"
    assert records.get(ids=["~state"])["ids"] == ["~state"]  # reading wrote nothing

    report = bot().update()
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert records.get(ids=["~state"])["ids"] == []
    assert records.get(ids=[STATE_ID])["metadatas"][0]["version"] == 3
