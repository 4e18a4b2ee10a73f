"""Fault matrix of the index store: damage, kills and races, embedded and on a Chroma server.

Each case damages a working index the way a disk, an operator or a second process would,
then checks what each command says (one line, naming what happened and what to do; never a
traceback or `unexpected <Exception>`) and that `index` or `index --rebuild` brings back a
working index without losing a document.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from bot.service import NewsBot
from bot.settings import load_settings
from index.errors import StoreError
from index.lock import IndexBusyError, IndexLock
from tests.cli_process import newsbot_process
from tests.conftest import SAMPLE_ARTICLES
from tests.e2e.test_crash import write_corpus
from tests.server.conftest import chroma_server, free_port  # noqa: F401 (fixture)

FILES = 40  # write_corpus: 8 copies of the 5 sample articles, about 160 chunks
QUESTION = "How many troops did Zelenskyy say were needed?"


def run(*args: str, env: dict[str, str], user: int | None = None) -> tuple[int, str, str]:
    proc = newsbot_process(*args, env=env, user=user)
    return proc.returncode, proc.stdout, proc.stderr


def ok_json(*args: str, env: dict[str, str]) -> dict:  # type: ignore[type-arg]
    code, out, err = run(*args, "--json", env=env)
    assert code == 0, err
    return json.loads(out)


def one_line_error(code: int, err: str, *needles: str) -> None:
    """A failure a user can act on: exit code 1, one line, no traceback."""
    assert code == 1, (code, err)
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "unexpected" not in err, err
    for needle in needles:
        assert needle in err, err


def answers(env: dict[str, str]) -> None:
    got = ok_json("ask", QUESTION, env=env)
    assert got["answered"] and "100,000 to 150,000" in got["answer"], got


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus indexed once per module by the real command; tests damage copies of it."""
    base = tmp_path_factory.mktemp("pristine")
    write_corpus(base / "articles", "A")
    env = {"NEWSBOT_ARTICLES_DIR": str(base / "articles"), "NEWSBOT_DATA_DIR": str(base / "data")}
    assert ok_json("index", env=env)["added"] == FILES
    return base


@pytest.fixture
def embedded(pristine: Path, tmp_path: Path) -> dict[str, str]:
    """A private copy of the indexed corpus (articles and data folder, times kept)."""
    for part in ("articles", "data"):
        shutil.copytree(pristine / part, tmp_path / part)
    env = {"NEWSBOT_ARTICLES_DIR": str(tmp_path / "articles")}
    env["NEWSBOT_DATA_DIR"] = str(tmp_path / "data")
    assert ok_json("index", env=env)["unchanged"] == FILES  # the copy is a working index
    return env


def vector_files(env: dict[str, str], name: str) -> list[Path]:
    store = Path(env["NEWSBOT_DATA_DIR"]) / "chroma"
    return sorted(store.resolve().glob(f"*/{name}"), key=lambda p: -p.stat().st_size)


def rebuild_restores(env: dict[str, str]) -> None:
    report = ok_json("index", "--rebuild", env=env)
    assert report["added"] == FILES and not report["problems"]
    answers(env)
    assert ok_json("index", env=env)["unchanged"] == FILES


# --- embedded store damage ---------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    ["random bytes in data_level0.bin", "zeroed header.bin", "garbled index_metadata.pickle"],
)
def test_damaged_vector_files_are_reported_and_rebuilt(
    embedded: dict[str, str], damage: str
) -> None:
    name = damage.split()[-1]
    files = vector_files(embedded, name)
    if not files and name == "index_metadata.pickle":
        files = vector_files(embedded, "header.bin")  # small segments keep no pickle
    target = files[0]
    size = target.stat().st_size
    if damage.startswith("random"):
        target.write_bytes(random.Random(7).randbytes(size))
    elif damage.startswith("zeroed"):
        target.write_bytes(b"\0" * size)
    else:
        target.write_bytes(b"not a pickle" * 10)
    for command in (("search", "troops"), ("ask", QUESTION), ("index",)):
        code, _out, err = run(*command, env=embedded)
        # either the damage does not reach a query, or it is named with the way out
        assert code in (0, 1), (command, code, err)
        if code:
            one_line_error(code, err, "--rebuild")
    rebuild_restores(embedded)


