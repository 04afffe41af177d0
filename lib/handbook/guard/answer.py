"""The RAG answer path with defences switched on by name, and a client hook that guards any call.

`guarded_answer(question, hits, "all")` does what `handbook.rag.answer.ask` does after
retrieval (the same `rag_answer@1` prompt from `build_prompt`, temperature 0, seed 0,
`max_tokens` 200, citations parsed the same way), with the chosen defences applied: sources
screened by the detector and datamarked, the system message and the question extended, the
answer checked. `guarded_ask(question, index, defence=...)` adds the retrieval, so
`handbook ask` and `handbook redteam` take one path.

    guarded_answer("How hot for green tea?", hits, "spotlight,sandwich")
    -> Guarded(answer=Answer(text="70 to 80 degrees Celsius [1].", ...), blocked=[], dropped=[], calls=1)

`Guard` is the same idea as a client hook (`with use(Guard(secrets=[...])): ...`): `before`
answers "I don't know." without calling the model when the text between `<sources>` tags
looks like an injection, and `after` records replies that leak a secret or link off the
allow-list (a hook sees a reply but cannot change it).

Deliberately left out: retrieval changes (chapter 3), streaming, and caching (put the
chapter 5 `ResponseCache` hook around the calls; the red-team runner does).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..llm import client
from ..rag.answer import TEMPLATE, Answer, build_prompt, citations
from ..records import Hit, RenderedPrompt, Reply, Request, Usage
from .defences import BLOCKED, Defence, check_answer, defences, instruction_like, judge_prompt, judged_injection
from .output import link_allowed, links

Chat = Callable[..., Reply]  # client.chat's signature: (prompt, *, model, temperature, max_tokens, seed)


@dataclass(frozen=True)
class Guarded:
    """An answer with what the defences did: blocked reasons, dropped sources, model calls, usage (chapter 8)."""

    answer: Answer
    defence: str
    blocked: list[str] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    calls: int = 1
    usage: Usage = Usage()
    latency_s: float = 0.0


def _cost(reply: Reply) -> tuple[Usage, float]:
    """Tokens and seconds of a reply, the original ones when a cache answered it."""
    if reply.cached:
        return reply.extra.get("saved_usage", Usage()), float(reply.extra.get("saved_s", 0.0))
    return reply.usage, reply.latency_s


def prompt_with(question: str, hits: list[Hit], chosen: list[Defence], template: str = TEMPLATE) -> RenderedPrompt:
    """The `rag_answer` prompt with the defences' marks, system rules and reminders (chapter 8)."""
    for d in chosen:
        if d.mark:
            hits = [replace(h, chunk=replace(h.chunk, text=d.mark(h.chunk.text))) for h in hits]
    base = build_prompt(question, hits, template)
    if not chosen:
        return base
    messages = [dict(m) for m in base.messages]
    extra = "\n".join(d.system for d in chosen if d.system)
    if extra:
        messages[0]["content"] = f"{messages[0]['content'].rstrip()}\n{extra}"
    reminder = "\n".join(d.reminder for d in chosen if d.reminder)
    if reminder:
        messages[-1]["content"] = f"{messages[-1]['content'].rstrip()}\n{reminder}"
    names = "+".join(d.name for d in chosen)
    digest = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()
    return RenderedPrompt(messages, f"{base.ref}+{names}", digest)


def guarded_answer(question: str, hits: list[Hit], defence: str = "none", *, model: str | None = None,
                   max_tokens: int = 200, template: str = TEMPLATE,
                   allowed_hosts: tuple[str, ...] = (), chat: Chat | None = None) -> Guarded:
    """Answer `question` from `hits` through the named defences (chapter 8).

    `chat` makes every model call (the detector's and the answer's; default `client.chat`); it
    takes `client.chat`'s arguments, so `handbook serve` passes one that adds its timeouts,
    retries and fallback.
    """
    chosen, chat = defences(defence), chat or client.chat
    usage, latency, calls, dropped = Usage(), 0.0, 0, []
    if any(d.screen for d in chosen):
        kept = []
        for n, h in enumerate(hits, start=1):
            verdict = chat(judge_prompt(h.chunk.text), model=model, temperature=0.0, max_tokens=3, seed=0)
            u, s = _cost(verdict)
            usage, latency, calls = usage + u, latency + s, calls + 1
            (dropped.append(n) if judged_injection(verdict.text) else kept.append(h))
        hits = [replace(h, rank=i) for i, h in enumerate(kept, start=1)]
    reply = chat(prompt_with(question, hits, chosen, template), model=model, temperature=0.0,
                 max_tokens=max_tokens, seed=0)
    u, s = _cost(reply)
    usage, latency, calls = usage + u, latency + s, calls + 1
    text, blocked = reply.text.strip(), []
    if any(d.check for d in chosen):
        text, blocked = check_answer(text, [h.chunk.text for h in hits], question, allowed_hosts)
    answer = Answer(question, text, hits, citations(text, len(hits)), reply.usage, reply)
    return Guarded(answer, defence, blocked, dropped, calls, usage, round(latency, 3))


def guarded_ask(question: str, index, k: int = 4, *, defence: str = "none", mode: str = "dense",
                embedder=None, model: str | None = None, max_tokens: int = 200) -> Guarded:
    """`handbook.rag.ask` with defences: retrieve, then `guarded_answer` (chapter 8)."""
    from ..rag.search import retrieve

    hits = retrieve(index, question, min(k, len(index)), mode, embedder)
    return guarded_answer(question, hits, defence, model=model, max_tokens=max_tokens)


_SOURCES = re.compile(r"<sources>(.*?)</sources>", re.S)


class Guard:
    """A client hook: block calls whose sources look injected; record replies that leak (chapter 8)."""

    def __init__(self, *, secrets: tuple[str, ...] = (), allowed_hosts: tuple[str, ...] = (), min_cues: int = 2):
        self.secrets, self.allowed_hosts, self.min_cues = secrets, allowed_hosts, min_cues
        self.blocked: list[str] = []
        self.violations: list[str] = []

    def before(self, request: Request) -> Reply | None:
        text = request.messages[-1].get("content") or ""
        flagged = [s for block in _SOURCES.findall(text) for s in instruction_like(block)]
        if len(flagged) >= self.min_cues:
            self.blocked.append(flagged[0][:80])
            return Reply(BLOCKED, Usage(), 0.0, request.model, "guard", request.prompt_ref, request.prompt_hash,
                         extra={"guard": flagged})
        return None

    def after(self, request: Request, reply: Reply | None, error: BaseException | None) -> None:
        if reply is None:
            return
        for secret in self.secrets:
            if secret and secret.lower() in reply.text.lower():
                self.violations.append("reply contains a secret")
        for url in links(reply.text):
            if not link_allowed(url, self.allowed_hosts):
                self.violations.append(f"reply links to {url}")
