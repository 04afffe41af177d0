"""The app service (chapter 7), over real HTTP: uvicorn on a free loopback port in front of a real
index and the real embedder. The model behind it is the scripted fake (`serve_fakes`) for tests
of pure logic, a closed loopback port for "the model server is down", and the live local server
for the one test marked `model`.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time

import httpx
import openai
import pytest
from serve_fakes import FakeModelServer, Uvicorn, closed_port

from handbook.errors import LLMCallError, ModelUnavailable
from handbook.rag import chunk, load_documents
from handbook.rag.index import build as build_index
from handbook.serve import Keys, Policy, RateLimiter, backoff, call, classify, key_id
from handbook.serve.app import Limits, create_app
from handbook.serve.sse import parse

KEY = "test-key-7f3a9c"
AUTH = {"Authorization": f"Bearer {KEY}"}
QUESTION = {"question": "What is a chunk?", "k": 2}


@pytest.fixture(scope="module")
def index():
    docs = load_documents(["data/corpus/03-rag.md"])
    return build_index(chunk(docs, 200, 40))


@pytest.fixture
def fake(monkeypatch):
    with FakeModelServer() as state:
        monkeypatch.setenv("OPENAI_BASE_URL", state.url)
        yield state


def serve(index, keys=(KEY,), **kw):
    return Uvicorn(create_app(index, keys, **kw))


@pytest.fixture
def url(index, fake):
    with serve(index) as u:
        yield u


# ------------------------------------------------------------------ pure logic
@pytest.mark.parametrize("attempt,cap", [(0, 0.25), (1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)])
def test_backoff_is_full_jitter_under_the_cap(attempt, cap):
    rng = random.Random(attempt)
    waits = [backoff(attempt, 0.25, 4.0, rng) for _ in range(200)]
    assert all(0.0 <= w <= cap for w in waits)
    assert max(waits) > 0.8 * cap and min(waits) < 0.2 * cap  # spread over the whole range, not bunched


def test_rate_limiter_is_a_token_bucket():
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, pytest.approx(1.0)]
    assert limiter.take("b") == 0.0  # another key has its own bucket
    now[0] = 1.0
    assert limiter.take("a") == 0.0


@pytest.mark.parametrize("header,ok", [(f"Bearer {KEY}", True), (f"bearer {KEY}", True), (None, False),
                                       ("", False), ("Bearer", False), ("Bearer wrong", False),
                                       (f"Basic {KEY}", False), (f"Bearer {KEY}x", False)])
def test_keys(header, ok):
    assert (Keys((KEY, "other")).check(header) == key_id(KEY)) is ok
    assert KEY not in repr(Keys((KEY,)))


def _err(exc: Exception) -> LLMCallError:
    err = LLMCallError("failed")
    err.__cause__ = exc
    return err


_REQ = httpx.Request("POST", "http://x/v1/chat/completions")


@pytest.mark.parametrize("exc,kind", [
    (openai.APIConnectionError(request=_REQ), "down"),
    (openai.APITimeoutError(request=_REQ), "slow"),
    (openai.RateLimitError("busy", response=httpx.Response(429, request=_REQ), body=None), "overloaded"),
    (openai.InternalServerError("oops", response=httpx.Response(503, request=_REQ), body=None), "overloaded"),
    (openai.BadRequestError("too long", response=httpx.Response(400, request=_REQ), body=None), "rejected"),
])
def test_classify(exc, kind):
    assert classify(_err(exc)) == kind


def test_call_retries_then_falls_back():
    seen, sleeps = [], []

    def fn(model):
        seen.append(model)
        if model != "small":
            raise _err(openai.RateLimitError("busy", response=httpx.Response(429, request=_REQ), body=None))
        return "ok"

    policy = Policy(retries=2, fallback="small")
    assert call(fn, policy, "big", sleep=sleeps.append, rng=random.Random(0)) == "ok"
    assert seen == ["big", "big", "big", "small"] and len(sleeps) == 3
    with pytest.raises(ModelUnavailable) as info:
        call(fn, Policy(retries=1), "big", sleep=lambda s: None)
    assert info.value.status == 503 and info.value.kind == "overloaded"


# ------------------------------------------------------------------ over HTTP
def test_health_ready_and_answer(url, fake):
    assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{url}/readyz").status_code == 200
    r = httpx.post(f"{url}/v1/ask", json=QUESTION, headers=AUTH, timeout=30)
    assert r.status_code == 200
    body = r.json()
    assert body["answer"] == fake.reply and body["cited"] == [1] and len(body["sources"]) == 2
    assert body["usage"] == {"prompt_tokens": 50, "completion_tokens": 9, "total_tokens": 59}


def test_answer_matches_handbook_ask(url, fake, index):
    from handbook.rag import ask

    direct = ask(QUESTION["question"], index, 2)
    body = httpx.post(f"{url}/v1/ask", json=QUESTION, headers=AUTH, timeout=30).json()
    assert body["answer"] == direct.text
    assert [s["source"] + str(s["start_line"]) for s in body["sources"]] == [
        h.source + str(h.chunk.start_line) for h in direct.sources]


def test_stream_is_server_sent_events(url, fake):
    r = httpx.post(f"{url}/v1/ask", json={**QUESTION, "stream": True}, headers=AUTH, timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = parse(r.text)
    names = [e for e, _ in events]
    assert names[0] == "sources" and names[-1] == "done" and names.count("token") >= 3
    assert "".join(d["text"] for e, d in events if e == "token") == events[-1][1]["answer"] == fake.reply


@pytest.mark.parametrize("defence,blocked,calls", [
    ("none", False, 1),
    ("output-check", True, 1),  # the link is off the allow-list: the answer becomes the abstention
    ("detector,output-check", True, 3),  # one screening call per source (k=2), then the answer
    ("spotlight,sandwich", False, 1),  # prompt-side defences change the prompt, not the answer
])
def test_defences_by_name(index, fake, defence, blocked, calls):
    """`handbook serve --defence` runs chapter 8's defences on every answer, streamed or not."""
    fake.reply = "Read https://evil.example/steal?d=1 for the answer [1]."
    expected = "I don't know." if blocked else fake.reply
    with serve(index, defence=defence) as u:
        before = len(fake.models)
        body = httpx.post(f"{u}/v1/ask", json=QUESTION, headers=AUTH, timeout=30).json()
        sent = len(fake.models) - before
        events = parse(httpx.post(f"{u}/v1/ask", json={**QUESTION, "stream": True}, headers=AUTH, timeout=30).text)
    assert body["answer"] == expected and sent == calls
    assert body["usage"]["total_tokens"] == 59 * calls  # every call the answer took is counted
    assert events[-1][0] == "done" and events[-1][1]["answer"] == expected
    assert "".join(d["text"] for e, d in events if e == "token") == expected


