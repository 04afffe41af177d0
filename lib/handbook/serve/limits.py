"""What the app refuses before it spends a model call: wrong keys, too much, too often, too many at once.

* `Keys`: bearer-key auth. Keys are compared with `hmac.compare_digest`, in
  constant time, so response timing leaks nothing about a key; a request is
  known afterwards only by `key_id`, the first 8 hex digits of the key's
  SHA-256, which is safe to log and to use as a rate-limit bucket.
* `RateLimiter`: a token bucket per key: `per_minute` requests on average,
  bursts of up to `burst`. `take(key)` returns 0 when a request may pass, or
  the seconds until the next token, which the app sends as `Retry-After`
  with a 429.
* `Shedder`: load shedding. At most `max_active` requests run the pipeline
  and `max_waiting` more wait for a turn; any request beyond that is refused
  at once (503 with `Retry-After`) instead of joining a queue it would time
  out in. A waiting request that cannot start before its deadline is refused
  too.
* `BodyLimit`: an ASGI middleware that answers 413 when a request body is
  larger than `max_bytes`, whether it declares its length or streams it.

    limiter = RateLimiter(per_minute=60, burst=2)
    [limiter.take("k") for _ in range(3)] -> [0.0, 0.0, 1.0]

Deliberately left out: limits shared between replicas (one process keeps its
buckets in memory; several replicas need Redis or the gateway's limiter),
per-route or per-token quotas, and IP allow-lists.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import threading
import time
from collections.abc import Callable

from starlette.exceptions import HTTPException


def key_id(key: str) -> str:
    """A short, log-safe name for a key: the first 8 hex digits of its SHA-256 (chapter 7)."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


class Keys:
    """The bearer keys the app accepts; empty means auth is off, allowed only on loopback (chapter 7)."""

    def __init__(self, keys: tuple[str, ...] | list[str]):
        self._keys = tuple(k.encode() for k in keys if k)

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def check(self, header: str | None) -> str | None:
        """The `key_id` of a valid `Authorization: Bearer KEY` header, else None (chapter 7)."""
        if not self._keys:
            return "anonymous"
        scheme, _, given = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not given:
            return None
        given_b = given.strip().encode()
        ok = False
        for key in self._keys:  # every key is compared, so the time does not say which one nearly matched
            ok |= hmac.compare_digest(given_b, key)
        return key_id(given.strip()) if ok else None

    def __repr__(self) -> str:
        return f"Keys({len(self._keys)} key(s))"  # never the keys themselves


class RateLimiter:
    """A token bucket per key: `per_minute` requests on average, bursts of `burst` (chapter 7)."""

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = per_minute / 60.0, max(1, burst), clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, time of last update)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0.0 if the request may pass (a token is spent), else the seconds until one is free (chapter 7)."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


def retry_after(seconds: float) -> str:
    """The `Retry-After` header value: whole seconds, rounded up, at least 1 (chapter 7)."""
    return str(max(1, math.ceil(seconds)))


class Shed(Exception):
    """Raised by `Shedder.acquire` when a request is refused for load."""


class Shedder:
    """At most `max_active` requests at work and `max_waiting` in line; the rest are refused (chapter 7)."""

    def __init__(self, max_active: int, max_waiting: int):
        self.max_active, self.max_waiting = max(1, max_active), max(0, max_waiting)
        self._sem: asyncio.Semaphore | None = None
        self.active = self.waiting = 0

    async def acquire(self, wait_s: float) -> None:
        """Take a place, waiting at most `wait_s`; raise `Shed` when the line is full or the wait too long."""
        if self._sem is None:
            self._sem = asyncio.Semaphore(self.max_active)  # made inside the server's event loop
        if self.active >= self.max_active and self.waiting >= self.max_waiting:
            raise Shed("busy")
        self.waiting += 1
        try:
            await asyncio.wait_for(self._sem.acquire(), timeout=max(0.001, wait_s))
        except TimeoutError as exc:
            raise Shed("waited too long") from exc
        finally:
            self.waiting -= 1
        self.active += 1

    def release(self) -> None:
        """Give the place back; called exactly once per successful `acquire` (chapter 7)."""
        self.active -= 1
        self._sem.release()


class BodyLimit:
    """ASGI middleware: 413 with a JSON message for bodies over `max_bytes` (chapter 7)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            return await self._refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(413, self.message())
            return message

        await self.app(scope, counted, send)  # the app's HTTPException handler answers _TooLarge

    def message(self) -> str:
        return f"Request body larger than {self.max_bytes} bytes."

    async def _refuse(self, send):
        body = json.dumps({"error": self.message(), "fix": "send a shorter question"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """A streamed body went over the limit: FastAPI passes HTTPExceptions through to the app's handler."""
