"""The FastAPI app that `handbook serve` runs: the RAG pipeline behind auth, limits and metrics.

    POST /v1/ask   {"question": "...", "k": 4, "stream": false} -> {"answer", "sources", "cited", "usage", "model"}
                   with "stream": true -> server-sent events (see `sse`)
    GET  /healthz  200 while the process runs          GET /readyz  200 when the model server is reachable
    GET  /metrics  Prometheus text (key required)      GET /openapi.json  the API, for clients and fuzzers

A request to `/v1/ask` passes, in order: the body size limit (413), the
bearer key (401), the per-key rate limit (429 + `Retry-After`), validation
(422: empty or too long question, bad `k`; 400 for a body that is not UTF-8), load shedding (503 +
`Retry-After` when too many are waiting), then the pipeline under a
deadline; a model server that is down, overloaded or slow becomes 503 or
504 with a message and a fix. Every error body is `{"error", "fix"}`: no
stack trace, no key. `Observe`, the outermost middleware, times and counts
every request and turns any unexpected exception into a plain 500.

Chapter 8's defences are switched on by name (`create_app(..., defence="all")`,
`handbook serve --defence all`); the pipeline applies them.

Deliberately left out: CORS, TLS (put a reverse proxy in front), sessions,
and user accounts.
"""


import asyncio
import logging
import time
from dataclasses import dataclass

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException

from .. import config
from ..errors import HandbookError, ModelUnavailable
from ..rag.index import VectorIndex
from . import health, schema, sse
from .limits import BodyLimit, Keys, RateLimiter, Shed, Shedder, retry_after
from .metrics import Metrics
from .pipeline import Pipeline, answer_json
from .resilience import Policy

log = logging.getLogger("handbook.serve")


@dataclass(frozen=True)
class Limits:
    """What one app accepts: sizes, request rate per key, and how many at once (chapter 7)."""

    max_body_bytes: int = 16_384
    max_question_chars: int = 2_000
    max_k: int = 20
    per_minute: float = 60.0  # per key; 0 turns rate limiting off
    burst: int = 10
    max_active: int = 4  # requests in the pipeline at once
    max_waiting: int = 16  # more than this waiting: shed at once


class Refusal(Exception):
    """A request the app answers with an error status, a message and a fix."""

    def __init__(self, status: int, kind: str, message: str, fix: str, retry_after_s: float | None = None):
        super().__init__(message)
        self.status, self.kind, self.message, self.fix, self.retry_after_s = status, kind, message, fix, retry_after_s


def _error(status: int, message: str, fix: str | None, retry_after_s: float | None = None,
           headers: dict | None = None) -> JSONResponse:
    headers = dict(headers or {})
    if retry_after_s:
        headers["Retry-After"] = retry_after(retry_after_s)
    return JSONResponse({"error": message, "fix": fix}, status, headers=headers)


