"""A response cache as a client hook: identical requests are answered without calling the model.

The key is a SHA-256 of the model, the messages and the sampling parameters,
so a different temperature or `max_tokens` is a different request. A hit is a
`Reply` with `cached=True`, zero billed `Usage`, and the original usage and
latency in `extra`; the cache adds them up as the dollars and seconds it saved.
With `path`, entries are kept one JSON file per key (written atomically) and
survive restarts.

Optionally semantic: give `embed` (a function from a list of texts to unit
vectors, e.g. handbook's sentence-transformers model) and a `threshold`; a miss
is then compared with earlier requests that have the same model, parameters and
earlier messages, on the cosine of the last message. Only safe for deterministic
(temperature 0) calls and questions whose answers do not depend on wording.

Deliberately left out: expiry and eviction, sharing one cache across
processes safely, semantic matching of entries loaded from disk, and
caching streamed or failed calls.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from ..errors import CacheError
from ..files import atomic_write
from ..records import Reply, Request, Usage
from .pricing import usd_or_none


def request_key(request: Request, *, last: bool = True) -> str:
    """Hex SHA-256 of model, messages and params; `last=False` leaves out the final message (chapter 5)."""
    msgs = list(request.messages) if last else list(request.messages[:-1])
    blob = json.dumps({"model": request.model, "messages": msgs, "params": request.params},
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class ResponseCache:
    """Exact (and optionally semantic) response cache that reports money and time saved (chapter 5)."""

    def __init__(self, path: str | Path | None = None, *, price_as: str | None = None,
                 embed: Callable[[Sequence[str]], Sequence[Sequence[float]]] | None = None, threshold: float = 0.95):
        if embed is not None and not 0 < threshold <= 1:
            raise CacheError(f"threshold must be in (0, 1], got {threshold}.", "e.g. threshold=0.95")
        self.path = Path(path) if path else None
        self.price_as, self.embed, self.threshold = price_as, embed, threshold
        self.entries: dict[str, dict] = {}
        self.vectors: list[tuple[str, str, list[float]]] = []  # (context key, exact key, vector)
        self.hits = self.semantic_hits = self.misses = 0
        self.saved_usd, self.saved_s = 0.0, 0.0
        if self.path:
            self.path.mkdir(parents=True, exist_ok=True)
            for f in sorted(self.path.glob("*.json")):
                try:
                    self.entries[f.stem] = json.loads(f.read_text())
                except ValueError as exc:
                    raise CacheError(f"The cache entry {f} is damaged: {exc}", "delete that file") from exc

    def _hit(self, request: Request, entry: dict, semantic: bool) -> Reply:
        usage = Usage(**entry["usage"])
        self.hits += 1
        self.semantic_hits += semantic
        self.saved_usd += usd_or_none(request.model, usage, price_as=self.price_as) or 0.0  # unknown price: $0 saved
        self.saved_s += entry["latency_s"]
        return Reply(entry["text"], Usage(), 0.0, entry["model"], entry["finish_reason"], request.prompt_ref,
                     request.prompt_hash, cached=True,
                     extra={"saved_usage": usage, "saved_s": entry["latency_s"], "semantic": semantic,
                            **({"logprobs": entry["logprobs"]} if "logprobs" in entry else {})})

    def before(self, request: Request) -> Reply | None:
        key = request_key(request)
        if key in self.entries:
            return self._hit(request, self.entries[key], False)
        if self.embed is not None and self.vectors:
            context = request_key(request, last=False)
            (query,) = self.embed([request.messages[-1]["content"]])
            best, best_key = -1.0, None
            for ctx, k, vec in self.vectors:
                score = sum(a * b for a, b in zip(query, vec, strict=True)) if ctx == context else -1.0
                if score > best:
                    best, best_key = score, k
            if best_key is not None and best >= self.threshold:
                return self._hit(request, self.entries[best_key], True)
        self.misses += 1
        return None

    def after(self, request: Request, reply: Reply | None, error: BaseException | None) -> None:
        if reply is None or reply.cached or error is not None:
            return
        key = request_key(request)
        entry = {"text": reply.text, "usage": asdict(reply.usage), "latency_s": reply.latency_s, "model": reply.model,
                 "finish_reason": reply.finish_reason}
        if "logprobs" in reply.extra:  # asked for (a reranker reads them): a hit must give them back
            entry["logprobs"] = reply.extra["logprobs"]
        self.entries[key] = entry
        if self.embed is not None:
            (vec,) = self.embed([request.messages[-1]["content"]])
            self.vectors.append((request_key(request, last=False), key, [float(x) for x in vec]))
        if self.path:
            atomic_write(self.path / f"{key}.json", json.dumps(entry, ensure_ascii=False))

    def stats(self) -> dict:
        """Hits, misses, hit rate and what the hits saved (chapter 5)."""
        total = self.hits + self.misses
        return {"hits": self.hits, "semantic_hits": self.semantic_hits, "misses": self.misses,
                "hit_rate": round(self.hits / total, 4) if total else 0.0,
                "saved_usd": round(self.saved_usd, 8), "saved_s": round(self.saved_s, 3)}

    def clear(self) -> None:
        """Forget every entry, on disk too, and reset the counters."""
        for key in self.entries:
            if self.path:
                (self.path / f"{key}.json").unlink(missing_ok=True)
        self.__init__(self.path, price_as=self.price_as, embed=self.embed, threshold=self.threshold)

