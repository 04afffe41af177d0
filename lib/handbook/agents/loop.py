"""The agent loop: the model chooses tools until it answers, within limits, every step traced.

    run = run_agent("What is 17 * 23?", Toolbox([calculator_tool()]), max_steps=4)
    run.answer, run.stop_reason, len(run.steps)   -> ('391', 'answered', 2)

Each step is one model call (`calls.decide`); its tool calls run through the `Toolbox`
(validation, approval, timeout) and the results go back to the model as messages, errors
included, so it can correct itself. The run stops with a clear `stop_reason`: `answered`,
`max_steps`, `budget` (the cost package's `Budget` refused the next call, or the run's token
allowance is spent) or `error`.
Each step is a span (`agent.step`) under one `agent.run` span.

Deliberately left out: parallel tool execution, memory across runs, planning prompts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import BudgetExceeded, LLMCallError
from ..llm import client
from ..records import Usage
from ..telemetry import tracer
from .calls import arguments_of, decide, resolve_mode, schema_prompt
from .tools import Toolbox, ToolResult

SYSTEM = ("You are a careful assistant. For any arithmetic, call the calculator; for files, read them; "
          "then answer briefly with the final value.")

# What to do after a tool result given as text: schema mode answers with the next JSON object; a
# model that wrote its call as a ```json block is told to answer in words, or it calls again and again.
NEXT = {True: "Now reply with the next JSON object.",
        False: "If this answers the question, reply with the answer in plain words (no JSON); "
               "otherwise call another tool."}


@dataclass
class Step:
    """One model call and the tool results it led to (chapter 9)."""

    source: str
    text: str
    results: list[ToolResult] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    attempts: int = 1  # model calls, retries of an invalid call included


@dataclass
class Run:
    """A whole agent run: answer, why it stopped, steps and tokens (chapter 9)."""

    task: str
    answer: str = ""
    stop_reason: str = ""
    steps: list[Step] = field(default_factory=list)

    @property
    def usage(self) -> Usage:
        return sum((s.usage for s in self.steps), Usage())

    @property
    def tool_calls(self) -> int:
        return sum(len(s.results) for s in self.steps)

    @property
    def valid_tool_calls(self) -> int:
        return sum(r.kind not in ("unknown_tool", "bad_arguments") for s in self.steps for r in s.results)


def run_agent(task: str, box: Toolbox, *, max_steps: int = 6, budget=None, mode: str = "auto",
              max_tokens: int = 200, retries: int = 1, max_total_tokens: int | None = None) -> Run:
    """Run one task to an answer or a limit (chapter 9). `budget` is a `handbook.cost.Budget` (dollars) or
    None; `max_total_tokens` stops the run once its steps have used that many tokens; `retries` re-asks
    the model for an invalid call before running it (`calls.decide`)."""
    mode = resolve_mode(mode)
    system = SYSTEM + ("\n" + schema_prompt(box) if mode == "schema" and box.tools else "")
    messages = [{"role": "system", "content": system}, {"role": "user", "content": task}]
    run = Run(task)
    with tracer().start_as_current_span("agent.run") as span:
        span.set_attribute("handbook.agent.tools", ",".join(box.by_name))
        for n in range(max_steps):
            if max_total_tokens is not None and run.usage.total_tokens >= max_total_tokens:
                run.stop_reason = "budget"
                break
            with tracer().start_as_current_span("agent.step") as step_span:
                try:
                    if budget is not None:
                        with client.use(budget):
                            d = decide(messages, box, mode=mode, max_tokens=max_tokens, retries=retries)
                    else:
                        d = decide(messages, box, mode=mode, max_tokens=max_tokens, retries=retries)
                except BudgetExceeded:
                    run.stop_reason = "budget"
                    break
                except LLMCallError as exc:
                    run.stop_reason, run.answer = "error", exc.message
                    break
                step = Step(d.source, d.reply.text, usage=d.reply.usage, attempts=d.attempts)
                run.steps.append(step)
                step_span.set_attribute("handbook.agent.step", n)
                step_span.set_attribute("handbook.agent.source", d.source)
                if d.answer is not None and not d.calls:
                    run.answer, run.stop_reason = d.answer, "answered"
                    break
                _continue(messages, d, box, step, native=(d.source == "native"), schema=(mode == "schema"))
        else:
            run.stop_reason = "max_steps"
        span.set_attribute("handbook.agent.stop_reason", run.stop_reason)
    return run


def _continue(messages: list[dict], d, box: Toolbox, step: Step, *, native: bool, schema: bool = True) -> None:
    """Run the step's calls and append the model's turn and the results to the conversation."""
    if native:
        messages.append({"role": "assistant", "content": d.reply.text or "", "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in d.calls]})
    else:
        messages.append({"role": "assistant", "content": d.reply.text})
    for call in d.calls:
        args = arguments_of(call)
        result = box.run(call.name, args if args is not None else call.arguments)
        step.results.append(result)
        with tracer().start_as_current_span("agent.tool") as span:
            span.set_attribute("handbook.tool.name", call.name)
            span.set_attribute("handbook.tool.kind", result.kind)
        body = result.output if result.ok else f"ERROR: {result.output}"
        if native:
            messages.append({"role": "tool", "tool_call_id": call.id, "content": body})
        else:
            messages.append({"role": "user", "content": f"Result of {call.name}({json.dumps(result.arguments)}):\n"
                                                        f"{body}\n{NEXT[schema]}"})
