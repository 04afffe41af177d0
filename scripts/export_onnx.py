"""Export the default embedding model to int8 ONNX once, offline (run by `make onnx`, part of `make setup`)."""

from handbook.rag.embeddings import DEFAULT_MODEL, model_dir
from handbook.rag.onnx_embed import export, onnx_path

if __name__ == "__main__":
    path = onnx_path(DEFAULT_MODEL)
    if path.exists():
        print(f"{path} exists")
    else:
        print(f"wrote {export(DEFAULT_MODEL, model_dir())}")
