"""Getting tool calls out of a model: native `tool_calls`, a call written in the text, or a schema.

Three ways, one result (`Decision`: the calls the model asked for, or its final answer):

* `native`: the request carries `tools=[...]`; endpoints that parse calls (OpenAI, vLLM,
  llama.cpp with a tool-aware template) return `reply.tool_calls`. When a reply has none,
  `parse_text_calls` still looks in the text for the two shapes small models write instead:
  Qwen's `<tool_call>{"name": ..., "arguments": ...}</tool_call>` and a ```json block.
* `schema`: no `tools` at all; `response_format` asks for one JSON object that must be either
  `{"tool": <one of the names>, "arguments": {...}}` or `{"answer": "..."}`. The book's local
  server turns that schema into a llama.cpp grammar, so even a 1.5B model can only emit a
  well-formed call to a tool that exists (chapter 2's constrained decoding, applied to tools).
* `auto`: `schema` on the book's local server, `native` everywhere else.

`decide(..., retries=1)` adds the validation-and-retry layer: a call to a tool that does not
exist, or with arguments that fail the tool's JSON schema, goes back to the model with the
validator's message, and the model is asked again, up to `retries` times, before the loop
ever runs it.

    decide(messages, box, mode="schema")  -> Decision(calls=[ToolCall('calculator', '{"expression": "6*7"}')])

Deliberately left out: parallel calls in schema mode (one call per step), and provider-specific
formats other than Qwen's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from .. import config
from ..llm import client
from ..records import Reply, ToolCall
from .tools import Toolbox, check_arguments

MODES = ("auto", "native", "schema")
_TAGGED = re.compile(r"<tool_call>\s*(\{.*?\})\s*</tool_call>", re.S)
_FENCED = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.S)


@dataclass(frozen=True)
class Decision:
    """The model's choice at one step: tool calls, or a final answer (chapter 9)."""

    reply: Reply
    calls: list[ToolCall] = field(default_factory=list)
    answer: str | None = None
    source: str = "text"  # native, parsed, schema or text
    attempts: int = 1  # model calls spent on this step, retries included
    first_calls: tuple[ToolCall, ...] | None = None  # the first attempt's calls, when it was retried


def resolve_mode(mode: str) -> str:
    """`auto` -> `schema` on the book's local server, `native` elsewhere (chapter 9)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    return ("schema" if config.settings().local else "native") if mode == "auto" else mode


def parse_text_calls(text: str) -> list[ToolCall]:
    """Tool calls written in reply text: `<tool_call>` tags or ```json blocks with a name (chapter 9)."""
    calls = []
    for body in _TAGGED.findall(text) or _FENCED.findall(text) or ([text.strip()] if text.strip().startswith("{") else []):
        try:
            data = json.loads(body)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict) and isinstance(data.get("name") or data.get("tool"), str):
            args = data.get("arguments", data.get("parameters", {}))
            calls.append(ToolCall(data.get("name") or data["tool"], args if isinstance(args, str) else json.dumps(args)))
    return calls


def choice_schema(box: Toolbox) -> dict[str, Any]:
    """The JSON schema of one step: a call to one of the tools, or an answer (chapter 9)."""
    options = [{"type": "object", "properties": {"tool": {"type": "string", "enum": [t.name]},
                                                 "arguments": t.parameters},
                "required": ["tool", "arguments"], "additionalProperties": False} for t in box.tools]
    options.append({"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"],
                    "additionalProperties": False})
    return {"anyOf": options}


def schema_prompt(box: Toolbox) -> str:
    """The system-prompt lines that describe the tools for schema mode (chapter 9)."""
    lines = [f"- {t.name}: {t.description} Arguments: {json.dumps(t.parameters['properties'])}" for t in box.tools]
    return ("You can use these tools:\n" + "\n".join(lines) + '\nReply with one JSON object: either '
            '{"tool": NAME, "arguments": {...}} to call a tool, or {"answer": "..."} when you know the answer.')


def problems(calls: list[ToolCall], box: Toolbox) -> list[str]:
    """Why each invalid call is invalid: an unknown name or arguments that fail the schema (chapter 9)."""
    out = []
    for c in calls:
        tool, args = box.by_name.get(c.name), arguments_of(c)
        if tool is None:
            out.append(f"There is no tool {c.name!r}; the tools are {', '.join(box.by_name)}.")
        elif args is None:
            out.append(f"The arguments of {c.name} are not valid JSON: {c.arguments[:80]!r}.")
        elif (why := check_arguments(tool, args)) is not None:
            out.append(f"Bad arguments for {c.name}: {why}. Schema: {json.dumps(tool.parameters)}")
    return out


def decide(messages: list[dict], box: Toolbox, *, mode: str = "auto", max_tokens: int = 200,
           tool_choice: str = "auto", retries: int = 0, **params: Any) -> Decision:
    """Ask the model for its next step; re-ask up to `retries` times while a call is invalid (chapter 9)."""
    d = first = _decide_once(messages, box, mode=mode, max_tokens=max_tokens, tool_choice=tool_choice, **params)
    tried, usage = 1, d.reply.usage
    while tried <= retries and (why := problems(d.calls, box)):
        retry = [*messages, {"role": "assistant", "content": d.reply.text},
                 {"role": "user", "content": "That tool call is invalid. " + " ".join(why) + " Write the call again."}]
        d = _decide_once(retry, box, mode=mode, max_tokens=max_tokens, tool_choice=tool_choice, **params)
        tried, usage = tried + 1, usage + d.reply.usage
    if tried == 1:
        return d
    return replace(d, reply=replace(d.reply, usage=usage), attempts=tried, first_calls=tuple(first.calls))


def _decide_once(messages: list[dict], box: Toolbox, *, mode: str, max_tokens: int, tool_choice: str,
                 **params: Any) -> Decision:
    mode = resolve_mode(mode)
    if mode == "schema":
        fmt = {"type": "json_schema", "json_schema": {"name": "step", "schema": choice_schema(box), "strict": True}}
        reply = client.chat(messages, max_tokens=max_tokens, response_format=fmt, **params)
        try:
            data = json.loads(reply.text)
        except json.JSONDecodeError:
            return Decision(reply, answer=reply.text.strip(), source="text")  # cut at max_tokens
        if isinstance(data, dict) and "tool" in data:
            return Decision(reply, [ToolCall(str(data["tool"]), json.dumps(data.get("arguments", {})))],
                            source="schema")
        return Decision(reply, answer=str(data.get("answer", "")) if isinstance(data, dict) else reply.text,
                        source="schema")
    extra = {"tools": box.specs(), "tool_choice": tool_choice} if box.tools else {}
    reply = client.chat(messages, max_tokens=max_tokens, **extra, **params)
    if reply.tool_calls:
        return Decision(reply, list(reply.tool_calls), source="native")
    parsed = parse_text_calls(reply.text) if box.tools else []
    if parsed:
        return Decision(reply, parsed, source="parsed")
    return Decision(reply, answer=reply.text.strip(), source="text")


def arguments_of(call: ToolCall) -> Any:
    """The call's arguments as JSON, or None when they do not parse (chapter 9)."""
    try:
        return json.loads(call.arguments or "{}")
    except json.JSONDecodeError:
        return None
