"""An embedded index at rest is read from its published snapshot alone: a cold `ask`,
`search`, `timeline` or `digest` imports no chromadb and prints exactly what reading the
store prints; when the snapshot's copy of the chunks is missing or damaged, the store
answers and the next `newsbot index` writes the copy again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.e2e.test_fast_paths import full_path, newsbot, summary_file
from tests.newscorpus import TOPIC, UNDATED_NAME, write_corpus

READS = [
    ("ask", "--json", "How large would the reassurance force be?"),
    ("ask", "--json", "--since", "2025-05-24", f"What is new about the {TOPIC}?"),
    ("ask", "--json", "--until", "2025-05-23", "--top-k", "3", f"{TOPIC} Paris talks"),
    ("ask", "--json", "--source", "b_london.json", f"What did London say about the {TOPIC}?"),
    ("ask", "--json", "--source", UNDATED_NAME, "What does the museum show?"),
    ("search", "--json", "flood defences"),
    ("timeline", "--json", TOPIC),
    ("digest", "--since", "2025-05-24", "--include-undated", "--json"),
]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("replica")
    env = {
        "NEWSBOT_ARTICLES_DIR": str(write_corpus(base / "articles")),
        "NEWSBOT_DATA_DIR": str(base / "data"),
    }
    out, _, _ = newsbot("index", "--json", env=env)
    assert json.loads(out)["added"] == 9
    return env


def from_store(env: dict[str, str], *args: str) -> str:
    """What the command prints when it reads the store (the summary set aside)."""
    return full_path(env, *args)[0]


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a[:3]))
def test_reads_of_an_index_at_rest_skip_chroma_and_print_what_the_store_gives(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    out, err, heavy = newsbot(*args, env=env)
    assert "chromadb" not in heavy, err
    assert json.loads(out)  # a real answer, not an error
    assert out == from_store(env, *args)


def snapshot_folder(env: dict[str, str]) -> Path:
    return summary_file(env).parent


@pytest.mark.parametrize(
    "damage",
    [
        lambda folder: (folder / "dense.npy").write_bytes(b"not numpy"),
        lambda folder: (folder / "records.jsonl").unlink(),
        lambda folder: (folder / "records.idx.npy").write_bytes(
            (folder / "records.idx.npy").read_bytes()[:-8]
        ),
    ],
    ids=["vectors damaged", "records gone", "offsets cut short"],
)
def test_a_damaged_copy_is_read_from_the_store_until_index_writes_it_again(
    tmp_path: Path, env: dict[str, str], damage
) -> None:  # type: ignore[no-untyped-def]
    local = {k: v.replace(str(Path(v).parent), str(tmp_path)) for k, v in env.items()}
    for key in local:
        shutil.copytree(env[key], local[key], symlinks=True)
    question = READS[0]
    expected, _, _ = newsbot(*question, env=local)
    damage(snapshot_folder(local))

    out, _, heavy = newsbot(*question, env=local)
    assert out == expected and "chromadb" in heavy  # the store answers meanwhile

    report = json.loads(newsbot("index", "--json", env=local)[0])
    assert report["unchanged"] == 9 and not report["added"] + report["updated"]
    out, _, heavy = newsbot(*question, env=local)
    assert out == expected and "chromadb" not in heavy


def test_an_added_article_is_found_without_chroma(tmp_path: Path, env: dict[str, str]) -> None:
    local = {k: v.replace(str(Path(v).parent), str(tmp_path)) for k, v in env.items()}
    for key in local:
        shutil.copytree(env[key], local[key], symlinks=True)
    (Path(local["NEWSBOT_ARTICLES_DIR"]) / "marmalade.md").write_text(
        "# Marmalade Summit Ends\n\nDelegates agreed on a marmalade tariff of 7 percent.\n"
    )
    out, _, _ = newsbot("index", "--json", env=local)
    assert json.loads(out)["added"] == 1

    out, _, heavy = newsbot("search", "--json", "marmalade tariff", env=local)
    assert "chromadb" not in heavy
    assert json.loads(out)[0]["source"] == "marmalade.md"
    out, _, heavy = newsbot(*READS[0], env=local)
    assert "chromadb" not in heavy and out == from_store(local, *READS[0])


def test_an_index_bigger_than_the_copy_limit_is_read_from_chroma(
    tmp_path: Path, env: dict[str, str]
) -> None:
    local = {k: v.replace(str(Path(v).parent), str(tmp_path)) for k, v in env.items()}
    for key in local:
        shutil.copytree(env[key], local[key], symlinks=True)
    expected, _, _ = newsbot(*READS[0], env=local)
    small = {**local, "NEWSBOT_READ_COPY_MAX_CHUNKS": "5"}

    report = json.loads(newsbot("index", "--json", env=small)[0])
    assert report["unchanged"] == 9 and not report["added"] + report["updated"]
    assert not (snapshot_folder(local) / "dense.npy").exists()  # the copy is dropped
    out, _, heavy = newsbot(*READS[0], env=small)
    assert out == expected and "chromadb" in heavy
    newsbot("index", env=small)  # a read through Chroma may have rewritten its files
    _, _, heavy = newsbot("index", env=small)
    assert not heavy  # and the index is at rest that way

    newsbot("index", env=local)  # back under the limit: the copy is written again
    out, _, heavy = newsbot(*READS[0], env=local)
    assert out == expected and "chromadb" not in heavy
