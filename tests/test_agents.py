"""Tools and agents (chapter 9): safe arithmetic, the workspace under attack, tool validation,
parsing calls from text, and the agent loop against a recording fake OpenAI-compatible server
that returns native `tool_calls` (pure logic; the local model is measured in the lab)."""

from __future__ import annotations

import http.server
import json
import os
import threading

import pytest

from handbook.agents import (
    Toolbox,
    Workspace,
    calculate,
    calculator_tool,
    check_arguments,
    choice_schema,
    file_tools,
    parse_text_calls,
    run_agent,
)
from handbook.agents.tools import Tool
from handbook.errors import ToolError


@pytest.mark.parametrize("expr, value", [
    ("12 * (3 + 4) / 2", 42), ("2 ** 10 - 1_000", 24), ("1,200 * 3", 3600), ("0.1 + 0.2", 0.3),
    ("-7 // 2", -4), ("10 % 4", 2), ("1200 * 0.15", 180),
])
def test_calculator_matches_python(expr, value):
    assert calculate(expr) == value


@pytest.mark.parametrize("expr", ["__import__('os')", "open('x')", "a + 1", "9 ** 9 ** 9", "1 / 0", "", "[1, 2]",
                                  "(lambda: 1)()", "1 if 1 else 2"])
def test_calculator_refuses_everything_else(expr):
    with pytest.raises(ToolError):
        calculate(expr)


@pytest.fixture
def ws(tmp_path):
    root = tmp_path / "ws"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "a.txt").write_text("inside")
    (tmp_path / "secret.txt").write_text("SECRET")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    os.symlink(tmp_path, root / "up")
    return Workspace(root)


def test_workspace_reads_inside(ws):
    assert ws.read("notes/a.txt") == "inside"
    assert ws.list(".") == "notes/a.txt"  # the symlinks out are not listed


@pytest.mark.parametrize("attack", ["/etc/passwd", "../secret.txt", "notes/../../secret.txt", "link.txt",
                                    "up/secret.txt", "~/.ssh/id_rsa", "C:\\Windows\\win.ini", "..\\secret.txt",
                                    "notes/\x00", ""])
def test_workspace_refuses_every_way_out(ws, attack):
    with pytest.raises(ToolError):
        ws.read(attack)
    assert ws.reads == [] and ws.refused


def test_toolbox_validates_and_reports_errors_as_results(ws):
    box = Toolbox([calculator_tool(), *file_tools(ws)])
    assert box.run("calculator", {"expression": "6 * 7"}).output == "42"
    assert box.run("calculator", {"expr": "6 * 7"}).kind == "bad_arguments"
    assert box.run("rm", {}).kind == "unknown_tool"
    assert box.run("read_file", {"path": "../secret.txt"}).kind == "error"
    assert box.run("calculator", {"expression": "1/0"}).kind == "error"


def test_acting_tools_need_approval():
    done = []
    send = Tool("send_email", "Send an email.", {"type": "object", "properties": {"to": {"type": "string"}},
                                                 "required": ["to"]}, lambda to: done.append(to) or "sent", acts=True)
    assert Toolbox([send]).run("send_email", {"to": "x"}).kind == "denied"
    assert Toolbox([send], approve=lambda name, args: args["to"] == "ok").run("send_email", {"to": "ok"}).ok
    assert done == ["ok"]


def test_slow_tool_times_out():
    import time
    slow = Tool("slow", "", {"type": "object"}, lambda: time.sleep(2), acts=False)
    assert Toolbox([slow], timeout_s=0.1).run("slow", {}).kind == "timeout"


@pytest.mark.parametrize("text, name, args", [
    ('<tool_call>\n{"name": "calculator", "arguments": {"expression": "2+2"}}\n</tool_call>', "calculator",
     {"expression": "2+2"}),
    ('Sure:\n```json\n{"name": "read_file", "arguments": {"path": "a.txt"}}\n```', "read_file", {"path": "a.txt"}),
    ('{"tool": "calculator", "arguments": {"expression": "1"}}', "calculator", {"expression": "1"}),
])
def test_calls_written_in_text_are_parsed(text, name, args):
    (call,) = parse_text_calls(text)
    assert call.name == name and json.loads(call.arguments) == args


def test_plain_answers_are_not_calls():
    assert parse_text_calls("The answer is 42.") == []


def test_choice_schema_accepts_calls_and_answers_only():
    import jsonschema
    schema = choice_schema(Toolbox([calculator_tool()]))
    jsonschema.validate({"tool": "calculator", "arguments": {"expression": "1"}}, schema)
    jsonschema.validate({"answer": "42"}, schema)
    for bad in ({"tool": "rm", "arguments": {}}, {"tool": "calculator", "arguments": {"x": 1}}, {"foo": 1}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    assert check_arguments(calculator_tool(), {"expression": 3}) is not None


# ------------------------------------------------------------------ the loop against a fake endpoint
class _Fake:
    def __init__(self):
        self.bodies, self.replies = [], []


def _handler(state: _Fake):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.bodies.append(body)
            message = state.replies.pop(0)
            out = json.dumps({"id": "x", "created": 0, "model": body["model"], "object": "chat.completion",
                              "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60},
                              "choices": [{"index": 0, "finish_reason": "stop",
                                           "message": {"role": "assistant", **message}}]})
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out.encode())

    return Handler


@pytest.fixture
def fake(monkeypatch):
    state = _Fake()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
    monkeypatch.setenv("HANDBOOK_MODEL", "gpt-4o-mini")
    yield state
    server.shutdown()
    server.server_close()


