"""`handbook agent run` and `handbook agent ask`: the chapter 9 agent over a workspace, from the shell."""

from __future__ import annotations

import json
from pathlib import Path

from ..agents import Toolbox, Workspace, calculator_tool, file_tools, run_agent, search_tool
from ..agents.evaluation import evaluate, load_tasks
from ..errors import HandbookError

KINDS = ("calculator", "files", "search")
CORPUS = Path(__file__).resolve().parents[3] / "data" / "corpus"


def register(sub) -> None:
    a = sub.add_parser("agent", help="run the tool-using agent (chapter 9)",
                       description="Run the agent loop with tools over a workspace folder.")
    verbs = a.add_subparsers(dest="verb", metavar="VERB", required=True)
    r = verbs.add_parser("run", help="run a task file and score it",
                         description="Each JSONL line has id, task, expected; success = expected appears "
                         "in the answer (case-insensitive, thousands separators ignored).")
    r.add_argument("--tasks", required=True, help="JSONL task file")
    r.add_argument("--json", action="store_true", help="print the JSON report")
    q = verbs.add_parser("ask", help="one task, printing each step")
    q.add_argument("task", help="the task text")
    for p in (r, q):
        p.add_argument("--workspace", required=True, help="folder the file tools may read")
        g = p.add_mutually_exclusive_group()
        g.add_argument("--tools", default="calculator,files,search", help="comma list of calculator,files,search")
        g.add_argument("--no-tools", action="store_true", help="the same model answering directly (baseline)")
        p.add_argument("--max-steps", type=int, default=6, help="step limit per task (default 6)")
        p.add_argument("--mode", default="auto", choices=("auto", "native", "schema"),
                       help="how tool calls are obtained (default: schema on the local server, native elsewhere)")
    r.set_defaults(func=_run)
    q.set_defaults(func=_ask)


def _search():
    from .. import rag

    state = {}

    def search(query: str) -> str:
        if "index" not in state:
            state["index"] = rag.build_index(rag.chunk(rag.load_documents(CORPUS)))
        hits = rag.retrieve(state["index"], query, 3, "hybrid")
        return "\n\n".join(f"[{h.source}] {h.text[:600]}" for h in hits)

    return search


def toolbox(args) -> tuple[Toolbox, Workspace]:
    if args.max_steps < 1:
        raise HandbookError(f"--max-steps must be at least 1, got {args.max_steps}.", "e.g. --max-steps 6")
    ws = Workspace(args.workspace)
    if args.no_tools:
        return Toolbox([]), ws
    kinds = [k.strip() for k in args.tools.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise HandbookError(f"Unknown tools {unknown or args.tools!r}.", f"choose from {','.join(KINDS)}")
    tools = []
    if "calculator" in kinds:
        tools.append(calculator_tool())
    if "files" in kinds:
        tools += file_tools(ws)
    if "search" in kinds:
        tools.append(search_tool(_search()))
    return Toolbox(tools), ws


def _run(args) -> int:
    tasks = load_tasks(args.tasks)
    box, ws = toolbox(args)
    report = evaluate(tasks, box, max_steps=args.max_steps, mode=args.mode)
    report["refused_paths"] = ws.refused
    report["files_read"] = sorted(set(ws.reads))
    if args.json:
        print(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        for r in report["results"]:
            print(f"{r['id']:10s} {'ok ' if r['success'] else 'NO '} steps={r['steps']} calls={r['tool_calls']} "
                  f"{r['failure'] or ''}  {r['answer'][:60]!r}")
        print(f"success rate {report['success_rate']:.0%}")
    return 0


def _ask(args) -> int:
    box, _ = toolbox(args)
    run = run_agent(args.task, box, max_steps=args.max_steps, mode=args.mode)
    for n, step in enumerate(run.steps, 1):
        print(f"step {n} [{step.source}] {step.text[:300]}")
        for res in step.results:
            print(f"  -> {res.name}({json.dumps(res.arguments)}) {res.kind}: {res.output[:200]}")
    print(f"stop: {run.stop_reason}; tokens {run.usage.total_tokens}\nanswer: {run.answer}")
    return 0
