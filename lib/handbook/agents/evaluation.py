"""Evaluating agents: a task file, a success rule, runs with and without tools, and a failure taxonomy.

Each JSONL line of a task file has `id`, `task` and `expected`; a task succeeds when `expected`
appears in the answer, case-insensitive, with thousands separators ignored:

    succeeded("The total is 69,104 tokens.", "69104")  -> True

`call_validity(prompts, box, mode)` measures single calls on a labelled set (data/agent-calls.jsonl:
a prompt, the tool it needs and its arguments, `null` for any value): is the call valid (a tool that
exists, arguments that pass its JSON schema), the right tool, the right arguments, before and after
the retry layer, and did it come as native `tool_calls` or from the reply text.

`failure(run, ok, tools=True)` names what went wrong from the recorded steps: `wrong_tool` (a
tool that does not exist or was refused), `bad_arguments`, `loop` (the step limit hit), `gave_up`
(no answer), `no_tool_call` (a wrong answer without calling any of the tools it had),
`wrong_answer` (wrong after using tools, or with none to use), or `budget`.

Deliberately left out: graders other than substring match, and parallel runs (the local
server answers one request at a time).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from ..cost.pricing import usd
from ..errors import AgentError
from ..files import read_jsonl
from .calls import arguments_of, decide, problems, schema_prompt
from .loop import SYSTEM, Run, run_agent
from .tools import Toolbox

_SEPARATOR = re.compile(r"(?<=\d)[,\u202f_ ](?=\d{3}\b)")


def load_tasks(path: str | Path) -> list[dict[str, str]]:
    """The tasks of a JSONL file, each with `id`, `task` and `expected` (chapter 9)."""
    tasks = read_jsonl(path)  # a missing file or a bad line: DataFileError naming it
    for n, row in enumerate(tasks, 1):
        if not all(isinstance(row.get(k), str) for k in ("id", "task", "expected")):
            raise AgentError(f"{path}: task {n} needs string fields id, task and expected.",
                             '{"id": "m1", "task": "What is 6*7?", "expected": "42"}')
    if not tasks:
        raise AgentError(f"{path} has no tasks.", "add one JSON object per line")
    return tasks


def normalize(text: str) -> str:
    return _SEPARATOR.sub("", str(text)).casefold()


def succeeded(answer: str, expected: str) -> bool:
    """`expected` in `answer`, case-insensitive, thousands separators ignored (chapter 9)."""
    return normalize(expected) in normalize(answer)


def failure(run: Run, ok: bool, tools: bool = True) -> str | None:
    """The failure class of a run from its steps, None when it succeeded (chapter 9)."""
    if ok:
        return None
    kinds = [r.kind for s in run.steps for r in s.results]
    if run.stop_reason == "budget":
        return "budget"
    if "unknown_tool" in kinds or "denied" in kinds:
        return "wrong_tool"
    if "bad_arguments" in kinds:
        return "bad_arguments"
    if run.stop_reason == "max_steps":
        return "loop"
    if not run.answer.strip():
        return "gave_up"
    return refine("wrong_answer", len(kinds), tools)


def refine(kind: str | None, tool_calls: int, tools: bool) -> str | None:
    """`wrong_answer` with tools at hand but none called becomes `no_tool_call` (chapter 9)."""
    return "no_tool_call" if kind == "wrong_answer" and tools and tool_calls == 0 else kind


def evaluate(tasks: list[dict[str, str]], box: Toolbox, *, max_steps: int = 6, mode: str = "auto",
             price_as: str = "gpt-4o-mini") -> dict[str, Any]:
    """Run every task and return the CLI's JSON report: success rate, per-task results (chapter 9)."""
    results = []
    for t in tasks:
        start = time.perf_counter()
        run = run_agent(t["task"], box, max_steps=max_steps, mode=mode)
        ok = succeeded(run.answer, t["expected"])
        results.append({"id": t["id"], "answer": run.answer, "steps": len(run.steps), "tool_calls": run.tool_calls,
                        "valid_tool_calls": run.valid_tool_calls, "success": ok, "failure": failure(run, ok, bool(box.tools)),
                        "stop_reason": run.stop_reason, "prompt_tokens": run.usage.prompt_tokens,
                        "completion_tokens": run.usage.completion_tokens,
                        "usd": round(usd(price_as, run.usage), 8),
                        "wall_s": round(time.perf_counter() - start, 2),
                        "tools_used": [r.name for s in run.steps for r in s.results]})
    return {"success_rate": round(sum(r["success"] for r in results) / len(results), 4), "price_as": price_as,
            "results": results}


def _matches(args, expected: dict) -> bool:
    squash = lambda v: re.sub(r"\s+", "", str(v)).casefold().removeprefix("./")  # noqa: E731
    return isinstance(args, dict) and all(k in args and (v is None or squash(args[k]) == squash(v))
                                          for k, v in expected.items())


def _grade(calls, row: dict, box: Toolbox) -> dict[str, bool]:
    call = calls[0] if calls else None
    valid = call is not None and not problems([call], box)
    right = valid and call.name == row["tool"]
    return {"called": call is not None, "valid": valid, "right_tool": right,
            "right_arguments": right and _matches(arguments_of(call), row["arguments"])}


def call_validity(prompts: list[dict], box: Toolbox, *, mode: str, retries: int = 1) -> dict[str, Any]:
    """Valid / right-tool / right-argument rates of one call per prompt, before and after retries (chapter 9)."""
    system = SYSTEM + ("\n" + schema_prompt(box) if mode == "schema" else "")
    rows = []
    for row in prompts:
        start = time.perf_counter()
        d = decide([{"role": "system", "content": system}, {"role": "user", "content": row["prompt"]}], box,
                   mode=mode, retries=retries)
        first = list(d.first_calls) if d.first_calls is not None else d.calls
        rows.append({"id": row["id"], "source": d.source, "attempts": d.attempts,
                     "first": _grade(first, row, box), "final": _grade(d.calls, row, box),
                     "call": [d.calls[0].name, arguments_of(d.calls[0])] if d.calls else None,
                     "tokens": d.reply.usage.total_tokens, "wall_s": round(time.perf_counter() - start, 2)})
    rate = lambda when, key: round(sum(r[when][key] for r in rows) / len(rows), 4)  # noqa: E731
    return {"mode": mode, "n": len(rows), "native_tool_calls": sum(r["source"] == "native" for r in rows),
            "retried": sum(r["attempts"] > 1 for r in rows),
            **{f"{when}_{key}": rate(when, key) for when in ("first", "final")
               for key in ("called", "valid", "right_tool", "right_arguments")},
            "rows": rows}
