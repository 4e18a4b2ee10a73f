"""A fake OpenAI-compatible chat endpoint on 127.0.0.1, for tests through the real client.

It speaks the parts of the API that newsbot uses: `POST /v1/chat/completions`, plain JSON or
streamed as server-sent events (`"stream": true`), and `GET /v1/models`. Each test scripts
what the "model" does next: a text, an HTTP error, a delay before answering, a pause between
streamed chunks, or a dropped connection. Every request is recorded (headers and JSON body)
so tests can check what the client sent.

    with FakeOpenAI() as fake:
        fake.script(Reply("Zelenskyy wants 100,000 troops [1]."), Reply(status=503))
        ... NEWSBOT_LLM_BASE_URL=fake.url ...
        assert fake.requests[0].body["messages"][0]["role"] == "system"
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """What the fake model does for one request."""

    content: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    chunks: list[str] | None = None  # how a streamed reply is split (default: ~3 words each)
    chunk_delay: float = 0.0  # seconds between streamed chunks
    error_message: str = "fake failure"
    drop: bool = False  # close the connection without any response
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, str]]:
        return self.body.get("messages", [])

    @property
    def system(self) -> str:
        return next((m["content"] for m in self.messages if m["role"] == "system"), "")

    @property
    def user(self) -> str:
        return next((m["content"] for m in reversed(self.messages) if m["role"] == "user"), "")


Responder = Callable[[Request], Reply | str]


def split_words(text: str, per_chunk: int = 3) -> list[str]:
    words = text.split(" ")
    return [
        " ".join(words[i : i + per_chunk]) + (" " if i + per_chunk < len(words) else "")
        for i in range(0, len(words), per_chunk)
    ]


class FakeOpenAI:
    def __init__(self, model: str = "fake-model") -> None:
        self.model = model
        self.requests: list[Request] = []
        self.replies: deque[Reply | str] = deque()
        self.responder: Responder | None = None
        self.default: Reply | str = Reply("I couldn't find that in the indexed articles.")
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- scripting -------------------------------------------------------------------------
    def script(self, *replies: Reply | str) -> None:
        """Replies for the next requests, in order (then `responder`, then `default`)."""
        with self._lock:
            self.replies.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self.replies.clear()
            self.requests.clear()
            self.responder = None

    def _next(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.replies:
                reply = self.replies.popleft()
            elif self.responder is not None:
                reply = self.responder(request)
            else:
                reply = self.default
        return Reply(reply) if isinstance(reply, str) else reply

    @property
    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # --- lifecycle -------------------------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(_Handler):
            owner = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


class _Handler(BaseHTTPRequestHandler):
    owner: FakeOpenAI
    protocol_version = "HTTP/1.0"  # one request per connection; a stream ends at close

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        # the client may give up first (a timeout test): nothing to tell then
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": self.owner.model}]})
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self.owner.requests.append(request)
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        reply = self.owner._next(request)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.status != 200:
            self._json(
                reply.status,
                {"error": {"message": reply.error_message, "type": "fake", "code": reply.status}},
                reply.headers,
            )
            return
        if body.get("stream"):
            self._stream(reply, body)
        else:
            self._json(200, self._completion(reply.content, body), reply.headers)

    # --- responses -------------------------------------------------------------------------
    def _json(self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None):
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)

    def _completion(self, content: str, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", self.owner.model),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        model = body.get("model", self.owner.model)

        def event(delta: dict[str, Any], finish: str | None = None) -> None:
            chunk = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()

        event({"role": "assistant", "content": ""})
        pieces = reply.chunks if reply.chunks is not None else split_words(reply.content)
        for i, piece in enumerate(pieces):
            if reply.chunk_delay and i:
                time.sleep(reply.chunk_delay)
            event({"content": piece})
        event({}, "stop")
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
