"""handbook.rag.onnx_embed (chapter 3): the int8 ONNX embedder against the PyTorch oracle."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from handbook.errors import EmbeddingError
from handbook.rag import embeddings, onnx_embed
from handbook.rag.embeddings import Embedder


@pytest.fixture(scope="module")
def onnx_file(tmp_path_factory):
    return onnx_embed.export(embeddings.DEFAULT_MODEL, embeddings.model_dir(),
                             tmp_path_factory.mktemp("onnx") / "model-int8.onnx")


@pytest.mark.parametrize("text", [
    "FAISS searches vectors.",
    "How do I cite sources in an answer?",
    "BM25 counts words; dense retrieval compares meanings.",
    "The embedding cache is keyed by the model name and a hash of the text.",
    "def chunk(docs, size=200, overlap=40): cut documents into heading-respecting chunks",
    "Reciprocal-rank fusion adds 1 / (60 + rank) from each ranking, so only ranks matter.",
])
def test_onnx_vectors_match_pytorch(onnx_file, text):
    oracle = Embedder(backend="torch").encode([text])[0]
    got = onnx_embed.OnnxEncoder(embeddings.DEFAULT_MODEL, embeddings.model_dir(), onnx_file).encode([text])[0]
    assert got.shape == oracle.shape == (384,) and got.dtype == np.float32
    assert abs(np.linalg.norm(got) - 1) < 1e-5
    assert float(got @ oracle) >= 0.98  # int8: 0.982-0.999 on the golden chunks (bench/bench_onnx.py)


def test_batches_pad_without_moving_vectors_far(onnx_file):
    enc = onnx_embed.OnnxEncoder(embeddings.DEFAULT_MODEL, embeddings.model_dir(), onnx_file)
    texts = ["short", "a much longer text that needs padding of the short one in its batch"]
    together = enc.encode(texts)
    alone = np.stack([enc.encode([t])[0] for t in texts])
    # dynamic int8 scales activations per batch, so padding moves vectors a little, never far
    assert ((together * alone).sum(1) >= 0.98).all()


@pytest.mark.parametrize("backend, same_key_as_torch", [("torch", True), ("onnx", False)])
def test_cache_key_names_the_backend(tmp_path, backend, same_key_as_torch):
    torch_key = Embedder(cache_dir=tmp_path, backend="torch").key("x")
    assert (Embedder(cache_dir=tmp_path, backend=backend).key("x") == torch_key) is same_key_as_torch


@pytest.mark.parametrize("backend, match", [("tensorflow", "Unknown embedding backend")])
def test_bad_backend_is_refused(backend, match):
    with pytest.raises(EmbeddingError, match=match) as err:
        Embedder(backend=backend)
    assert err.value.fix


def test_missing_export_says_how_to_make_it(tmp_path):
    with pytest.raises(EmbeddingError, match="No ONNX export") as err:
        onnx_embed.OnnxEncoder(embeddings.DEFAULT_MODEL, embeddings.model_dir(), tmp_path / "none.onnx")
    assert "make onnx" in err.value.fix


def test_onnx_path_does_not_import_torch(onnx_file):
    code = (f"from handbook.rag import embeddings, onnx_embed; import sys; "
            f"onnx_embed.OnnxEncoder('m', embeddings.model_dir(), {str(onnx_file)!r}).encode(['hi']); "
            f"print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_index_manifest_records_the_backend_and_the_cli_follows_it(tmp_path, monkeypatch):
    from handbook.cli import rag as cli_rag
    from handbook.rag import index
    from handbook.records import Chunk

    class Fake(Embedder):
        dim = 3

        def embed(self, texts, progress=True, use_cache=True):
            return np.ones((len(texts), 3), dtype=np.float32) / np.sqrt(3)

    built = index.build([Chunk("a.md", "t", 0, 1, 1, 1, "")], Fake(backend="onnx"), progress=False)
    assert built.manifest["backend"] == "onnx"
    monkeypatch.delenv("HANDBOOK_EMBED_BACKEND", raising=False)
    assert cli_rag._embedder("torch").backend == "torch"
    monkeypatch.setattr("handbook.rag.onnx_embed.onnx_path", lambda name: tmp_path / "missing.onnx")
    assert cli_rag._embedder(None).backend == "torch"  # no export: torch


def test_cli_search_imports_only_its_own_topic():
    code = ("import sys; from handbook.cli import main; rc = main(['search', '--index', 'nowhere', 'q']); "
            "print(rc, sorted(m for m in ('handbook.agents', 'handbook.classroom', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[-2] == "2 []"
