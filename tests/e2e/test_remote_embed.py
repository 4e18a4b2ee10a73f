"""Embeddings from an OpenAI-compatible endpoint (a loopback fake): index, ask, failures."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

from tests.conftest import SAMPLE_ARTICLES
from tests.e2e.test_cli import run
from tests.fakeopenai.embeddings import FakeEmbeddings

QUESTION = "How many troops did Zelenskyy say were needed?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_index_and_ask_through_an_embeddings_endpoint(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SAMPLE_ARTICLES, articles)
    local = {"NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(tmp_path / "data")}
    with FakeEmbeddings() as fake:
        env = {**local, "NEWSBOT_EMBED_BASE_URL": fake.url, "NEWSBOT_EMBED_MODEL": "fake-bow"}
        out = json.loads(run("index", "--json", env=env).stdout)
        assert out["added"] == 5 and out["embedded_chunks"] > 5
        # batched, to {base}/v1/embeddings; passages and their sentences both
        assert set(fake.paths) == {"/v1/embeddings"}
        assert max(len(r["input"]) for r in fake.requests) <= 64
        assert sum(len(r["input"]) for r in fake.requests) > 2 * out["embedded_chunks"]
        sent = len(fake.requests)

        answer = json.loads(run("ask", QUESTION, "--json", env=env).stdout)
        assert answer["answered"] is True, answer
        assert answer["citations"] and "[1]" in answer["answer"]
        assert "troops" in answer["answer"]
        assert len(fake.requests) > sent  # the question went to the endpoint too

        # a base URL that already names /v1 is used as it is
        v1 = {**env, "NEWSBOT_EMBED_BASE_URL": fake.url + "/v1"}
        assert json.loads(run("search", QUESTION, "--json", env=v1).stdout)
        assert set(fake.paths) == {"/v1/embeddings"}

        # no change: nothing is embedded again
        before = len(fake.requests)
        assert json.loads(run("index", "--json", env=env).stdout)["embedded_chunks"] == 0
        assert len(fake.requests) == before

        # the server fails: one line, naming the endpoint, no traceback
        fake.status = 503
        failed = run("ask", QUESTION, env=env, check=False)
        assert failed.returncode == 1
        lines = failed.stderr.strip().splitlines()
        assert len(lines) == 1 and fake.url in lines[0] and "HTTP 503" in lines[0], failed.stderr

    # the server is gone
    gone = {**env, "NEWSBOT_EMBED_BASE_URL": f"http://127.0.0.1:{_free_port()}"}
    failed = run("ask", QUESTION, env=gone, check=False)
    lines = failed.stderr.strip().splitlines()
    assert failed.returncode == 1 and len(lines) == 1 and "not answering" in lines[0], lines

    # the bundled model against an index built through the endpoint: refused, naming both
    refused = run("ask", QUESTION, env=local, check=False)
    lines = refused.stderr.strip().splitlines()
    assert refused.returncode == 1 and len(lines) == 1, refused.stderr
    assert "endpoint:fake-bow" in lines[0] and "all-MiniLM-L6-v2" in lines[0]
    assert "newsbot index --rebuild" in lines[0]