def test_garbage_sqlite_keeps_the_damaged_store_for_inspection(
    embedded: dict[str, str],
) -> None:
    (Path(embedded["NEWSBOT_DATA_DIR"]) / "chroma" / "chroma.sqlite3").write_bytes(b"x" * 4096)
    one_line_error(*run("ask", QUESTION, env=embedded)[::2], "--rebuild")
    rebuild_restores(embedded)
    assert list(Path(embedded["NEWSBOT_DATA_DIR"]).glob("chroma.damaged-*"))


@pytest.mark.parametrize(
    "damage",
    ["chunks.json of the wrong shape", "garbage .npy files", "CURRENT names nothing"],
)
def test_keyword_cache_damage_is_never_fatal(embedded: dict[str, str], damage: str) -> None:
    bm25 = next(Path(embedded["NEWSBOT_DATA_DIR"]).glob("bm25-*"))
    current = bm25 / (bm25 / "CURRENT").read_text().strip()
    if damage.startswith("chunks.json"):
        generation = json.loads((current / "chunks.json").read_text())["generation"]
        (current / "chunks.json").write_text(json.dumps({"generation": generation, "ids": 5}))
    elif damage.startswith("garbage"):
        for npy in [*current.glob("*.npy"), *current.glob("*.npz")]:
            npy.write_bytes(b"\x93NUMPY garbage")
    else:
        (bm25 / "CURRENT").write_text("../../nowhere")
    answers(embedded)  # rebuilt from the store, with a warning in the log
    assert ok_json("index", env=embedded)["unchanged"] == FILES
    rebuild_restores(embedded)


def test_killed_rebuild_leaves_the_old_index_serving(embedded: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "index", "--rebuild", "--json"],
        env={**os.environ, **embedded, "NEWSBOT_FAULT_POINT": "after-upsert:1"},
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL
    answers(embedded)
    status = ok_json("status", env=embedded)
    assert status["articles"] >= FILES
    assert ok_json("index", env=embedded)["unchanged"] == FILES
    rebuild_restores(embedded)  # and the half-built store of the killed run is cleaned up
    data = Path(embedded["NEWSBOT_DATA_DIR"])
    assert len([p for p in data.glob("chroma.g*") if p.is_dir()]) == 1


def test_store_emptied_behind_the_manifest_is_refilled(embedded: dict[str, str]) -> None:
    bot = NewsBot(load_settings(**_paths(embedded)))
    ids = sorted(bot.ws.store.ids())
    bot.ws.store.delete(ids)
    del bot
    report = ok_json("index", env=embedded)
    assert report["added"] == FILES and len(report["warnings"]) >= FILES
    answers(embedded)
    assert ok_json("index", env=embedded)["unchanged"] == FILES


def test_long_running_reader_survives_another_process_rebuild(
    embedded: dict[str, str],
) -> None:
    reader = NewsBot(load_settings(**_paths(embedded)))
    assert reader.ask(QUESTION).answered
    ok_json("index", "--rebuild", env=embedded)
    assert reader.ask(QUESTION).answered
    Path(embedded["NEWSBOT_ARTICLES_DIR"], "marmalade.md").write_text(
        "# Marmalade Summit Ends\n\nDelegates agreed on a marmalade tariff of 7 percent.\n"
    )
    ok_json("index", "--rebuild", env=embedded)
    answer = reader.ask("What tariff did the delegates agree on marmalade?")
    assert "marmalade.md" in {c.source for c in answer.citations}