def _call(expr):
    return {"content": None, "tool_calls": [{"id": "call_1", "type": "function",
                                             "function": {"name": "calculator",
                                                          "arguments": json.dumps({"expression": expr})}}]}


def test_native_tool_calls_run_and_return_as_tool_messages(fake):
    fake.replies = [_call("17 * 23"), {"content": "391"}]
    run = run_agent("17 * 23?", Toolbox([calculator_tool()]))
    assert (run.answer, run.stop_reason, run.tool_calls, run.valid_tool_calls) == ("391", "answered", 1, 1)
    first, second = fake.bodies
    assert first["tools"][0]["function"]["name"] == "calculator" and first["tool_choice"] == "auto"
    assert "response_format" not in first
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": "call_1", "content": "391"}
    assert second["messages"][-2]["tool_calls"][0]["id"] == "call_1"
    assert run.usage.total_tokens == 120


def test_tool_errors_go_back_to_the_model_and_the_step_limit_stops(fake):
    fake.replies = [_call("1/0"), _call("1/0")]
    run = run_agent("?", Toolbox([calculator_tool()]), max_steps=2)
    assert run.stop_reason == "max_steps" and run.answer == ""
    assert fake.bodies[1]["messages"][-1]["content"].startswith("ERROR: Division by zero")


def test_budget_stops_the_run(fake):
    from handbook.cost import Budget
    fake.replies = [_call("1+1"), _call("1+1"), _call("1+1")]
    run = run_agent("?", Toolbox([calculator_tool()]), max_steps=3,
                    budget=Budget(0.00003, price_as="gpt-4o-mini", on_alert=lambda m: None))
    assert run.stop_reason == "budget" and len(run.steps) < 3


# ------------------------------------------------------------------ MCP, with the SDK's own client
def test_mcp_server_over_stdio_with_the_sdk_client(tmp_path):
    import asyncio
    import sys

    from mcp import ClientSession, StdioServerParameters, stdio_client

    from handbook.agents.mcp import mcp_tools

    (tmp_path / "a.txt").write_text("hello")
    (tmp_path.parent / "outside.txt").write_text("no")
    command = [sys.executable, "-c", "import sys; from handbook.cli import main; sys.exit(main())", "mcp", "--no-search", "--workspace", str(tmp_path)]

    async def check():
        params = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            names = sorted(t.name for t in (await session.list_tools()).tools)
            result = await session.call_tool("calculator", {"expression": "6 * 7"})
            return names, result.content[0].text

    names, text = asyncio.run(check())
    assert names == ["calculator", "list_files", "read_file"] and text == "42"
    box = Toolbox(mcp_tools(command), timeout_s=120)  # the agent's adapter: any MCP server's tools as Tools
    assert not any(t.acts for t in box.tools)
    assert box.run("read_file", {"path": "a.txt"}).output == "hello"
    assert not box.run("read_file", {"path": "../outside.txt"}).ok


def test_an_invalid_call_is_retried_with_the_validators_message(fake):
    bad = {"content": None, "tool_calls": [{"id": "call_0", "type": "function",
                                            "function": {"name": "calculator", "arguments": '{"expr": "2+2"}'}}]}
    fake.replies = [bad, _call("2+2"), {"content": "4"}]
    run = run_agent("2+2?", Toolbox([calculator_tool()]), retries=1)
    assert (run.answer, run.tool_calls, run.valid_tool_calls, run.steps[0].attempts) == ("4", 1, 1, 2)
    assert "Bad arguments for calculator" in fake.bodies[1]["messages"][-1]["content"]
    assert run.usage.total_tokens == 180  # the retry is paid for


def test_a_token_allowance_stops_the_run(fake):
    fake.replies = [_call("1+1"), _call("1+1"), _call("1+1")]
    run = run_agent("?", Toolbox([calculator_tool()]), max_steps=3, max_total_tokens=100)
    assert run.stop_reason == "budget" and len(run.steps) == 2


def test_a_parsed_call_is_told_to_answer_in_words(fake):
    fake.replies = [{"content": '```json\n{"name": "calculator", "arguments": {"expression": "6*7"}}\n```'},
                    {"content": "42"}]
    run = run_agent("6*7?", Toolbox([calculator_tool()]), mode="native")
    assert run.answer == "42" and run.steps[0].source == "parsed"
    assert "plain words" in fake.bodies[1]["messages"][-1]["content"]


def test_failure_classes_from_the_steps():
    from handbook.agents.evaluation import failure, refine
    from handbook.agents.loop import Run, Step
    from handbook.agents.tools import ToolResult

    assert failure(Run("t", answer="42", stop_reason="answered"), True) is None
    assert failure(Run("t", answer="41", stop_reason="answered"), False) == "no_tool_call"
    assert failure(Run("t", answer="41", stop_reason="answered"), False, tools=False) == "wrong_answer"
    bad = Step("schema", "", [ToolResult("calculator", {}, False, "x", "bad_arguments")])
    assert failure(Run("t", answer="", stop_reason="max_steps", steps=[bad]), False) == "bad_arguments"
    used = Step("schema", "", [ToolResult("calculator", {}, True, "2")])
    assert failure(Run("t", answer="", stop_reason="max_steps", steps=[used]), False) == "loop"
    assert failure(Run("t", answer="3", stop_reason="answered", steps=[used]), False) == "wrong_answer"
    assert refine("wrong_answer", 0, True) == "no_tool_call" and refine("loop", 0, True) == "loop"
