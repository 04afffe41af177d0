"""The batching class server: llama.cpp's own C++ `llama-server` with N slots (chapter 7).

`handbook llm start --parallel N` (N > 1) runs this instead of the default
single-slot Python server: `llama-server` batches the decode steps of up to N
requests (continuous batching), so a class shares one model copy. The binary
is built at setup by `scripts/build_llama_server.sh` (the server target only, linked
against the libraries the llama-cpp-python wheel compiled) into
`~/.cache/handbook/llama-server/<version>/bin/`.

The process is started through `python -m handbook.llm.batch_server ARGS`,
which installs the no-AMX seccomp filter (see `no_amx`) and then execs the
binary, so the filter holds in the C++ process too.

    command("/m.gguf", alias="qwen", port=8766, parallel=8, ctx=4096, threads=2)
    -> [..., "--parallel", "8", "--ctx-size", "32768", "--cont-batching", ..., "--flash-attn", "on"]

Deliberately left out: serving several models from one process (llama-server
serves one model; the default model is used), GPU offload, supervision.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROCESS = "handbook.llm.batch_server"
VERSION = "0.3.36"  # the llama-cpp-python release whose llama.cpp sources and libraries it uses


def binary() -> Path:
    """Where setup puts `llama-server` (chapter 7); HANDBOOK_LLAMA_SERVER overrides."""
    env = os.environ.get("HANDBOOK_LLAMA_SERVER")
    if env:
        return Path(env)
    root = Path(os.environ.get("HANDBOOK_SERVER_CACHE", Path.home() / ".cache/handbook/llama-server"))
    return root / VERSION / "bin" / "llama-server"


def command(model: str, *, alias: str, port: int, parallel: int, ctx: int, threads: int,
            host: str = "127.0.0.1", api_key: str | None = None, cache_reuse: int = 0) -> list[str]:
    """The llama-server command line; `ctx` is per slot, so the total is ctx x parallel (chapter 7)."""
    if parallel < 1:
        raise ValueError(f"parallel must be >= 1, got {parallel}")
    args = [str(binary()), "--model", model, "--alias", alias, "--host", host, "--port", str(port),
            "--parallel", str(parallel), "--ctx-size", str(ctx * parallel), "--cont-batching",
            "--threads", str(threads), "--threads-batch", str(threads), "--no-webui",
            # flash attention: measured on 2 cores, 8 requests at once took 0.55-0.59 of the
            # time they take one after another with it, 0.65-0.69 without (bench/bench_batching.py)
            "--flash-attn", "on"]
    if cache_reuse:
        args += ["--cache-reuse", str(cache_reuse)]
    if api_key:
        args += ["--api-key", api_key]
    return args


def main(argv: list[str]) -> None:
    """Install the no-AMX filter, then become llama-server (chapter 7)."""
    from .no_amx import refuse_amx

    refuse_amx()
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
