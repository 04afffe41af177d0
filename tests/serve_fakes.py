"""Helpers for the app-service tests: a scripted fake model server and uvicorn on a free loopback port.

The fake speaks just enough of the OpenAI Chat Completions API (plain and streamed) for the
real `openai` client inside `handbook.llm.client`; what it does depends on the model asked for:

* `busy`: 429 Too Many Requests (an overloaded server);
* `slow`: waits `FakeModel.delay_s` before answering;
* anything else: answers `FakeModel.reply` at once.

It is for tests of pure logic (retries, fallback, timeouts, limits, the wire format); the
retrieval in front of it is the real one, over a real index and the real embedder.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from dataclasses import dataclass, field


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> int:
    """A loopback port where nothing listens (bound and released, so the OS refuses connections)."""
    return free_port()


@dataclass
class FakeModel:
    reply: str = "A chunk is a slice of a document [1]."
    delay_s: float = 2.0
    port: int = 0
    models: list[str] = field(default_factory=list)  # the model of every request, in order

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _handler(state: FakeModel):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _json(self, status: int, body: dict):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            model = body["model"]
            state.models.append(model)
            if model == "busy":
                return self._json(429, {"error": {"message": "server overloaded", "type": "rate_limit"}})
            if model == "slow":
                time.sleep(state.delay_s)
            base = {"id": "chatcmpl-fake", "created": 0, "model": model}
            usage = {"prompt_tokens": 50, "completion_tokens": 9, "total_tokens": 59}
            if not body.get("stream"):
                return self._json(200, {**base, "object": "chat.completion", "usage": usage, "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": state.reply}}]})
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            words = state.reply.split(" ")
            for i, w in enumerate(words):
                piece = w if i == 0 else " " + w
                chunk = {**base, "object": "chat.completion.chunk",
                         "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            last = {**base, "object": "chat.completion.chunk", "usage": usage,
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())
            self.wfile.flush()
            self.close_connection = True

    return Handler


class FakeModelServer:
    """`with FakeModelServer() as fake:` serves on a free loopback port in a thread."""

    def __init__(self):
        self.state = FakeModel()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.server.daemon_threads = True
        self.state.port = self.server.server_address[1]

    def __enter__(self) -> FakeModel:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.state

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Uvicorn:
    """Run an ASGI app with uvicorn on a free loopback port in a thread: `with Uvicorn(app) as url:`."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)
