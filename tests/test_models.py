"""handbook.llm.models: model assembly and verification on small fake parts, and the chat template (chapter 1)."""

import hashlib
from pathlib import Path

import pytest

from handbook.errors import ModelFileError
from handbook.llm import models


def _model(tmp_path: Path, parts: list[bytes]) -> models.LocalModel:
    blob = b"".join(parts)
    return models.LocalModel("toy", "toy.gguf", len(blob), hashlib.sha256(blob).hexdigest(),
                             tuple(f"p{i}" for i in range(len(parts))), "upstream", "MIT", "Q4", "test")


@pytest.fixture
def parts(tmp_path, monkeypatch):
    chunks = [b"GGUF" + bytes(range(256)) * 50, b"middle" * 1000, b"end"]
    files = []
    for i, data in enumerate(chunks):
        f = tmp_path / f"part{i}.bin"
        f.write_bytes(data)
        files.append(f)
    monkeypatch.setattr(models, "part_paths", lambda model: files)
    return chunks


def test_assemble_joins_in_order_and_verifies(tmp_path, parts):
    model = _model(tmp_path, parts)
    out = models.assemble(model, tmp_path / "models")
    assert out.read_bytes() == b"".join(parts)
    assert models.assemble(model, tmp_path / "models") == out  # idempotent
    assert not list((tmp_path / "models").glob(".*part"))  # no temporary left behind


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_verify_refuses_a_damaged_file(tmp_path, parts, damage):
    model = _model(tmp_path, parts)
    path = tmp_path / "toy.gguf"
    data = bytearray(b"".join(parts))
    if damage == "truncate":
        data = data[:-1]
    else:
        data[10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="bytes; expected|SHA-256") as info:
        models.verify(model, path)
    assert "handbook llm pull" in info.value.fix


def test_assemble_replaces_a_corrupt_file(tmp_path, parts):
    model = _model(tmp_path, parts)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "toy.gguf").write_bytes(b"garbage")
    assert models.assemble(model, tmp_path / "models").read_bytes() == b"".join(parts)


def test_unknown_alias():
    with pytest.raises(ModelFileError, match="not a local model"):
        models.gguf_path("gpt-5")


def test_real_model_files_are_present_and_verified():
    for alias in models.LOCAL_MODELS:
        assert models.gguf_path(alias).stat().st_size > 50_000_000


@pytest.mark.parametrize("alias, messages, expected", [
    ("qwen2.5-coder-1.5b-instruct", [{"role": "user", "content": "Hi"}],
     "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
     "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"),
    ("smollm2-135m-instruct", [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
     "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"),
    ("not-local", [{"role": "user", "content": "Hi"}], "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"),
])
def test_chat_prompt_adds_the_default_system_message_only_when_missing(alias, messages, expected):
    assert models.chat_prompt(alias, messages) == expected
