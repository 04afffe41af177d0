"""The local server process: llama.cpp's OpenAI-compatible server, with prefix reuse that changes no reply.

llama.cpp keeps the KV cache of the previous prompt and, by default, reuses
its longest shared prefix, evaluating only the rest of a new prompt. That
makes the *batches* fed to the model depend on the previous request, and a
batch's arithmetic depends on its size: we measured logits that differed by
up to 0.4 for the same prompt, enough to flip a reply at temperature 0.

Here every prompt is evaluated in batches of `BATCH` tokens counted from
position 0, and only whole batches that the previous prompt evaluated are
reused (`reusable_prefix`). The reused cache is then bit-for-bit what a fresh
evaluation would compute, so the same request always gives the same reply
(what lets nbval test the labs), and a shared system prompt or few-shot block
is still computed once. Tokens of the previous reply are never reused: they
were computed one at a time.

    reusable_prefix(previous=[1..200], cached=[1..230], prompt=[1..150, 900..950])  -> 128

The server also accepts OpenAI's strict structured-output request,
`response_format={"type": "json_schema", "json_schema": {"schema": S, ...}}`:
`llama_response_format` turns it into llama.cpp's own spelling,
`{"type": "json_object", "schema": S}`, whose JSON-schema grammar lets the
sampler pick only tokens that keep the reply valid against `S` (a mask on the
logits, so temperature 0 stays deterministic).

`handbook.llm.server` starts this module as `python -m handbook.llm.prefix_reuse`.

Deliberately left out: several slots (one request at a time, as the labs
need), llama.cpp's other cache options, and `strict` (the grammar is always
strict).
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict  # pydantic reads only this one on Python < 3.12

from .no_amx import refuse_amx

BATCH = 64  # prompt tokens per llama.cpp batch; 6% slower prefill than 512, measured on 2 cores


def reusable_prefix(previous: list[int], cached: list[int], prompt: list[int], batch: int = BATCH) -> int:
    """How many leading tokens of `prompt` may be served from the KV cache (chapter 5).

    `previous` is the last prompt evaluated, `cached` the tokens the cache
    holds now (that prompt plus its reply). Only whole batches of `previous`
    count, because its last partial batch and the reply were computed in
    other batch shapes than a fresh evaluation of `prompt` would use. At
    least one token is always left to evaluate, so the model yields logits.
    """
    shared = 0
    for a, b, c in zip(previous, cached, prompt, strict=False):
        if not a == b == c:
            break
        shared += 1
    limit = min(shared, len(previous) // batch * batch, len(prompt) - 1)
    return max(limit, 0) // batch * batch


class ResponseFormat(TypedDict):
    """The `response_format` a request may carry: llama.cpp's two types plus OpenAI's `json_schema`."""

    type: Literal["text", "json_object", "json_schema"]
    schema: NotRequired[Any]
    json_schema: NotRequired[dict[str, Any]]


def llama_response_format(response_format: dict[str, Any] | None) -> dict[str, Any] | None:
    """OpenAI's `json_schema` response format in llama.cpp's spelling; others unchanged (chapter 2).

    `{"type": "json_schema", "json_schema": {"name": "T", "schema": S}}` becomes
    `{"type": "json_object", "schema": S}`; without a schema it is plain JSON mode.
    """
    if not response_format or response_format.get("type") != "json_schema":
        return response_format
    schema = (response_format.get("json_schema") or {}).get("schema")
    return {"type": "json_object"} if schema is None else {"type": "json_object", "schema": schema}


def _accept_json_schema(llama_cpp) -> None:
    """Let the request model carry `json_schema`, and translate it before the chat handler sees it."""
    llama_cpp.ChatCompletionRequestResponseFormat = ResponseFormat  # read when llama_cpp.server.types is imported
    create = llama_cpp.Llama.create_chat_completion

    def create_chat_completion(self, *args, response_format=None, **kwargs):
        return create(self, *args, response_format=llama_response_format(response_format), **kwargs)

    llama_cpp.Llama.create_chat_completion = create_chat_completion


def serve() -> None:
    """Run llama.cpp's server (its own command line) with batch-aligned prefix reuse (chapter 5)."""
    refuse_amx()  # before llama.cpp loads: its AMX kernels crash on some Xeons (see no_amx)
    import llama_cpp

    _accept_json_schema(llama_cpp)
    from llama_cpp.server.__main__ import main

    generate = llama_cpp.Llama.generate

    def aligned_generate(self, tokens, *args, **kwargs):
        tokens = list(tokens)
        keep = reusable_prefix(getattr(self, "_handbook_prompt", []), list(self.input_ids[: self.n_tokens]),
                               tokens, self.n_batch)
        if keep:  # llama.cpp's own prefix match then reuses exactly `keep` tokens and evaluates the rest
            self._ctx.kv_cache_seq_rm(-1, keep, -1)
            self.n_tokens = keep
        else:
            self.reset()
        self._handbook_prompt = tokens
        return generate(self, tokens, *args, **kwargs)

    llama_cpp.Llama.generate = aligned_generate
    main()


if __name__ == "__main__":
    serve()
