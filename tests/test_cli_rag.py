"""`handbook index`, `search` and `ask` (chapter 3), run in-process with the real embedding model."""

from __future__ import annotations

import json

import pytest
import pytrec_eval

from handbook.cli import main
from handbook.llm import client
from handbook.rag import embeddings
from handbook.records import Reply, Usage

FILES = {
    "notes/faiss.md": "# FAISS\n\nFAISS stores dense vectors and finds the nearest ones quickly.\n\n"
                      "## IVF\n\nAn inverted file index clusters vectors into cells and probes a few cells.\n",
    "notes/bm25.txt": "BM25 ranks documents by term frequency and inverse document frequency.\n",
    "notes/deep/cooking.rst": "Pasta\n=====\n\nBoil the pasta in salted water for ten minutes.\n",
}


@pytest.fixture()
def corpus(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HANDBOOK_HOME", str(tmp_path / "home"))
    embeddings.default_embedder.cache_clear()  # so its cache lives in this test's home
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    yield tmp_path
    embeddings.default_embedder.cache_clear()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_index_then_search_json(corpus, capsys):
    code, out, _ = run(capsys, "index", "notes", "--index", "idx", "--chunk-size", "64", "--overlap", "8")
    assert code == 0 and "indexed 3 documents (0 skipped) into 4 chunks" in out
    manifest = json.loads((corpus / "idx" / "manifest.json").read_text())
    assert manifest["chunking"] == {"size": 64, "overlap": 8} and manifest["model"] == "all-MiniLM-L6-v2"
    code, out, _ = run(capsys, "search", "--index", "idx", "how long should I boil spaghetti?", "-k", "3", "--json")
    hits = json.loads(out)
    assert code == 0 and len(hits) == 3
    assert hits[0]["source"] == "notes/deep/cooking.rst"
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert all({"source", "score", "text"} <= set(h) for h in hits)
    code, out, _ = run(capsys, "search", "--index", "idx", "inverse document frequency", "--hybrid", "-k", "2")
    assert code == 0 and out.startswith(" 1.") and "notes/bm25.txt" in out.splitlines()[0]


def test_queries_to_trec_run(corpus, capsys):
    run(capsys, "index", "notes", "--index", "idx")
    (corpus / "q.tsv").write_text("# qid<TAB>query\nq1\tnearest neighbour vector search\nq2\tcooking pasta\n")
    code, _, err = run(capsys, "search", "--index", "idx", "--queries", "q.tsv", "--run", "out/run.trec", "-k", "3")
    assert code == 0 and "2 queries" in err
    lines = (corpus / "out" / "run.trec").read_text().splitlines()
    for line in lines:
        qid, q0, docno, rank, score, tag = line.split()
        assert q0 == "Q0" and tag == "dense" and docno in FILES and int(rank) >= 1 and float(score)
    with open(corpus / "out" / "run.trec") as f:
        parsed = pytrec_eval.parse_run(f)  # standard IR tools read it
    qrels = {"q1": {"notes/faiss.md": 1}, "q2": {"notes/deep/cooking.rst": 1}}
    scores = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(parsed)
    assert scores["q1"]["recip_rank"] == scores["q2"]["recip_rank"] == 1.0


def test_ask_prints_answer_sources_and_tokens(corpus, capsys, monkeypatch):
    run(capsys, "index", "notes", "--index", "idx")
    seen = {}

    def fake_chat(messages, **kwargs):  # the prompt is what this test checks; the LLM is tested in the lab
        seen["prompt"] = messages
        return Reply("Boil it for ten minutes [1].", Usage(120, 9), 0.1, "qwen2.5-coder-1.5b-instruct")

    monkeypatch.setattr(client, "chat", fake_chat)
    code, out, _ = run(capsys, "ask", "--index", "idx", "How long do I boil pasta?", "-k", "2")
    assert code == 0
    assert out.splitlines()[0] == "Boil it for ten minutes [1]."
    assert "*[1] notes/deep/cooking.rst:1-4  Pasta" in out
    assert "tokens: 120 prompt + 9 completion = 129" in out
    assert seen["prompt"].ref == "rag_answer@1"
    assert "[1] (notes/deep/cooking.rst, lines 1-4)" in seen["prompt"].messages[-1]["content"]


def test_ask_prints_an_unknown_cost_as_unknown(corpus, capsys, monkeypatch):
    run(capsys, "index", "notes", "--index", "idx")
    monkeypatch.setattr(client, "chat", lambda messages, **kw: Reply("No idea.", Usage(10, 2), 0.1, "llama3.2:1b"))
    code, out, _ = run(capsys, "ask", "--index", "idx", "Anything?", "-k", "1")
    assert code == 0 and "cost: unknown (no price for llama3.2:1b)" in out


def test_ask_without_a_server_fails_with_the_fix(corpus, capsys):
    run(capsys, "index", "notes", "--index", "idx")
    code, _, err = run(capsys, "ask", "--index", "idx", "How long do I boil pasta?", "-k", "1")
    assert code == 2 and "Chat call to the local server" in err and "handbook doctor" in err


@pytest.mark.model
def test_ask_with_the_local_model(corpus, capsys):
    run(capsys, "index", "notes", "--index", "idx")
    code, out, _ = run(capsys, "ask", "--index", "idx", "How long do I boil pasta?", "-k", "2", "--max-tokens", "40")
    assert code == 0 and out.strip()
    assert "\nSources:\n" in out and "notes/deep/cooking.rst:1-4" in out
    assert "cost: $0.000000" in out  # a local model is free per token


def _mismatch(corpus):
    path = corpus / "idx" / "manifest.json"
    path.write_text(path.read_text().replace('"all-MiniLM-L6-v2"', '"some-other-model"'))


ERRORS = [  # (files to add, prepare, argv, words in the error)
    ({"empty/.keep.md": ""}, None, ["index", "empty", "--index", "idx"], "No text documents"),
    ({"bin/pic.md": b"\x89PNG\x00\x00"}, None, ["index", "bin", "--index", "idx"], "binary"),
    ({}, None, ["search", "--index", "nowhere", "q"], "does not exist"),
    ({}, "index", ["search", "--index", "idx", "q", "-k", "99"], "k=99 but the index holds"),
    ({}, _mismatch, ["search", "--index", "idx", "q"], "built with embedding model 'some-other-model'"),
    ({"bad.tsv": "no tab here\n"}, "index", ["search", "--index", "idx", "--queries", "bad.tsv", "--run", "r"],
     "expected `qid<TAB>query`"),
    ({}, "index", ["search", "--index", "idx"], "Give either a query or --queries"),
    ({}, None, ["index", "notes", "--index", "idx", "--chunk-size", "10", "--overlap", "10"], "Bad chunking"),
]


@pytest.mark.parametrize(("files", "prepare", "argv", "needle"), ERRORS)
def test_clear_errors_exit_2_and_write_nothing(corpus, capsys, files, prepare, argv, needle):
    for name, data in files.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    if prepare:
        run(capsys, "index", "notes", "--index", "idx")
        if callable(prepare):
            prepare(corpus)
    before = sorted(p.name for p in corpus.iterdir())
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert needle in err and "fix:" in err and "Traceback" not in err
    assert sorted(p.name for p in corpus.iterdir()) == before  # nothing half-written


def test_crash_while_embedding_writes_no_index(corpus, capsys, monkeypatch):
    def boom(self, texts):
        raise KeyboardInterrupt

    monkeypatch.setattr(embeddings.Embedder, "encode", boom)
    code, _, _ = run(capsys, "index", "notes", "--index", "idx")
    assert code == 130 and not (corpus / "idx").exists()
    assert [p.name for p in corpus.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("query, best", [
    ("nearest neighbour vector search", "notes/faiss.md"),
    ("cooking pasta in water", "notes/deep/cooking.rst"),
    ("term frequency ranking", "notes/bm25.txt"),
])
def test_batch_mode_json_matches_single_queries(corpus, capsys, query, best):
    run(capsys, "index", "notes", "--index", "idx")
    (corpus / "q.tsv").write_text(f"a\t{query}\nb\t{query}\n")
    code, out, _ = run(capsys, "search", "--index", "idx", "--queries", "q.tsv", "--json", "-k", "2")
    batch = json.loads(out)
    _, single, _ = run(capsys, "search", "--index", "idx", query, "-k", "2", "--json")
    assert code == 0 and set(batch) == {"a", "b"} and batch["a"] == batch["b"] == json.loads(single)
    assert batch["a"][0]["source"] == best
