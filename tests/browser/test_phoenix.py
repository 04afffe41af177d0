"""A lab's trace in a real trace viewer: Arize Phoenix, offline on loopback, in headless Chromium.

Starts `phoenix serve` as `make observe` does (its own working folder, telemetry
off, a free port), sends it lab 4b's spans of the model-swap window
(`runs/lab4b/2 model swap.jsonl`, written when the lab runs) with
`handbook.telemetry.replay`, then opens the project's trace list, clicks a
`POST /ask` trace and checks that its tree (ask, retrieval, embeddings, chat,
judge) is drawn. Without the lab's span file it sends a trace of the same shape
made with a scripted model, and says so. Requests to any other host (the UI asks
for web fonts and version checks) are refused: the viewer must work offline.
Screenshots go to docs/screenshots/phoenix-*.png.

Run: `make browser` (or `pytest tests/browser/test_phoenix.py`).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import CHROMIUM_FLAGS, ROOT, SCREENSHOTS, chromium_path, require_or_skip

LAB_SPANS = ROOT / "runs" / "lab4b" / "2 model swap.jsonl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(base: str, query: str) -> dict:
    req = urllib.request.Request(f"{base}/graphql", json.dumps({"query": query}).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)["data"]


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory):
    exe = Path(sys.executable).parent / "phoenix"
    if not exe.exists():
        require_or_skip(f"arize-phoenix is not installed ({exe} missing); run `make setup`")
    port, grpc = _free_port(), _free_port()
    env = {**os.environ, "PHOENIX_WORKING_DIR": str(tmp_path_factory.mktemp("phoenix")), "PHOENIX_HOST": "127.0.0.1",
           "PHOENIX_PORT": str(port), "PHOENIX_GRPC_PORT": str(grpc), "PHOENIX_TELEMETRY_ENABLED": "false"}
    log = tmp_path_factory.mktemp("phoenix-log") / "phoenix.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(exe), "serve"], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base, timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"phoenix serve exited: {log.read_text()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail(f"Phoenix did not answer on {base} within 60 s: {log.read_text()[-2000:]}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _records(tmp_path) -> tuple[list[dict], str]:
    from handbook.telemetry import spanfile

    if LAB_SPANS.exists():
        return spanfile.read(LAB_SPANS), f"lab 4b's {LAB_SPANS.name}"
    return _scripted_trace(tmp_path), "a scripted trace of lab 4b's shape (run lab 4b for its own spans)"


def _scripted_trace(tmp_path) -> list[dict]:
    """One request as lab 4b's service makes it, with a scripted model and a bag-of-words embedder."""
    from test_telemetry_otlp import TEXTS, BagOfWords  # tests/ is on sys.path

    from handbook import telemetry
    from handbook.evaluate import online
    from handbook.llm import client
    from handbook.rag import index as ix
    from handbook.rag.answer import ask
    from handbook.records import Chunk, Reply, Usage
    from handbook.telemetry import setup, spanfile

    class Model:
        def before(self, r):
            text = '{"score": 5, "reason": "ok"}' if (r.prompt_ref or "").startswith("judge") else "Dogs do [2]."
            return Reply(text, Usage(400, 12), 0.2, r.model, "stop", r.prompt_ref, r.prompt_hash)

        def after(self, *args):
            pass

    path = tmp_path / "spans.jsonl"
    old = os.environ.get("HANDBOOK_TRACE")
    os.environ["HANDBOOK_TRACE"] = str(path)
    client.ensure_running, saved = (lambda cfg=None: None), client.ensure_running
    try:
        emb = BagOfWords()
        index = ix.from_vectors(emb.embed(TEXTS), [Chunk(f"d{i}.md", t, 0, len(t), 1, 1)
                                                   for i, t in enumerate(TEXTS)], emb.name)
        with client.use(Model()):
            with telemetry.root_span("POST /ask", {"http.route": "/ask"}) as root:
                answer = ask("Which animal chases the cat?", index, k=2, embedder=emb)
            online.judge_sampled("q", answer.text, "dogs", key="q", rate=1.0, parent=root)
        setup.flush()
    finally:
        client.ensure_running = saved
        os.environ.pop("HANDBOOK_TRACE") if old is None else os.environ.__setitem__("HANDBOOK_TRACE", old)
    return spanfile.read(path)


def test_phoenix_shows_a_lab_trace(phoenix, tmp_path):
    from handbook.telemetry import replay

    records, source = _records(tmp_path)
    sent = replay.send(records, f"{phoenix}/v1/traces")
    traces = {r["trace_id"] for r in records if not r.get("parent_id")}
    roots = {r["trace_id"] for r in records if not r.get("parent_id") and r["name"] == "POST /ask"}
    for _ in range(40):  # Phoenix writes what it received in the background
        projects = _graphql(phoenix, "{ projects { edges { node { id name traceCount } } } }")["projects"]["edges"]
        default = next(p["node"] for p in projects if p["node"]["name"] == "default")
        if default["traceCount"] >= len(traces):
            break
        time.sleep(0.5)
    assert roots and default["traceCount"] >= len(traces), (default, sent, source)

    executable = chromium_path()
    if executable is None:
        require_or_skip("Debian's chromium is not installed; run scripts/install_browser.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        require_or_skip(f"the Python package playwright is not installed ({exc}); run `make setup`")
    elsewhere: list[str] = []

    def only_loopback(route):
        if route.request.url.startswith((phoenix, "data:", "blob:")):
            route.continue_()
        else:
            elsewhere.append(route.request.url.split("?")[0])
            route.abort("internetdisconnected")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.set_default_timeout(30_000)
        page.route("**/*", only_loopback)
        page.goto(f"{phoenix}/projects/{default['id']}/traces", wait_until="load")
        rows = page.get_by_text("POST /ask", exact=True)
        rows.first.wait_for()
        assert rows.count() == len(roots), (rows.count(), len(roots), source)
        page.screenshot(path=str(SCREENSHOTS / "phoenix-traces.png"))
        rows.nth(min(1, rows.count() - 1)).click()
        tree = page.get_by_text("retrieval dense", exact=True)
        tree.first.wait_for()
        trace_id = page.url.split("/traces/")[1].split("?")[0]
        assert trace_id in roots, (trace_id, source)
        for name in ("ask", "embeddings", "chat ", "judge judge_answer@1"):
            assert page.get_by_text(name).count(), f"{name!r} missing from the trace tree ({source})"
        page.get_by_text(re.compile(r"^chat ")).first.click()   # the chat span's attributes
        page.mouse.move(5, 5)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(SCREENSHOTS / "phoenix-trace.png"))
        browser.close()
    print(f"Phoenix showed {source}; refused requests to other hosts: {sorted(set(elsewhere)) or 'none'}")
