"""The deployment files parse and agree with the project (no Docker engine here to run them)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_has_chroma_bot_and_indexer_wired_to_the_server() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"chroma", "indexer", "bot"}
    chroma_version = next(
        line.split("==")[1]
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line.startswith("chromadb==")
    )
    assert services["chroma"]["image"] == f"chromadb/chroma:{chroma_version}"
    assert "8000" in services["chroma"]["command"]
    for name in ("indexer", "bot"):
        svc = services[name]
        assert svc["environment"]["NEWSBOT_CHROMA_URL"] == "http://chroma:8000"
        assert svc["env_file"] == ".env"  # secrets from .env, never in the file
        assert svc["depends_on"]["chroma"]["condition"] == "service_healthy"
    assert services["indexer"]["command"] == ["index", "--watch", "--feeds"]
    assert services["bot"]["command"] == ["bot"]
    assert "DISCORD_TOKEN" not in (ROOT / "compose.yaml").read_text().split("#")[0]


def test_dockerfile_installs_the_locked_project_and_runs_newsbot() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert lines[0].startswith("FROM python:3.11") and python == ">=3.11"
    assert any("pip install -c requirements.lock ." in line for line in lines)
    for folder in ("index", "bot", "prompts", "articles"):
        assert any(line.startswith(f"COPY {folder} ") for line in lines), folder
        assert (ROOT / folder).is_dir()
    assert 'ENTRYPOINT ["newsbot"]' in lines
    assert any(line.startswith("USER ") for line in lines)  # not root
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["newsbot"] == "bot.cli:main"


def test_compose_shares_the_feed_list_and_the_stories() -> None:
    """The indexer fetches feeds every cycle; the bot reads (and on /reindex writes) the
    same stories, and `newsbot feeds add` in either container edits the same feed list."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    mounts = {}
    for name in ("indexer", "bot"):
        env = services[name]["environment"]
        volumes = dict(v.split(":", 1) for v in services[name]["volumes"])
        mounts[name] = volumes
        data, articles = env["NEWSBOT_DATA_DIR"], env["NEWSBOT_ARTICLES_DIR"]
        # index.feeds.feeds_dir (articles_dir/feeds) is in a named, writable volume
        assert volumes.get("articles") == articles, name
        assert volumes.get("newsbot-data") == data, name  # feed list: data_dir/feeds.json
        assert volumes["./articles"] == f"{articles}/local:ro", name
    assert mounts["indexer"] == mounts["bot"]
    assert {"articles", "newsbot-data"} <= set(compose["volumes"])
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "mkdir -p /data /articles/feeds" in dockerfile
    assert "chown -R newsbot /data /articles" in dockerfile
