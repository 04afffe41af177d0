"""The Milvus store (chapter 3), against a Milvus Lite file and the Milvus Lite gRPC server on loopback."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from handbook.errors import StoreError, StoreMismatchError
from handbook.rag.embeddings import Embedder
from handbook.rag.ingest import ingest, migrate
from handbook.rag.store import open_store
from handbook.records import Document


class HashEmbedder(Embedder):
    """Deterministic bag-of-words vectors: fast, and shared words mean similar vectors."""

    def __init__(self, name="hash-32", dim=32):
        super().__init__(name)
        self._dim = dim

    @property
    def dim(self):
        return self._dim

    def embed(self, texts, progress=True, use_cache=True):
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self._dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def _docs(n=6, extra=""):
    return [Document(f"doc{i}.md", f"# Doc {i}\n\nsorting lists number {i} {extra}\n\nmore words here {i}\n")
            for i in range(n)]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "milvus_lite", "server", "--data-dir",
                             str(tmp_path_factory.mktemp("srv")), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(params=["file", "server"])
def uri(request, tmp_path):
    if request.param == "file":
        return str(tmp_path / "kb.db")
    return request.getfixturevalue("server")


def _coll(request):
    return "c" + hashlib.md5(request.node.nodeid.encode()).hexdigest()[:10]


def test_metadata_and_idempotent_ingest(uri, request):
    store = open_store(uri, _coll(request), HashEmbedder())
    first = ingest(store, _docs())
    again = ingest(store, _docs())
    assert first["chunks_written"] > 0 and again["chunks_written"] == 0
    before, doc0 = store.count(), store.count('source == "doc0.md"')
    changed = ingest(store, [Document("doc0.md", "# Doc 0\n\nsomething else entirely\n")])
    assert changed["chunks_written"] == 1 and store.count('source == "doc0.md"') == 1
    assert store.count() == before - doc0 + 1  # exactly its own chunks replaced
    row = store.client.query(store.collection, filter='source == "doc1.md"', limit=1,
                             output_fields=["source", "section", "position", "content_hash", "model"])[0]
    assert row["model"] == "hash-32" and row["section"] == "Doc 1" and len(row["content_hash"]) == 64


@pytest.mark.parametrize("where, expected", [('source == "doc2.md"', 1), ('source like "doc%"', 6), ("position > 99", 0)])
def test_delete_by_filter(uri, request, where, expected):
    store = open_store(uri, _coll(request), HashEmbedder())
    ingest(store, _docs())
    total = store.count()
    assert store.delete(where) == expected * (total // 6)
    assert store.count() == total - expected * (total // 6)


def test_prefilter_returns_k_where_postfilter_does_not(uri, request):
    store = open_store(uri, _coll(request), HashEmbedder())
    ingest(store, _docs(20), meta=lambda s: {"tenant": "a" if s == "doc7.md" or s >= "doc3" else "b"})
    k = 3
    where = 'tenant == "b"'
    pre = store.search("sorting lists number 7", k=k, where=where)
    post = [h for h in store.search("sorting lists number 7", k=k) if h.source < "doc3"]
    assert len(pre) == k and len(post) < k


@pytest.mark.parametrize("other", [HashEmbedder("hash-32b", 32), HashEmbedder("hash-32", 16)])
def test_mismatch_refused(uri, request, other):
    ingest(open_store(uri, _coll(request), HashEmbedder()), _docs())
    with pytest.raises(StoreMismatchError, match="built with hash-32"):
        open_store(uri, _coll(request), other)


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_modes(uri, request, mode):
    store = open_store(uri, _coll(request), HashEmbedder())
    ingest(store, _docs())
    hits = store.search("number 4", k=2, mode=mode)
    assert len(hits) == 2 and [h.rank for h in hits] == [1, 2]


def test_bad_filter_is_store_error(uri, request):
    store = open_store(uri, _coll(request), HashEmbedder())
    ingest(store, _docs())
    with pytest.raises(StoreError, match="refused"):
        store.search("x", where="source === 1")


def test_persistence_across_processes(tmp_path):
    path = str(tmp_path / "p.db")
    code = ("import sys; sys.path[:0]=['tests']; from test_store import HashEmbedder, _docs; "
            "from handbook.rag.ingest import ingest; from handbook.rag.store import open_store; "
            f"s = open_store({path!r}, 'p', HashEmbedder()); ingest(s, _docs()); print(s.count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    written = int(out.stdout.split()[-1])
    assert written > 0 and open_store(path, "p", HashEmbedder(), create=False).count() == written


def test_migration_never_fails_a_search(uri, request, monkeypatch):
    old, new, alias = _coll(request) + "a", _coll(request) + "b", _coll(request) + "live"
    store = open_store(uri, old, HashEmbedder())
    ingest(store, _docs())
    store.client.create_alias(old, alias)
    failures, done, n = [], threading.Event(), [0]

    from handbook.rag import store as store_mod

    monkeypatch.setattr(store_mod, "embedder_for", lambda m: HashEmbedder(m, 64 if m == "hash-64" else 32))

    def reader():  # one store per request, following the alias and the model it records
        while not done.is_set():
            try:
                assert len(open_store(uri, alias, create=False).search("sorting lists number 7", k=3)) == 3
                n[0] += 1
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                failures.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    try:
        migrated = migrate(uri, alias, old, new, HashEmbedder("hash-64", 64), HashEmbedder())
    finally:
        done.set()
        t.join()
    assert failures == [] and n[0] > 0
    assert migrated.client.describe_collection(alias)["collection_name"] == new


@pytest.mark.parametrize("argv, needle", [
    (["db", "add", "/no/such/dir", "--db", "X.db"], "not a folder"),
    (["db", "stats", "--db", "http://127.0.0.1:1"], "Cannot reach Milvus"),
    (["db", "stats", "--db", "notadb"], "neither a Milvus Lite file"),
])
def test_cli_errors(argv, needle, capsys, tmp_path, monkeypatch):
    from handbook.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "fix:" in err and "Traceback" not in err


def test_rows_page_past_one_batch_and_stats_count_every_source(uri, request):
    store = open_store(uri, _coll(request), HashEmbedder())
    ingest(store, _docs(30))
    rows = list(store.rows(["source"], batch=7))  # many pages: no query-limit cap
    assert len(rows) == store.count() > 7
    assert store.stats()["sources"] == 30


def test_recorded_model_is_used_without_an_embedder(uri, request):
    ingest(open_store(uri, _coll(request), HashEmbedder("hash-32", 32)), _docs())
    from handbook.rag import store as store_mod

    seen = []
    orig = store_mod.embedder_for
    store_mod.embedder_for = lambda m: seen.append(m) or HashEmbedder(m, 32)
    try:
        reopened = open_store(uri, _coll(request), create=False)
    finally:
        store_mod.embedder_for = orig
    assert seen == ["hash-32"] and reopened.model == "hash-32"


def test_close_frees_the_file_for_another_process(tmp_path):
    path = str(tmp_path / "c.db")
    store = open_store(path, "c", HashEmbedder())
    ingest(store, _docs())
    store.close()
    code = ("import sys; sys.path[:0]=['tests']; from test_store import HashEmbedder; "
            f"from handbook.rag.store import open_store; print(open_store({path!r}, 'c', HashEmbedder()).count())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and int(out.stdout.split()[-1]) > 0, out.stderr[-300:]


def test_model_id_names_the_backend():
    from handbook.rag.store import embedder_for, model_id

    assert model_id(Embedder(backend="torch")) == "all-MiniLM-L6-v2"
    onnx = Embedder(backend="onnx")
    assert model_id(onnx) == "all-MiniLM-L6-v2+onnx-int8"
    assert embedder_for(model_id(onnx)).backend == "onnx" and embedder_for("all-MiniLM-L6-v2").backend == "torch"


def test_hnsw_index_type(uri, request):
    store = open_store(uri, _coll(request), HashEmbedder(), index_type="HNSW", index_params={"M": 8})
    ingest(store, _docs(10))
    assert store.client.describe_index(store.collection, "vector")["index_type"] == "HNSW"
    assert [h.source for h in store.search("sorting lists number 7", k=1)] == ["doc7.md"]
