"""The llama-index default side of bench_process.py: three cold scripts in one file.

    python benchmarks/li_process.py status|index|ask ARTICLES DATA [--question Q]

Each mode imports only what it needs, so that a fresh process pays what a llama-index
user's own script would:

- `status`: open the Chroma collection (chromadb, as llama-index itself has no count call)
  and print the number of nodes;
- `index`: llama-index's documented way to re-run ingestion and skip unchanged documents:
  `SimpleDirectoryReader(filename_as_id=True)` into an `IngestionPipeline` (SentenceSplitter,
  the same ONNX MiniLM as newsbot through its llama-index adapter) with a persisted
  `SimpleDocumentStore` (docstore strategy upserts) and `ChromaVectorStore`;
- `ask`: `VectorStoreIndex.from_vector_store(...).as_retriever(similarity_top_k=5)
  .retrieve(Q)`. Retrieval only, no LLM: newsbot's default answer is extractive and offline.

Two choices keep "nothing changed" honest, both printed in bench_process.py's notes: the
reader's file metadata leaves out `creation_date` and `last_accessed_date` (they are in the
document hash, so with the default a copy of the folder, or the first read on a new day,
re-embeds every document; neither is part of the embedded text), and the transformation
cache is off (with the docstore it skips nothing more, and persisted it would hold every
vector as JSON). The docstore is written only when something was ingested.

The last stdout line is JSON: what was done and `seconds`, the time after the mode's imports.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = "news"


def _collection(data: Path):  # type: ignore[no-untyped-def]
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(
        path=str(data / "chroma"), settings=Settings(anonymized_telemetry=False)
    )
    return client.get_or_create_collection(COLLECTION)


def status(data: Path) -> dict[str, object]:
    import chromadb  # noqa: F401  (imported before the clock, like the other modes' imports)

    t0 = time.perf_counter()
    nodes = _collection(data).count()
    return {"nodes": nodes, "seconds": time.perf_counter() - t0}


def _file_metadata(path: str) -> dict[str, object]:
    """The reader's default metadata without the dates that change when nothing did."""
    from llama_index.core.readers.file.base import default_file_metadata_func

    meta = default_file_metadata_func(path)
    meta.pop("creation_date", None)
    meta.pop("last_accessed_date", None)
    return meta


def ingest(articles: Path, data: Path) -> dict[str, object]:
    from llama_index.core import SimpleDirectoryReader
    from llama_index.core.ingestion import DocstoreStrategy, IngestionPipeline
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.storage.docstore import SimpleDocumentStore
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.store.li_embedding import MiniLMEmbedding

    t0 = time.perf_counter()
    docstore_path = data / "docstore.json"
    docstore = (
        SimpleDocumentStore.from_persist_path(str(docstore_path))
        if docstore_path.exists()
        else SimpleDocumentStore()
    )
    pipeline = IngestionPipeline(
        transformations=[SentenceSplitter(), MiniLMEmbedding()],
        docstore=docstore,
        vector_store=ChromaVectorStore(chroma_collection=_collection(data)),
        docstore_strategy=DocstoreStrategy.UPSERTS,
        disable_cache=True,
    )
    docs = SimpleDirectoryReader(
        str(articles), filename_as_id=True, file_metadata=_file_metadata
    ).load_data()
    # in slices: ChromaVectorStore hands Chroma up to 41,665 nodes at once, more than
    # chromadb 1.5 takes in one call (5,461), so one run over 10,000 articles fails
    nodes = [
        n for i in range(0, len(docs), 1000) for n in pipeline.run(documents=docs[i : i + 1000])
    ]
    if nodes:
        docstore.persist(str(docstore_path))
    return {"documents": len(docs), "nodes": len(nodes), "seconds": time.perf_counter() - t0}


def ask(data: Path, question: str) -> dict[str, object]:
    from llama_index.core import VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from index.store.li_embedding import MiniLMEmbedding

    t0 = time.perf_counter()
    store = ChromaVectorStore(chroma_collection=_collection(data))
    found = (
        VectorStoreIndex.from_vector_store(store, embed_model=MiniLMEmbedding())
        .as_retriever(similarity_top_k=5)
        .retrieve(question)
    )
    return {
        "retrieved": [str(n.node.metadata.get("file_name")) for n in found],
        "llm": None,
        "seconds": time.perf_counter() - t0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("status", "index", "ask"))
    parser.add_argument("articles", type=Path)
    parser.add_argument("data", type=Path)
    parser.add_argument("--question", default="How many troops did Zelenskyy say were needed?")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))  # index.store.li_embedding: the adapter bench.py uses
    if args.mode == "status":
        result = status(args.data)
    elif args.mode == "index":
        result = ingest(args.articles, args.data)
    else:
        result = ask(args.data, args.question)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
