"""Lifecycle of the local llama.cpp server: start, stop, status, health.

One background process (`python -m llama_cpp.server`) serves every local
model in `handbook.llm.models.LOCAL_MODELS` through an OpenAI-compatible API;
the `model` field of each request picks the model, and llama.cpp swaps it in.
A pid file and a JSON state file under `HANDBOOK_HOME/server/` make `start`
idempotent and let `stop` find the process from any shell or notebook.

Binding to anything but loopback requires an API key, so a shared classroom
endpoint is never open to the whole network by accident.

The process itself is `python -m handbook.llm.prefix_reuse`: llama.cpp's
server with prefix reuse made deterministic (see that module), so the same
request always gives the same reply, whatever ran before it.

Deliberately left out: GPU offload, multiple server instances per home,
process supervision (restart on crash). For those, run vLLM or Ollama and set
`OPENAI_BASE_URL`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import ConfigError, ServerError
from .models import LOCAL_MODELS, gguf_path
from .prefix_reuse import BATCH

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PROCESS = "handbook.llm.prefix_reuse"  # the module the server process runs


@dataclass(frozen=True)
class Status:
    """What `status()` found: is the server running, answering, and with which models (chapter 1)."""

    running: bool
    healthy: bool
    pid: int | None
    url: str
    models: tuple[str, ...]
    log: Path


def _dir(cfg: config.Settings) -> Path:
    # One state folder per port, so a second server (say a batching one on 8770) never
    # overwrites the pid file of the default one on 8765.
    d = cfg.home / ("server" if cfg.port == config.DEFAULT_PORT else f"server-{cfg.port}")
    d.mkdir(parents=True, exist_ok=True)
    return d


def _pid(cfg: config.Settings) -> int | None:
    import psutil

    try:
        pid = int((_dir(cfg) / "server.pid").read_text())
        # A stale pid file can name a process that reused the number: check it is really ours.
        cmd = " ".join(psutil.Process(pid).cmdline())
        return pid if PROCESS in cmd or "llama-server" in cmd else None
    except (FileNotFoundError, ValueError, psutil.Error):
        return None


def _get(url: str, timeout: float = 10.0, key: str | None = None) -> dict | None:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def _state(cfg: config.Settings) -> dict:
    try:
        return json.loads((_dir(cfg) / "server.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}


def status(cfg: config.Settings | None = None) -> Status:
    """Is the local server up, and which models does it serve? (chapter 1)"""
    cfg = cfg or config.settings()
    state = _state(cfg)
    url = f"http://127.0.0.1:{cfg.port}/v1"
    listing = _get(f"{url}/models", key=state.get("api_key") or cfg.api_key)
    names = tuple(sorted(m["id"] for m in listing.get("data", []))) if listing else ()
    return Status(_pid(cfg) is not None, listing is not None, _pid(cfg), url, names, _dir(cfg) / "server.log")


def _config_file(cfg: config.Settings, host: str, api_key: str | None, threads: int, ctx: int) -> Path:
    entries = [
        {"model": str(gguf_path(alias)), "model_alias": alias, "n_ctx": ctx, "n_threads": threads,
         "n_threads_batch": threads, "n_batch": BATCH, "verbose": False}
        for alias in LOCAL_MODELS
    ]
    # interrupt_requests=False: a new request waits its turn instead of cutting off a stream in progress.
    spec = {"host": host, "port": cfg.port, "interrupt_requests": False, "models": entries}
    if api_key:
        spec["api_key"] = api_key
    path = _dir(cfg) / "models.json"
    path.write_text(json.dumps(spec, indent=2))
    path.chmod(0o600)  # it may hold the class key
    return path


def start(cfg: config.Settings | None = None, *, host: str = "127.0.0.1", api_key: str | None = None,
          threads: int | None = None, ctx: int = 4096, wait_s: float = 120.0,
          parallel: int = 1, cache_reuse: int = 0) -> Status:
    """Start the server in the background; do nothing if it already runs (chapter 1)."""
    cfg = cfg or config.settings()
    if host not in LOOPBACK and not api_key:
        raise ConfigError(
            f"Refusing to serve on {host} without an API key: anyone on the network could use it.",
            f"add --api-key, e.g. `handbook llm start --host {host} --api-key $(python -c 'import secrets;print(secrets.token_urlsafe(16))')`",
        )
    current = status(cfg)
    if current.healthy:
        return current
    if current.running:  # alive but not answering yet: wait for it below
        return _wait(cfg, current.pid, wait_s)
    threads = threads or os.cpu_count() or 2
    if parallel > 1:  # llama.cpp's C++ server with N slots (chapter 7), default model only
        from . import batch_server
        argv = [sys.executable, "-m", batch_server.PROCESS, *batch_server.command(
            str(gguf_path(config.DEFAULT_LOCAL_MODEL)), alias=config.DEFAULT_LOCAL_MODEL, port=cfg.port, parallel=parallel,
            ctx=ctx, threads=threads, host=host, api_key=api_key, cache_reuse=cache_reuse)]
        if not batch_server.binary().exists():
            raise ConfigError(f"llama-server is not built ({batch_server.binary()}).",
                              "run `scripts/build_llama_server.sh` (part of `make setup`)")
    else:
        argv = [sys.executable, "-m", PROCESS, "--config_file", str(_config_file(cfg, host, api_key, threads, ctx))]
    log = open(_dir(cfg) / "server.log", "ab")
    proc = subprocess.Popen(
        argv,
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    (_dir(cfg) / "server.pid").write_text(str(proc.pid))
    (_dir(cfg) / "server.json").write_text(json.dumps({"host": host, "api_key": api_key, "threads": threads,
                                                            "parallel": parallel}))
    return _wait(cfg, proc.pid, wait_s)


def _wait(cfg: config.Settings, pid: int | None, wait_s: float) -> Status:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        st = status(cfg)
        if st.healthy:
            return st
        if pid is None or _pid(cfg) is None:
            break
        time.sleep(0.5)
    tail = "".join((_dir(cfg) / "server.log").read_text(errors="replace").splitlines(True)[-15:])
    raise ServerError(
        f"The local LLM server did not become healthy on port {cfg.port}. Last log lines:\n{tail}",
        "run `handbook doctor`; if the port is taken, set HANDBOOK_PORT to a free one",
    )


def stop(cfg: config.Settings | None = None) -> bool:
    """Stop the background server; True if one was running (chapter 1)."""
    cfg = cfg or config.settings()
    pid = _pid(cfg)
    if pid is None:
        return False
    os.killpg(pid, signal.SIGTERM)
    for _ in range(50):
        if _pid(cfg) is None:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    (_dir(cfg) / "server.pid").unlink(missing_ok=True)
    return True


def ensure_running(cfg: config.Settings | None = None) -> None:
    """Start the local server on first use, so no learner sees 'connection refused' (chapter 1)."""
    cfg = cfg or config.settings()
    if _pid(cfg) is not None:
        return  # ours is running; a busy server answers when it is free
    if not status(cfg).healthy:
        print(f"Starting the local LLM server on port {cfg.port} (first use; about 10 s)...", file=sys.stderr)
        start(cfg)