def test_clock_jumped_back_still_publishes_updates(embedded: dict[str, str]) -> None:
    reader = NewsBot(load_settings(**_paths(embedded)))
    assert reader.ask(QUESTION).answered
    state = reader.ws.store.manifest.state()
    assert state is not None
    state.generation += 10**12  # as if the last update ran with the clock far ahead
    reader.ws.store.manifest.set_state(state)
    Path(embedded["NEWSBOT_ARTICLES_DIR"], "marmalade.md").write_text(
        "# Marmalade Summit Ends\n\nDelegates agreed on a marmalade tariff of 7 percent.\n"
    )
    assert ok_json("index", env=embedded)["added"] == 1
    answer = reader.ask("What tariff did the delegates agree on marmalade?")
    assert "marmalade.md" in {c.source for c in answer.citations}


def _paths(env: dict[str, str]) -> dict[str, Path]:
    return {
        "articles_dir": Path(env["NEWSBOT_ARTICLES_DIR"]),
        "data_dir": Path(env["NEWSBOT_DATA_DIR"]),
    }


# --- the data folder itself ----------------------------------------------------------------


def test_lock_path_that_is_a_folder(embedded: dict[str, str]) -> None:
    lock = Path(embedded["NEWSBOT_DATA_DIR"]) / "index.lock"
    lock.unlink()
    lock.mkdir()
    one_line_error(*run("index", env=embedded)[::2], "index.lock", "NEWSBOT_DATA_DIR")
    answers(embedded)  # readers do not need the lock
    lock.rmdir()
    assert ok_json("index", env=embedded)["unchanged"] == FILES


