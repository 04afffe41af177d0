"""How much memory the KV cache of a model takes, worked out from its GGUF file and read from the server.

During decode, every layer keeps a key and a value vector per KV head for
every token in the context, so the cache of one server is

    layers x kv_heads x head_dim x context x bytes per number x 2 (K and V) x slots

where `context` is the context of one slot and `slots` the requests served
at once (llama-server's `--parallel`; its `--ctx-size` is context x slots).
`KVShape.from_metadata` reads the three model numbers from a GGUF file's
metadata (`handbook.llm.models` names the files); `kv_cache_bytes` does the
arithmetic; `parse_kv_log` reads what llama.cpp itself reports allocating,
from the line its verbose log prints when a context is made (`measure_kv` makes one):

    llama_kv_cache: size =  112.00 MiB (  4096 cells,  28 layers,  1/1 seqs), K (f16): ...

    shape = KVShape(layers=28, kv_heads=2, head_dim=128)   # Qwen2.5-Coder-1.5B
    kv_cache_bytes(shape, context=1024, slots=4) / 2**20  -> 112.0

Grouped-query attention is why `kv_heads` (2) is smaller than the query
heads (12): six query heads share one K/V pair, so the cache is six times
smaller than in a model with one K/V pair per head.

Deliberately left out: quantised caches (`--cache-type-k q8_0` halves the
bytes; pass `bytes_per_value`), sliding-window layers, and the compute
buffers llama.cpp allocates next to the cache.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BYTES = {"f32": 4, "f16": 2, "bf16": 2, "q8_0": 34 / 32, "q4_0": 18 / 32}  # per number stored


@dataclass(frozen=True)
class KVShape:
    """The numbers of a model that size its KV cache (chapter 7)."""

    layers: int
    kv_heads: int
    head_dim: int

    @classmethod
    def from_metadata(cls, meta: dict[str, str]) -> KVShape:
        """From GGUF metadata, e.g. `qwen2.block_count`, `qwen2.attention.head_count_kv` (chapter 7).

        The head dimension is `attention.key_length` when the file gives it,
        else the embedding width divided by the query heads.
        """
        arch = meta["general.architecture"]

        def get(key: str) -> int | None:
            value = meta.get(f"{arch}.{key}")
            return int(float(value)) if value is not None else None

        heads = get("attention.head_count")
        kv_heads = get("attention.head_count_kv") or heads
        head_dim = get("attention.key_length") or get("embedding_length") // heads
        return cls(get("block_count"), kv_heads, head_dim)

    @classmethod
    def from_gguf(cls, path: str | Path) -> KVShape:
        """Read a GGUF file's metadata (its vocabulary only, not the weights) (chapter 7)."""
        import llama_cpp

        model = llama_cpp.Llama(str(path), vocab_only=True, verbose=False)
        try:
            return cls.from_metadata(model.metadata)
        finally:
            model.close()

    def bytes_per_token(self, bytes_per_value: float = 2) -> float:
        """KV-cache bytes one token of context takes, K and V over every layer."""
        return self.layers * self.kv_heads * self.head_dim * bytes_per_value * 2


def kv_cache_bytes(shape: KVShape, context: int, slots: int = 1, bytes_per_value: float = 2) -> float:
    """layers x kv_heads x head_dim x context x bytes x 2 (K and V) x slots (chapter 7)."""
    if context < 1 or slots < 1:
        raise ValueError(f"context and slots must be >= 1, got {context} and {slots}")
    return shape.bytes_per_token(bytes_per_value) * context * slots


@dataclass(frozen=True)
class KVReport:
    """What llama.cpp says it allocated for the KV cache (chapter 7)."""

    mib: float
    cells: int  # tokens of context the cache holds, over all slots
    layers: int
    dtype: str  # of the K cache, e.g. "f16"

    @property
    def bytes(self) -> float:
        return self.mib * 2**20


_KV_LINE = re.compile(
    r"llama_kv_cache\w*:\s+size\s*=\s*(?P<mib>[\d.]+)\s*MiB\s*\(\s*(?P<cells>\d+)\s*cells,\s*"
    r"(?P<layers>\d+)\s*layers.*?K\s*\((?P<dtype>\w+)\)")


def parse_kv_log(text: str) -> list[KVReport]:
    """Every KV-cache allocation line in a llama.cpp log, in order (chapter 7).

    >>> parse_kv_log("llama_kv_cache: size =  56.00 MiB (  2048 cells,  28 layers,  2/2 seqs), "
    ...              "K (f16):   28.00 MiB, V (f16):   28.00 MiB")
    [KVReport(mib=56.0, cells=2048, layers=28, dtype='f16')]
    """
    return [KVReport(float(m["mib"]), int(m["cells"]), int(m["layers"]), m["dtype"])
            for m in _KV_LINE.finditer(text)]


def measure_kv(path: str | Path, context: int) -> KVReport:
    """Load the model in a child process with `context` tokens and read llama.cpp's own KV report (chapter 7).

    The child loads the weights (memory-mapped, so a few seconds) and allocates the cache, then
    exits; nothing is generated. Its verbose log on stderr carries the `llama_kv_cache:` line.
    """
    code = ("import sys, llama_cpp; llama_cpp.Llama(sys.argv[1], n_ctx=int(sys.argv[2]), "
            "n_threads=1, verbose=True)")
    run = subprocess.run([sys.executable, "-c", code, str(path), str(context)], capture_output=True,
                         text=True, timeout=300)
    reports = parse_kv_log(run.stderr)
    if run.returncode or not reports:
        raise RuntimeError(f"llama.cpp reported no KV cache (exit {run.returncode}): {run.stderr[-400:]}")
    return reports[-1]