def test_an_unknown_defence_is_refused_before_serving(index):
    from handbook.errors import DefenceError

    with pytest.raises(DefenceError, match="Unknown defence shield") as err:
        create_app(index, (KEY,), defence="spotlight,shield")
    assert "output-check" in err.value.fix


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY},
                                     {"Authorization": f"Basic {KEY}"}])
def test_401_without_the_key(url, headers):
    for r in (httpx.post(f"{url}/v1/ask", json=QUESTION, headers=headers), httpx.get(f"{url}/metrics", headers=headers)):
        assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
        assert "API key" in r.json()["error"] and KEY not in r.text


@pytest.mark.parametrize("body,field", [
    ({"question": ""}, "question"), ({"question": "   \n"}, "question"), ({"question": "x" * 2001}, "question"),
    ({"question": "hi", "k": 0}, "k"), ({"question": "hi", "k": 21}, "k"), ({"question": "hi", "k": "two"}, "k"),
    ({"question": "hi", "extra": 1}, "extra"), ({}, "question"), ([1, 2], "body"),
])
def test_422_with_a_message(url, body, field):
    r = httpx.post(f"{url}/v1/ask", json=body, headers=AUTH)
    assert r.status_code == 422
    assert r.json()["error"].startswith("Invalid request:") and field in r.json()["error"]


