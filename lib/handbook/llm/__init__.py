"""Chapter 1, calling a model: the client, the local server, tokens and the model files.

* `client`: `chat`, `stream`, `use` (hooks), `openai_client`; the only HTTP to a model.
* `families`: `family`, `request_params`; the request shape each model family accepts
  (reasoning models take `max_completion_tokens` and no temperature), from `model_families.csv`.
* `server`: start, stop and check the local OpenAI-compatible llama.cpp server.
* `prefix_reuse`: the server process, whose KV-cache reuse never changes a reply.
* `tokens`: `count_tokens` and `count_messages`, exactly and offline (chapter 5 prices them).
* `models`: the local GGUF models, assembled from PyPI packages and verified.
"""

from .client import chat, count_local, env_hook, openai_client, ready, stream, use
from .families import Family, family, request_params
from .models import LOCAL_MODELS, LocalModel, chat_prompt, gguf_path
from .server import ensure_running, start, status, stop
from .tokens import count_messages, count_tokens, encoding, known_models, tokenizer_for

__all__ = ["LOCAL_MODELS", "Family", "LocalModel", "chat", "chat_prompt", "count_local", "count_messages",
           "count_tokens", "encoding", "ensure_running", "env_hook", "family", "gguf_path", "known_models",
           "openai_client", "ready", "request_params", "start", "status", "stop", "stream", "tokenizer_for", "use"]
