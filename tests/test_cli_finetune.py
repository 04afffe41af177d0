"""`handbook finetune validate FILE`, run in-process (chapter 6)."""

from __future__ import annotations

import json

import pytest

from handbook.cli import main
from handbook.files import write_jsonl

U = {"role": "user", "content": "What is LoRA?"}
A = {"role": "assistant", "content": '{"topic": "fine-tuning"}'}


def line(*messages) -> str:
    return json.dumps({"messages": list(messages)})


def good(i: int) -> str:
    return line({"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": f"Question number {i}?"}, A)


@pytest.mark.parametrize(
    "extra_lines,code,expected",
    [
        ([], 0, "10 valid examples"),
        (["not json"], 2, "line 11: not valid JSON"),
        ([line(U)], 2, "line 11: no assistant message"),
    ],
)
def test_cli_validate(tmp_path, capsys, extra_lines, code, expected):
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join([good(i) for i in range(10)] + extra_lines) + "\n")
    assert main(["finetune", "validate", str(path), "--epochs", "2"]) == code
    out = capsys.readouterr().out
    assert expected in out and "2 epochs on gpt-4o-mini-2024-07-18" in out


def test_cli_validate_json_and_unknown_model(tmp_path, capsys):
    path = write_jsonl(tmp_path / "t.jsonl", [json.loads(good(i)) for i in range(10)])
    assert main(["finetune", "validate", str(path), "--json", "--model", "gpt-4o-2024-08-06"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["examples"] == 10 and report["training_tokens"] == 3 * report["tokens"]
    assert report["usd"] == pytest.approx(report["training_tokens"] * 25 / 1e6, abs=1e-6)
    assert main(["finetune", "validate", str(path), "--model", "gpt-9"]) == 2
    assert "No training price for 'gpt-9'" in capsys.readouterr().err