def create_app(index: VectorIndex, keys: tuple[str, ...] = (), *, policy: Policy = Policy(),
               limits: Limits = Limits(), model: str | None = None, max_tokens: int = 200,
               defence: str = "none") -> FastAPI:
    """The app serving `index` to holders of `keys` (chapter 7). No keys: auth off (loopback only).

    `defence` names chapter 8's defences for every answer ("none", "all" or "NAME[,NAME]").
    """
    pipeline = Pipeline(index, policy, model, max_tokens, defence=defence)
    metrics, keyring = Metrics(), Keys(keys)
    limiter, shedder = RateLimiter(limits.per_minute, limits.burst), Shedder(limits.max_active, limits.max_waiting)
    AskRequest, AskResponse, ErrorBody = schema.models(limits)  # noqa: N806 (classes)
    bearer = HTTPBearer(auto_error=False, description="the key given to `handbook serve`")
    app = FastAPI(title="handbook serve", version="1", docs_url=None, redoc_url=None,
                  description="Ask the handbook's index questions; answers cite their sources. Chapter 7.")
    app.state.metrics, app.state.pipeline, app.state.shedder = metrics, pipeline, shedder

    def authenticated(request: Request, _=Depends(bearer)) -> str:
        who = keyring.check(request.headers.get("authorization"))
        if who is None:
            raise Refusal(401, "auth", "Missing or wrong API key.", "send `Authorization: Bearer <key>`")
        return who

    def allowed(who: str = Depends(authenticated)) -> str:
        wait = limiter.take(who)
        if wait:
            raise Refusal(429, "rate_limit", f"Rate limit: {limits.per_minute:g} requests per minute per key.",
                          f"retry after {retry_after(wait)} s", wait)
        return who

    def on_retry(kind: str, why: str) -> None:
        metrics.retries.labels(kind).inc()

    async def in_thread(fn, *args):
        try:
            return await asyncio.wait_for(anyio.to_thread.run_sync(fn, *args, abandon_on_cancel=True),
                                          policy.deadline_s + 1.0)
        except TimeoutError as exc:
            raise ModelUnavailable(f"No answer within the time limit ({policy.deadline_s:g} s).",
                                   "try again later, or ask a shorter question", status=504,
                                   kind="slow") from exc

    errors = {c: {"model": ErrorBody} for c in (400, 401, 413, 422, 429, 500, 502, 503, 504)}
    sse_doc = {"content": {sse.MEDIA_TYPE: {"schema": sse.EVENT_SCHEMA}}, "description": "the answer"}

    @app.post("/v1/ask", response_model=AskResponse, responses={**errors, 200: sse_doc})
    async def ask(body: AskRequest, who: str = Depends(allowed)):  # type: ignore[valid-type]
        """Answer a question from the index with numbered sources; `stream` sends server-sent events."""
        try:
            await shedder.acquire(policy.deadline_s)
        except Shed as exc:
            raise Refusal(503, "shed", "The server is busy: too many questions are waiting.",
                          "retry after a few seconds", 2) from exc
        handed_over = False
        try:
            if body.stream:
                opened = await in_thread(pipeline.open_stream, body.question, body.k, on_retry)
                handed_over = True
                done = lambda o: metrics.spent(o.stream.reply.usage) if o.stream.reply else None  # noqa: E731
                return StreamingResponse(sse.events(opened, done, shedder.release), media_type=sse.MEDIA_TYPE)
            answer = await in_thread(pipeline.answer, body.question, body.k, on_retry)
            metrics.spent(answer.usage)
            return answer_json(answer)
        finally:
            if not handed_over:
                shedder.release()

    @app.get("/healthz")
    async def healthz() -> dict:
        """Liveness: 200 while the process can answer."""
        return {"status": "ok"}

    @app.get("/readyz", responses={503: {"model": ErrorBody}})
    async def readyz():
        """Readiness: 200 when the index is loaded and the model server accepts connections."""
        try:
            url = config.settings().base_url
        except HandbookError as exc:
            return _error(503, exc.message, exc.fix)
        ok, why = await anyio.to_thread.run_sync(health.model_server_reachable, url)
        if not ok:
            return _error(503, f"The model server is not reachable: {why}.", "start the model server or fix OPENAI_BASE_URL")
        return {"status": "ready", "chunks": len(index)}

    @app.get("/metrics", response_class=Response, responses={401: {"model": ErrorBody}})
    async def prometheus(who: str = Depends(authenticated)) -> Response:
        """Prometheus text: requests, latency histogram, tokens, errors."""
        body, ctype = metrics.render()
        return Response(body, media_type=ctype)

    @app.exception_handler(Refusal)
    async def refused(request: Request, exc: Refusal):
        metrics.error(exc.kind)
        auth = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return _error(exc.status, exc.message, exc.fix, exc.retry_after_s, auth)

    @app.exception_handler(ModelUnavailable)
    async def unavailable(request: Request, exc: ModelUnavailable):
        metrics.error(exc.kind)
        log.warning("model call failed: %s (%s)", exc.status, exc.message)
        return _error(exc.status, exc.message, exc.fix, exc.retry_after_s)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        metrics.error("invalid")
        return _error(422, schema.describe(exc.errors()), "send JSON like {\"question\": \"...\", \"k\": 4}")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        fix = None
        if exc.status_code == 413:
            metrics.error("too_large")
        elif exc.status_code == 400:  # a body that is not even text (bytes that are not UTF-8)
            metrics.error("invalid")
            fix = "send UTF-8 JSON like {\"question\": \"...\", \"k\": 4}"
        return _error(exc.status_code, str(exc.detail), fix, headers=exc.headers)

    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    app.add_middleware(Observe, metrics=metrics)
    return app


class Observe:
    """Outermost middleware: counts and times every request; an unexpected exception becomes a plain 500."""

    def __init__(self, app, metrics: Metrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), [500, False]

        async def sending(message):
            if message["type"] == "http.response.start":
                status[0], status[1] = message["status"], True
            await send(message)

        self.metrics.inflight.inc()
        try:
            await self.app(scope, receive, sending)
        except Exception as exc:  # logged as one line, without traceback or request data
            log.error("internal error on %s: %s", scope.get("path", "?"), type(exc).__name__)
            self.metrics.error("internal")
            if not status[1]:
                await _error(500, "Internal error.", "try again; if it persists, tell the operator")(scope, receive, sending)
        finally:
            self.metrics.inflight.dec()
            route = getattr(scope.get("route"), "path", "other")
            self.metrics.observe(route, status[0], time.perf_counter() - start)