def test_data_path_that_is_a_file(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    write_corpus(articles, "A")
    data = tmp_path / "data"
    data.write_text("not a folder")
    env = {"NEWSBOT_ARTICLES_DIR": str(articles), "NEWSBOT_DATA_DIR": str(data)}
    for command in (("index",), ("ask", QUESTION), ("status",)):
        one_line_error(*run(*command, env=env)[::2], str(data))
    data.unlink()
    assert ok_json("index", env=env)["added"] == FILES


def in_own_mounts(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a shell script in a mount namespace of its own (read-only binds, a small tmpfs)
    without touching the machine's mounts; skips where the namespace cannot be made."""
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot make a mount namespace here: {probe.stderr.decode().strip()}")
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", sys.executable, *args],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_readers_work_on_a_read_only_data_folder(embedded: dict[str, str]) -> None:
    data = embedded["NEWSBOT_DATA_DIR"]
    bm25 = next(Path(data).glob("bm25-*"))
    (bm25 / "CURRENT").write_text("gone")  # a stale keyword cache must not need a write
    script = f"""
        export NEWSBOT_ARTICLES_DIR="{embedded["NEWSBOT_ARTICLES_DIR"]}" NEWSBOT_DATA_DIR="{data}"
        mount --bind "{data}" "{data}" && mount -o remount,bind,ro "{data}" || exit 99
        "$1" -m bot.cli ask "{QUESTION}" --json > "$TMPDIR/ask.json" || exit 11
        "$1" -m bot.cli status --json > "$TMPDIR/status.json" || exit 12
        "$1" -m bot.cli search troops --json > "$TMPDIR/search.json" || exit 13
        "$1" -m bot.cli index 2> "$TMPDIR/index.err"; echo $? > "$TMPDIR/index.rc"
    """
    out = Path(tempfile.mkdtemp())
    os.environ["TMPDIR"] = str(out)
    try:
        done = in_own_mounts(script)
    finally:
        del os.environ["TMPDIR"]
    assert done.returncode == 0, (done.returncode, done.stderr)
    assert "100,000 to 150,000" in json.loads((out / "ask.json").read_text())["answer"]
    assert json.loads((out / "status.json").read_text())["articles"] >= FILES
    assert json.loads((out / "search.json").read_text())
    code = int((out / "index.rc").read_text())
    one_line_error(code, (out / "index.err").read_text(), "NEWSBOT_DATA_DIR")


def test_disk_full_while_indexing_then_space_freed(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    write_corpus(articles, "A")
    data = tmp_path / "data"
    data.mkdir()
    script = f"""
        export NEWSBOT_ARTICLES_DIR="{articles}" NEWSBOT_DATA_DIR="{data}"
        mount -t tmpfs -o size=600k tmpfs "{data}" || exit 99
        "$1" -m bot.cli index 2> "{tmp_path}/full.err"; echo $? > "{tmp_path}/full.rc"
        mount -o remount,size=64m "{data}" || exit 98
        "$1" -m bot.cli index --json > "{tmp_path}/after.json" || exit 11
        "$1" -m bot.cli ask "{QUESTION}" --json > "{tmp_path}/ask.json" || exit 12
    """
    done = in_own_mounts(script)
    assert done.returncode == 0, (done.returncode, done.stderr)
    code = int((tmp_path / "full.rc").read_text())
    one_line_error(code, (tmp_path / "full.err").read_text(), "space")
    after = json.loads((tmp_path / "after.json").read_text())
    assert after["added"] + after["unchanged"] == FILES and not after["problems"]
    assert "100,000 to 150,000" in json.loads((tmp_path / "ask.json").read_text())["answer"]


# --- a Chroma server ---------------------------------------------------------------------


@pytest.fixture
def server_env(chroma_server: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict:  # type: ignore[type-arg]  # noqa: F811
    articles = tmp_path / "articles"
    write_corpus(articles, "A")
    return {
        "NEWSBOT_CHROMA_URL": chroma_server,
        "NEWSBOT_COLLECTION": re.sub(r"[^a-zA-Z0-9]+", "-", request.node.name[:40]).strip("-"),
        "NEWSBOT_ARTICLES_DIR": str(articles),
        "NEWSBOT_DATA_DIR": str(tmp_path / "indexer"),
    }


def _server_bot(env: dict[str, str], data: Path) -> NewsBot:
    return NewsBot(
        load_settings(
            chroma_url=env["NEWSBOT_CHROMA_URL"],
            collection=env.get("NEWSBOT_COLLECTION", "newsbot"),
            articles_dir=Path(env["NEWSBOT_ARTICLES_DIR"]),
            data_dir=data,
        )
    )


def test_server_first_index_and_rebuild_of_a_real_size(server_env: dict[str, str]) -> None:
    report = ok_json("index", env=server_env)
    assert report["added"] == FILES and report["chunks"] > 128  # more than one group
    status = ok_json("status", env=server_env)
    assert status["chunks"] == report["chunks"] and status["updated_at"]
    report = ok_json("index", "--rebuild", env=server_env)
    assert report["added"] == FILES
    answers(server_env)


def test_server_reader_survives_a_rebuild(server_env: dict[str, str], tmp_path: Path) -> None:
    ok_json("index", env=server_env)
    reader = _server_bot(server_env, tmp_path / "reader")
    assert reader.ask(QUESTION).answered
    ok_json("index", "--rebuild", env=server_env)
    assert reader.ask(QUESTION).answered
    assert reader.search("reassurance force", k=1)


def test_server_lease_is_renewed_while_work_runs(
    server_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.lock as lock_module

    monkeypatch.setattr(lock_module, "LEASE_SECONDS", 1.5)
    monkeypatch.setattr(lock_module, "RENEW_EVERY", 0.3)
    one = _server_bot(server_env, tmp_path / "m1").ws.lock()
    two = _server_bot(server_env, tmp_path / "m2").ws.lock()
    one.acquire()
    try:
        time.sleep(3.5)  # two lease lengths with no call from the work itself
        with pytest.raises(IndexBusyError):
            two.acquire()
    finally:
        one.release()
    two.acquire()
    two.release()


def test_server_lease_of_a_dead_process_is_released_at_once(
    server_env: dict[str, str],
) -> None:
    code = (
        "import sys, time; from pathlib import Path; from bot.settings import load_settings; "
        "from index.workspace import Workspace; "
        "ws = Workspace(load_settings(chroma_url=sys.argv[1], collection=sys.argv[2], "
        "data_dir=Path(sys.argv[3]))); ws.lock().acquire(); print('locked', flush=True); "
        "time.sleep(300)"
    )
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            code,
            server_env["NEWSBOT_CHROMA_URL"],
            server_env["NEWSBOT_COLLECTION"],
            str(Path(server_env["NEWSBOT_DATA_DIR"]).with_name("holder")),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout and holder.stdout.readline().strip() == "locked"
    code_, _, err = run("index", env=server_env)
    one_line_error(code_, err, "Another indexer")
    holder.kill()
    holder.wait()
    started = time.monotonic()
    assert ok_json("index", env=server_env)["added"] == FILES
    assert time.monotonic() - started < 60  # not the 120 s lease


def test_two_indexers_racing_on_one_server(server_env: dict[str, str], tmp_path: Path) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "index", "--json"],
            env={**os.environ, **server_env, "NEWSBOT_DATA_DIR": str(tmp_path / f"m{i}")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in (1, 2)
    ]
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    winners = [json.loads(out) for code, out, _ in results if code == 0]
    losers = [err for code, _, err in results if code != 0]
    assert sum(w["embedded_chunks"] for w in winners) == winners[0]["chunks"]  # embedded once
    for err in losers:
        one_line_error(1, err, "Another indexer")
    status = ok_json("status", env=server_env)
    assert status["chunks"] == winners[0]["chunks"]


def test_server_down_is_named_without_destructive_advice(tmp_path: Path) -> None:
    env = {
        "NEWSBOT_CHROMA_URL": f"http://127.0.0.1:{free_port()}",
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
        "NEWSBOT_ARTICLES_DIR": str(SAMPLE_ARTICLES),
    }
    for command in (("ask", QUESTION), ("status",), ("index",)):
        code, _, err = run(*command, env=env)
        one_line_error(code, err, "Chroma server", "running")
        assert "delete" not in err and "--rebuild" not in err


def test_server_killed_mid_use_then_back(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("chroma")
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [str(exe), "run", "--path", str(tmp_path / "srv"), "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1):
                    return proc
            except OSError:
                time.sleep(0.2)
        proc.kill()
        raise RuntimeError("chroma run did not start")

    articles = tmp_path / "articles"
    write_corpus(articles, "A")
    env = {
        "NEWSBOT_CHROMA_URL": url,
        "NEWSBOT_ARTICLES_DIR": str(articles),
        "NEWSBOT_DATA_DIR": str(tmp_path / "data"),
    }
    server = start()
    try:
        ok_json("index", env=env)
        reader = _server_bot(env, tmp_path / "reader")
        assert reader.ask(QUESTION).answered
        server.kill()
        server.wait()
        with pytest.raises(StoreError, match="Chroma server"):
            reader.ask(QUESTION)
        one_line_error(*run("ask", QUESTION, env=env)[::2], "Chroma server")
        # a write while it is down fails cleanly; then the server comes back
        (articles / "marmalade.md").write_text("# Marmalade\n\nA tariff of 7 percent.\n")
        one_line_error(*run("index", env=env)[::2], "Chroma server")
        server = start()
        assert reader.ask(QUESTION).answered
        assert ok_json("index", env=env)["added"] == 1
    finally:
        server.kill()
        server.wait()


def test_lock_holder_process_on_this_machine_shows_in_the_message(tmp_path: Path) -> None:
    lock = IndexLock(tmp_path)
    lock.acquire()
    try:
        with pytest.raises(IndexBusyError, match=str(os.getpid())):
            IndexLock(tmp_path).acquire()
    finally:
        lock.release()