def test_422_for_broken_json(url):
    r = httpx.post(f"{url}/v1/ask", content=b'{"question": ', headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 422 and "Invalid request" in r.json()["error"]


def test_400_for_a_body_that_is_not_text(url):  # found by the schemathesis fuzz (negative mode)
    r = httpx.post(f"{url}/v1/ask", content=b'\xffW', headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["fix"].startswith("send UTF-8 JSON")


def test_413_for_a_large_body(url):
    big = {"question": "x" * 20_000}
    assert httpx.post(f"{url}/v1/ask", json=big, headers=AUTH).status_code == 413

    def chunks():  # no Content-Length: the limit counts the bytes as they arrive
        for _ in range(40):
            yield b" " * 1000

    r = httpx.post(f"{url}/v1/ask", content=chunks(), headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["error"]


def test_429_after_the_rate_limit(index, fake):
    with serve(index, limits=Limits(per_minute=6, burst=2)) as u:
        codes = [httpx.post(f"{u}/v1/ask", json=QUESTION, headers=AUTH, timeout=30) for _ in range(3)]
        assert [r.status_code for r in codes] == [200, 200, 429]
        assert int(codes[-1].headers["retry-after"]) >= 1
        metrics = httpx.get(f"{u}/metrics", headers=AUTH).text
        assert 'handbook_errors_total{kind="rate_limit"} 1.0' in metrics
        assert 'handbook_requests_total{route="/v1/ask",status="200"} 2.0' in metrics
        assert 'handbook_tokens_total{kind="completion"} 18.0' in metrics
        assert "handbook_request_seconds_bucket" in metrics


def test_503_when_the_model_server_is_down(index, monkeypatch, caplog):
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port()}/v1")
    caplog.set_level(logging.INFO)
    with serve(index) as u:
        assert httpx.get(f"{u}/healthz").status_code == 200  # alive, but not ready
        ready = httpx.get(f"{u}/readyz")
        assert ready.status_code == 503 and "connection refused" in ready.json()["error"]
        for stream in (False, True):
            r = httpx.post(f"{u}/v1/ask", json={**QUESTION, "stream": stream}, headers=AUTH, timeout=30)
            assert r.status_code == 503 and r.headers["retry-after"] == "30"
            assert r.json()["error"] == "The model server is unreachable, so no answer can be made now."
            assert "Traceback" not in r.text and KEY not in r.text
    assert "Traceback" not in caplog.text and KEY not in caplog.text


def test_fallback_to_the_smaller_model(index, fake):
    policy = Policy(retries=1, fallback="small-model", backoff_base_s=0.01)
    with serve(index, policy=policy, model="busy") as u:
        r = httpx.post(f"{u}/v1/ask", json=QUESTION, headers=AUTH, timeout=30)
        assert r.status_code == 200 and r.json()["model"] == "small-model"
        assert fake.models[-3:] == ["busy", "busy", "small-model"] or fake.models.count("busy") >= 2
        assert 'handbook_model_retries_total{kind="fallback"} 1.0' in httpx.get(f"{u}/metrics", headers=AUTH).text
    with serve(index, policy=Policy(retries=0), model="busy") as u:
        r = httpx.post(f"{u}/v1/ask", json=QUESTION, headers=AUTH, timeout=30)
        assert r.status_code == 503 and "overloaded" in r.json()["error"] and "retry-after" in r.headers


def test_504_after_the_deadline(index, fake):
    fake.delay_s = 3.0
    policy = Policy(deadline_s=1.0, attempt_timeout_s=0.5, retries=0)
    with serve(index, policy=policy, model="slow") as u:
        start = time.monotonic()
        r = httpx.post(f"{u}/v1/ask", json=QUESTION, headers=AUTH, timeout=30)
        assert r.status_code == 504 and "time limit" in r.json()["error"]
        assert time.monotonic() - start < 2.9  # answered before the model did


def test_load_shedding(index, fake):
    fake.delay_s = 1.5
    with serve(index, model="slow", limits=Limits(max_active=1, max_waiting=0)) as u:
        results = []

        def one():
            results.append(httpx.post(f"{u}/v1/ask", json=QUESTION, headers=AUTH, timeout=30))

        first = threading.Thread(target=one)
        first.start()
        time.sleep(0.5)  # the first is now with the model
        one()
        first.join()
        assert sorted(r.status_code for r in results) == [200, 503]
        shed = next(r for r in results if r.status_code == 503)
        assert "busy" in shed.json()["error"] and shed.headers["retry-after"] == "2"


def test_openapi_documents_the_limits(url):
    doc = httpx.get(f"{url}/openapi.json").json()
    assert {"/v1/ask", "/healthz", "/readyz", "/metrics"} <= set(doc["paths"])
    req = doc["components"]["schemas"]["AskRequest"]["properties"]
    assert req["question"]["maxLength"] == 2000 and req["k"]["maximum"] == 20
    assert "bearer" in str(doc["components"]["securitySchemes"]).lower()


def test_no_key_means_no_auth_only_on_loopback(index, fake):
    with serve(index, keys=()) as u:
        assert httpx.post(f"{u}/v1/ask", json=QUESTION, timeout=30).status_code == 200


def test_unused_port_helper_is_closed():
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", closed_port()), timeout=1):
        pass


@pytest.mark.model
def test_live_answer_matches_direct_ask(index, monkeypatch):
    from handbook.rag import ask

    direct = ask(QUESTION["question"], index, 2)
    with serve(index) as u:
        body = httpx.post(f"{u}/v1/ask", json=QUESTION, headers=AUTH, timeout=300).json()
    assert body["answer"] == direct.text and body["usage"]["completion_tokens"] == direct.usage.completion_tokens


@pytest.mark.model
def test_live_guarded_answer_matches_guarded_ask(index):
    from handbook.guard import guarded_ask

    direct = guarded_ask(QUESTION["question"], index, 2, defence="spotlight,sandwich")
    with serve(index, defence="spotlight,sandwich") as u:
        body = httpx.post(f"{u}/v1/ask", json=QUESTION, headers=AUTH, timeout=300).json()
    assert body["answer"] == direct.answer.text and body["cited"] == direct.answer.cited


def test_handbook_serve_as_a_process(index, tmp_path):
    """The real command in a child process: probes, 503 with the model server down, SIGTERM drain."""
    import signal

    from handbook.serve.process import AppProcess

    index.save(tmp_path / "ix")
    down = {"OPENAI_BASE_URL": f"http://127.0.0.1:{closed_port()}/v1", "OPENAI_API_KEY": "none"}
    app = AppProcess(tmp_path / "ix", (KEY,), "--rate", "600", env=down).start()
    try:
        assert httpx.get(f"{app.url}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{app.url}/readyz").status_code == 503
        assert httpx.post(f"{app.url}/v1/ask", json=QUESTION).status_code == 401
        r = httpx.post(f"{app.url}/v1/ask", json=QUESTION, headers=AUTH, timeout=30)
        assert r.status_code == 503 and "unreachable" in r.json()["error"]
    finally:
        code = app.stop()
    assert code == -signal.SIGTERM  # uvicorn re-raises the signal after draining: "stopped", not "killed"
    log = app.log()
    assert "Uvicorn running on http://127.0.0.1" in log and KEY not in log and "Traceback" not in log
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{app.url}/healthz")
