"""Preflight checks of this machine: is it ready to run every lab?

`CHECKS` holds one check per item (Python, packages, model files and hashes,
RAM, disk, the server with one real chat round trip, one embedding and one
FAISS search); `run_checks()` runs them through the one check runner of
`handbook.classroom.checks`, and each failing check carries the exact fix.
`handbook doctor` prints them and exits non-zero on any failure, which makes
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

from .. import config
from ..llm import client
from ..llm.models import LOCAL_MODELS, gguf_path
from ..rag.embeddings import default_embedder
from .checks import FAIL, OK, Check, CheckFn, passed
from .checks import run_checks as run

PACKAGES = ("openai", "llama-cpp-python", "sentence-transformers", "faiss-cpu", "torch", "ipywidgets", "tiktoken")
MIN_RAM_GB = 4.0
MIN_DISK_GB = 2.0


def _python() -> tuple[str, str, str]:
    ok = sys.version_info[:2] in ((3, 11), (3, 12))
    return passed(ok), platform.python_version(), "use Python 3.11 (make setup picks python3.11 when present)"


def _packages() -> tuple[str, str, str]:
    missing, found = [], []
    for name in PACKAGES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        return FAIL, f"missing: {', '.join(missing)}", "run `make setup`"
    return OK, f"{len(found)} key packages present (openai {importlib.metadata.version('openai')})", ""


def _model_files() -> tuple[str, str, str]:
    parts = []
    for alias in LOCAL_MODELS:
        path = gguf_path(alias)  # raises ModelFileError with its fix
        parts.append(f"{alias} {path.stat().st_size / 1e9:.2f} GB")
    return OK, "; ".join(parts) + " (sha256 verified)", ""


def _ram() -> tuple[str, str, str]:
    import psutil

    gb = psutil.virtual_memory().available / 1e9
    return passed(gb >= MIN_RAM_GB), f"{gb:.1f} GB available (need {MIN_RAM_GB:.0f})", "close other programs or use the tiny model"


def _disk() -> tuple[str, str, str]:
    home = config.home()
    home.mkdir(parents=True, exist_ok=True)
    gb = shutil.disk_usage(home).free / 1e9
    return passed(gb >= MIN_DISK_GB), f"{gb:.1f} GB free in {home}", f"free {MIN_DISK_GB:.0f} GB or set HANDBOOK_HOME elsewhere"


def _chat() -> tuple[str, str, str]:
    cfg = config.settings()
    reply = client.chat([{"role": "system", "content": "Answer with one word."},
                         {"role": "user", "content": "What is the capital of France?"}], max_tokens=8)
    ok = "paris" in reply.text.lower()
    where = "local server" if cfg.local else cfg.base_url
    return passed(ok), f"{where}, {reply.model}: {reply.text.strip()!r} in {reply.latency_s:.1f}s, " \
               f"{reply.usage.total_tokens} tokens", "run `handbook llm status` and read the server log"


def _embed_and_search() -> tuple[str, str, str]:
    import faiss

    embedder = default_embedder()  # the library's own path: the packaged model, loaded from site-packages
    docs = ["Paris is the capital of France.", "FAISS searches dense vectors.", "Tokens cost money."]
    vecs = embedder.encode(docs)
    index = faiss.IndexFlatIP(vecs.shape[1])
    index.add(vecs)
    _, ids = index.search(embedder.encode(["Which library does vector search?"]), 1)
    ok = int(ids[0][0]) == 1
    return passed(ok), f"{vecs.shape[1]}-d embeddings, top hit: {docs[int(ids[0][0])]!r}", "run `make setup` again"


CHECKS: dict[str, CheckFn] = {
    "python": _python,
    "packages": _packages,
    "model files": _model_files,
    "free RAM": _ram,
    "free disk": _disk,
    "chat round trip": _chat,
    "embedding + FAISS": _embed_and_search,
}


def run_checks(names: list[str] | None = None) -> list[Check]:
    """Run this machine's checks in order; an exception becomes a failed check with its fix (chapter 1)."""
    return run(CHECKS, names)
