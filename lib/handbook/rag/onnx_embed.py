"""The embedding model on ONNX Runtime with int8 weights: the same vectors, no torch at query time.

`export()` (run once by `make onnx`, offline) traces the default model's
transformer with `torch.onnx.export` and shrinks its weights to int8 with
onnxruntime's `quantize_dynamic`, writing `model-int8.onnx` under
`config.home()/onnx/<model>/`. `OnnxEncoder.encode()` then tokenizes with the
`tokenizers` library from the model's own `tokenizer.json`, runs the graph,
mean-pools over the attention mask and L2-normalises, like the
sentence-transformers pipeline it replaces; importing this module never
imports torch.

    OnnxEncoder().encode(["How do I cite sources?"]) -> array of shape (1, 384), unit rows

Deliberately left out: GPUs, graph optimisation levels, static (calibrated)
quantisation and models other than mean-pooled BERT-style encoders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

from .. import config
from ..errors import EmbeddingError

MAX_TOKENS = 256  # all-MiniLM-L6-v2's input limit (sentence_bert_config.json)


def onnx_path(name: str) -> Path:
    """Where the int8 ONNX file of model `name` lives (chapter 3)."""
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[-80:]
    return config.home() / "onnx" / slug / "model-int8.onnx"


def export(name: str, model_dir: Path, dest: Path | None = None) -> Path:
    """Export the model's transformer to ONNX and quantise it to int8; returns the file (chapter 3)."""
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    dest = Path(dest) if dest else onnx_path(name)
    dest.parent.mkdir(parents=True, exist_ok=True)
    bert = AutoModel.from_pretrained(str(model_dir)).eval()

    class Encoder(torch.nn.Module):  # keyword arguments only: transformers' forward takes more positionals
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                        token_type_ids=token_type_ids).last_hidden_state

    model = Encoder()
    ids = torch.ones((2, 16), dtype=torch.long)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        fp32 = Path(tmp) / "model.onnx"
        axes = {0: "batch", 1: "tokens"}
        with torch.no_grad():
            torch.onnx.export(model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(fp32),
                              input_names=["input_ids", "attention_mask", "token_type_ids"],
                              output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                              dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                            "last_hidden_state": axes})
        part = dest.with_suffix(".part")
        quantize_dynamic(str(fp32), str(part), weight_type=QuantType.QInt8, per_channel=True)
        part.replace(dest)  # atomic: a half-written file never has the final name
    return dest


@cache
def _session(path: str):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


@cache
def _tokenizer(model_dir: str):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.enable_truncation(MAX_TOKENS)
    tok.enable_padding()  # to the longest text of each batch
    return tok


class OnnxEncoder:
    """Encodes texts with the int8 ONNX graph: normalised float32 rows (chapter 3)."""

    def __init__(self, name: str, model_dir: Path, path: Path | None = None):
        self.path = Path(path) if path else onnx_path(name)
        if not self.path.exists():
            raise EmbeddingError(f"No ONNX export of {name} at {self.path}.",
                                 "run `make onnx` (or `python scripts/export_onnx.py`), or use backend='torch'")
        self.model_dir = Path(model_dir)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        session, tok = _session(str(self.path)), _tokenizer(str(self.model_dir))
        out = []
        for i in range(0, len(texts), batch_size):
            enc = tok.encode_batch(list(texts[i:i + batch_size]))
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, feed)[0]
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
            out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, 384), np.float32)
