"""Serving measurements: percentiles, TTFT/TPOT arithmetic, KV-cache arithmetic and llama.cpp's log (chapter 7)."""

import os

import pytest

from handbook.serve import capacity, speed
from handbook.serve.capacity import KVReport, KVShape

QWEN_META = {"general.architecture": "qwen2", "qwen2.block_count": "28", "qwen2.embedding_length": "1536",
             "qwen2.attention.head_count": "12", "qwen2.attention.head_count_kv": "2"}
SMOL_META = {"general.architecture": "llama", "llama.block_count": "30", "llama.embedding_length": "576",
             "llama.attention.head_count": "9", "llama.attention.head_count_kv": "3"}


@pytest.mark.parametrize("values, q, want", [
    ([5], 50, 5), ([5], 95, 5), ([1, 2, 3, 4], 0, 1), ([1, 2, 3, 4], 100, 4), ([4, 1, 3, 2], 50, 2.5),
    ([1, 2, 3, 4], 95, 3.85), (list(range(1, 101)), 95, 95.05), ([1, 1, 1, 10], 50, 1),
])
def test_percentile_interpolates_like_numpy(values, q, want):
    assert speed.percentile(values, q) == pytest.approx(want)


@pytest.mark.parametrize("values, q", [([], 50), ([1], -1), ([1], 101)])
def test_percentile_refuses_nonsense(values, q):
    with pytest.raises(ValueError):
        speed.percentile(values, q)


@pytest.mark.parametrize("tokens, ttft, total, tpot", [(16, 0.2, 0.8, 0.04), (2, 0.5, 0.6, 0.1), (11, 1.0, 1.0, 0.0)])
def test_tpot_leaves_prefill_out(tokens, ttft, total, tpot):
    assert speed.Timing("m", 30, tokens, ttft, total).tpot_s == pytest.approx(tpot)


def test_tpot_of_one_token_is_undefined():
    assert speed.Timing("m", 30, 1, 0.2, 0.2).tpot_s != speed.Timing("m", 30, 1, 0.2, 0.2).tpot_s  # nan


def test_load_row_reports_throughput_and_percentiles():
    row = speed.Load(4, 8, 2.0, 192, (1.0, 1.0, 1.2, 1.4, 1.5, 1.5, 1.9, 2.0)).row()
    assert row == {"concurrency": 4, "requests": 8, "tokens": 192, "wall_s": 2.0, "tok_per_s": 96.0,
                   "p50_s": 1.45, "p95_s": 1.96}


def test_load_refuses_zero_concurrency():
    with pytest.raises(ValueError):
        speed.load([[{"role": "user", "content": "x"}]], 0)


def test_local_port_switches_and_restores(monkeypatch):
    monkeypatch.setenv("HANDBOOK_PORT", "8765")
    with speed.local_port(8799):
        assert os.environ["HANDBOOK_PORT"] == "8799"
    assert os.environ["HANDBOOK_PORT"] == "8765"
    monkeypatch.delenv("HANDBOOK_PORT")
    with speed.local_port(8799):
        pass
    assert "HANDBOOK_PORT" not in os.environ


def test_free_port_is_bindable():
    import socket

    port = speed.free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        assert speed.free_port(port) != port  # taken: another one
    assert speed.free_port(port) == port


@pytest.mark.parametrize("meta, shape", [
    (QWEN_META, KVShape(28, 2, 128)), (SMOL_META, KVShape(30, 3, 64)),
    ({**QWEN_META, "qwen2.attention.key_length": "96"}, KVShape(28, 2, 96)),
    ({k: v for k, v in SMOL_META.items() if "kv" not in k}, KVShape(30, 9, 64)),  # no GQA: one K/V per head
])
def test_kv_shape_from_gguf_metadata(meta, shape):
    assert KVShape.from_metadata(meta) == shape


@pytest.mark.parametrize("shape, context, slots, bpv, mib", [
    (KVShape(28, 2, 128), 4096, 1, 2, 112.0), (KVShape(28, 2, 128), 1024, 4, 2, 112.0),
    (KVShape(28, 2, 128), 512, 8, 2, 112.0), (KVShape(28, 2, 128), 1024, 2, 2, 56.0),
    (KVShape(30, 3, 64), 2048, 1, 2, 45.0), (KVShape(28, 2, 128), 4096, 1, 4, 224.0),
])
def test_kv_cache_arithmetic(shape, context, slots, bpv, mib):
    assert capacity.kv_cache_bytes(shape, context, slots, bpv) / 2**20 == pytest.approx(mib)


def test_kv_cache_refuses_empty_context():
    with pytest.raises(ValueError):
        capacity.kv_cache_bytes(KVShape(28, 2, 128), 0)


LOG = """llama_context: n_ctx_per_seq = 1024
llama_kv_cache:        CPU KV buffer size =    56.00 MiB
llama_kv_cache: size =   56.00 MiB (  2048 cells,  28 layers,  2/2 seqs), K (f16):   28.00 MiB, V (f16):   28.00 MiB
srv  load_model: ...
llama_kv_cache_unified: size =  112.00 MiB (  4096 cells,  28 layers,  1/1 seqs), K (q8_0):   56.00 MiB, V (f16):   56.00 MiB
"""


def test_parse_kv_log_finds_every_allocation():
    assert capacity.parse_kv_log(LOG) == [KVReport(56.0, 2048, 28, "f16"), KVReport(112.0, 4096, 28, "q8_0")]
    assert capacity.parse_kv_log("no cache here") == []
    assert KVReport(56.0, 2048, 28, "f16").bytes == 56 * 2**20
