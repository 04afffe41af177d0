"""Tools an agent may call: a name, a description, a JSON schema for the arguments, and a permission.

A `Tool` declares whether it only reads (`acts=False`) or also changes the world
(`acts=True`). `Toolbox.run(name, arguments)` is the one door to every tool: it
refuses unknown names, validates the arguments against the schema (jsonschema),
asks the approval callback before any acting tool, and runs the function under a
timeout. Every failure comes back as a `ToolResult` with `ok=False` and a message
the model can read and correct, never as an exception that ends the run.

    box = Toolbox([calculator_tool()])
    box.run("calculator", {"expression": "6 * 7"})  -> ToolResult(ok=True, output='42', ...)
    box.run("calculator", {"expr": "6 * 7"})        -> ToolResult(ok=False, kind='bad_arguments', ...)

Deliberately left out: tools with side effects in the book's set (only the approval rule is
shown), async tools, and streaming tool output.
"""

from __future__ import annotations

import concurrent.futures
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from ..errors import ToolError
from .calculator import calculate
from .workspace import Workspace

Approve = Callable[[str, dict], bool]


@dataclass(frozen=True)
class Tool:
    """One function the model may call, with its JSON schema and permission (chapter 9)."""

    name: str
    description: str
    parameters: dict[str, Any]
    fn: Callable[..., Any]
    acts: bool = False  # True: changes something outside the agent, so it needs approval

    def spec(self) -> dict[str, Any]:
        """OpenAI's `tools=[...]` entry for this tool (chapter 9)."""
        return {"type": "function", "function": {"name": self.name, "description": self.description,
                                                 "parameters": self.parameters}}


@dataclass(frozen=True)
class ToolResult:
    """What a tool call returned, or why it did not run: kind is ok, unknown_tool, bad_arguments, denied, error, timeout."""

    name: str
    arguments: dict[str, Any]
    ok: bool
    output: str
    kind: str = "ok"


def check_arguments(tool: Tool, arguments: Any) -> str | None:
    """None if `arguments` validate against the tool's schema, else the error text (chapter 9)."""
    try:
        jsonschema.validate(arguments, tool.parameters)
    except jsonschema.ValidationError as exc:
        return f"{exc.message} (at {'/'.join(map(str, exc.absolute_path)) or 'the top level'})"
    return None


@dataclass
class Toolbox:
    """The tools of one run, with the approval rule and a timeout per call (chapter 9)."""

    tools: list[Tool]
    approve: Approve | None = None  # asked before each acting tool; None refuses them all
    timeout_s: float = 10.0
    log: list[ToolResult] = field(default_factory=list)

    def __post_init__(self):
        self.by_name = {t.name: t for t in self.tools}

    def specs(self) -> list[dict[str, Any]]:
        return [t.spec() for t in self.tools]

    def run(self, name: str, arguments: Any) -> ToolResult:
        """Validate, approve and run one call; any failure becomes a message for the model (chapter 9)."""
        result = self._run(name, arguments)
        self.log.append(result)
        return result

    def _run(self, name: str, arguments: Any) -> ToolResult:
        args = arguments if isinstance(arguments, dict) else {}
        tool = self.by_name.get(name)
        if tool is None:
            return ToolResult(name, args, False, f"Unknown tool {name!r}. Tools: {', '.join(self.by_name)}.",
                              "unknown_tool")
        problem = check_arguments(tool, arguments)
        if problem:
            return ToolResult(name, args, False, f"Bad arguments for {name}: {problem}. Schema: "
                              f"{json.dumps(tool.parameters)}", "bad_arguments")
        if tool.acts and not (self.approve and self.approve(name, args)):
            return ToolResult(name, args, False, f"{name} changes things and was not approved.", "denied")
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        try:
            output = pool.submit(tool.fn, **args).result(timeout=self.timeout_s)
        except concurrent.futures.TimeoutError:
            return ToolResult(name, args, False, f"{name} took longer than {self.timeout_s} s.", "timeout")
        except ToolError as exc:
            return ToolResult(name, args, False, f"{exc.message} Fix: {exc.fix}" if exc.fix else exc.message, "error")
        except Exception as exc:  # a tool bug is reported to the model, not raised through the loop
            return ToolResult(name, args, False, f"{name} failed: {type(exc).__name__}: {exc}", "error")
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
        return ToolResult(name, args, True, str(output))


def _object(**props: dict) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def calculator_tool() -> Tool:
    """`calculator(expression)`: safe arithmetic (chapter 9)."""
    return Tool("calculator", "Evaluate an arithmetic expression exactly, e.g. '1200 * 0.15'.",
                _object(expression={"type": "string", "description": "numbers and + - * / // % ** ( )"}),
                lambda expression: calculate(expression))


def file_tools(workspace: Workspace) -> list[Tool]:
    """`list_files(folder)` and `read_file(path)`, read-only and confined to `workspace` (chapter 9)."""
    return [Tool("list_files", "List the files in the workspace (paths relative to it).",
                 _object(folder={"type": "string", "description": "a folder in the workspace; '.' for all"}),
                 lambda folder: workspace.list(folder)),
            Tool("read_file", "Read one text file of the workspace.",
                 _object(path={"type": "string", "description": "relative path, e.g. 'orders.csv'"}),
                 lambda path: workspace.read(path))]


def search_tool(search: Callable[[str], str]) -> Tool:
    """`search_handbook(query)`: the handbook's RAG index; `search` maps a query to passages (chapter 9)."""
    return Tool("search_handbook", "Search The GenAI Engineering Handbook; returns the best passages.",
                _object(query={"type": "string", "description": "a few keywords"}),
                lambda query: search(query))
