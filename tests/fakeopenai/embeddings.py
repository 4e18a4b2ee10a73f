"""A fake OpenAI-compatible embeddings endpoint on 127.0.0.1 (`POST /v1/embeddings`).

Vectors are a hashed bag of words (DIMENSIONS wide, L2-normalised): deterministic, and texts
that share words point the same way, so retrieval through it finds the right passages.
`status` makes every request fail with that HTTP status; every request is recorded.

    with FakeEmbeddings() as fake:
        ... NEWSBOT_EMBED_BASE_URL=fake.url NEWSBOT_EMBED_MODEL=fake-bow ...
        assert max(len(r["input"]) for r in fake.requests) <= 64
"""

from __future__ import annotations

import json
import re
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DIMENSIONS = 384
_WORD = re.compile(r"\w+")


def bag_of_words(text: str, dims: int = DIMENSIONS) -> list[float]:
    vec = [0.0] * dims
    for word in _WORD.findall(text.lower()):
        h = zlib.crc32(word.encode())
        vec[h % dims] += 1.0 if (h >> 16) & 1 else -1.0
    norm = sum(v * v for v in vec) ** 0.5 or 1.0
    return [v / norm for v in vec]


class FakeEmbeddings:
    def __init__(self, dims: int = DIMENSIONS) -> None:
        self.dims = dims
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"] or 0)))
                fake.requests.append(body)
                fake.paths.append(self.path)
                if self.path != "/v1/embeddings":
                    return self._send(404, {"error": {"message": "no such route"}})
                if fake.status != 200:
                    return self._send(fake.status, {"error": {"message": "fake failure"}})
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                data = [
                    {"object": "embedding", "index": i, "embedding": bag_of_words(t, fake.dims)}
                    for i, t in enumerate(texts)
                ]
                self._send(200, {"object": "list", "data": data, "model": body.get("model")})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeEmbeddings:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
