"""`handbook tokens`, `handbook cost estimate` and `handbook prices`, run in-process."""

from __future__ import annotations

import io
import json
import sys

import pytest

from handbook.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_tokens_file_and_stdin(tmp_path, capsys, monkeypatch):
    f = tmp_path / "t.txt"
    f.write_text("hello world", encoding="utf-8")
    assert run(capsys, "tokens", "--model", "gpt-4", str(f)) == (0, "2\n", "")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"hello world")))
    assert run(capsys, "tokens", "-") == (0, "2\n", "")


@pytest.mark.parametrize(("argv", "message"), [
    (["tokens", "/no/such/file"], "Cannot read"),
    (["tokens", "--model", "gpt4o", "BAD"], "Did you mean gpt-4o"),
    (["cost", "estimate", "--model", "gpt4o", "--input-tokens", "1", "--output-tokens", "1"], "Did you mean gpt-4o"),
    (["cost", "estimate", "--model", "gpt-4o", "--input-tokens", "-1", "--output-tokens", "1"], ">= 0"),
    (["prices", "--provider", "nobody"], "No prices for provider"),
])
def test_errors_print_message_and_fix(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "BAD").write_text("x")
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and message in err and "fix:" in err and "Traceback" not in err


def test_not_utf8(tmp_path, capsys):
    f = tmp_path / "latin1.txt"
    f.write_bytes("café".encode("latin-1"))
    rc, _, err = run(capsys, "tokens", str(f))
    assert rc == 2 and "not UTF-8" in err


def test_estimate_json(capsys):
    rc, out, _ = run(capsys, "cost", "estimate", "--model", "gpt-4o", "--input-tokens", "1000", "--output-tokens", "500",
                     "--json")
    data = json.loads(out)
    assert rc == 0 and data["model"] == "gpt-4o" and data["input_tokens"] == 1000 and data["output_tokens"] == 500
    assert data["usd"] == pytest.approx(0.0075)


def test_estimate_text(capsys):
    rc, out, _ = run(capsys, "cost", "estimate", "--model", "qwen2.5-coder-1.5b-instruct", "--input-tokens", "10",
                     "--output-tokens", "10")
    assert rc == 0 and "$0.000000" in out


def test_prices(capsys):
    rc, out, _ = run(capsys, "prices", "--provider", "openai", "--json")
    rows = json.loads(out)
    assert rc == 0 and {r["provider"] for r in rows} == {"openai"} and "gpt-4o" in {r["model"] for r in rows}
    rc, out, _ = run(capsys, "prices")
    assert rc == 0 and "claude-sonnet-4-5" in out and "qwen2.5-coder-1.5b-instruct" in out
