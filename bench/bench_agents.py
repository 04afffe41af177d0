"""Measure the chapter 9 agent on the local model and save the results as JSON (chapter 9).

Three measurements, each one locked run of a few minutes, each written to data/agent-results/:

* `calls`: the tool-call validity of one model call per prompt of data/agent-calls.jsonl, per
  calling mode (`native`: `tools=[...]`, native `tool_calls` or a call parsed from the text;
  `schema`: the JSON-schema/grammar-constrained step), before and after one retry.
* `tasks`: the task set data/agent-tasks.jsonl with tools or `--no-tools`: success, steps,
  tokens, dollars at a named price, wall time per task, failure class.
* `rag`: the same tasks answered by one RAG call (`rag.ask`, top 4 hybrid passages), the
  single-call alternative to an agent.

Run: `python bench/bench_agents.py calls --mode schema`
     `python bench/bench_agents.py tasks [--no-tools] [--mode schema] [--ids math-01,file-01]`
     `python bench/bench_agents.py rag [--ids book-01,...]`
     `python bench/bench_agents.py merge --parts tasks-tools-schema-a,tasks-tools-schema-b --name tasks-tools-schema`
Prints a table; the JSON keeps every row. Timings are only meaningful on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from handbook import config, files
from handbook.agents import Toolbox, Workspace, calculator_tool, file_tools, search_tool
from handbook.agents.evaluation import call_validity, evaluate, load_tasks, refine, succeeded
from handbook.cli.agent import CORPUS, _search
from handbook.cost.pricing import usd
from handbook.records import Usage

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "agent-results"
PRICE_AS = "gpt-4o-mini"


def _box(search: bool = True) -> tuple[Toolbox, Workspace]:
    ws = Workspace(ROOT / "data" / "workspace" / "files")
    tools = [calculator_tool(), *file_tools(ws)]
    if search:
        tools.append(search_tool(_search()))
    return Toolbox(tools), ws


def _meta(extra: dict) -> dict:
    s = config.settings()
    return {"model": s.model, "base_url": s.base_url, "date": time.strftime("%Y-%m-%d", time.gmtime()),
            "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores", **extra}


def _save(name: str, data: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    files.atomic_write(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    return path


def _calls(args) -> None:
    prompts = files.read_jsonl(ROOT / "data" / "agent-calls.jsonl")
    box = Toolbox(_box(search=False)[0].tools + [search_tool(lambda q: "")])  # calls are graded, not run
    start = time.perf_counter()
    report = call_validity(prompts, box, mode=args.mode, retries=args.retries)
    report = _meta({"wall_s": round(time.perf_counter() - start, 1), **report})
    print(f"{'mode':8s} {'n':>3s} {'native':>6s} {'when':6s} {'called':>7s} {'valid':>6s} {'tool':>6s} {'args':>6s}")
    for when in ("first", "final"):
        print(f"{args.mode:8s} {report['n']:3d} {report['native_tool_calls']:6d} {when:6s} "
              + " ".join(f"{report[f'{when}_{k}']:6.0%}" for k in ("called", "valid", "right_tool", "right_arguments")))
    print("saved", _save(f"calls-{args.mode}", report))


def _tasks(args) -> None:
    tasks = load_tasks(ROOT / "data" / "agent-tasks.jsonl")
    if args.ids:
        tasks = [t for t in tasks if t["id"] in args.ids.split(",")]
    box, ws = (Toolbox([]), None) if args.no_tools else _box()
    start = time.perf_counter()
    report = evaluate(tasks, box, max_steps=args.max_steps, mode=args.mode, price_as=PRICE_AS)
    report = _meta({"tools": not args.no_tools, "mode": args.mode, "max_steps": args.max_steps,
                    "wall_s": round(time.perf_counter() - start, 1), **report})
    if ws is not None:
        report["refused_paths"], report["files_read"] = ws.refused, sorted(set(ws.reads))
    for r in report["results"]:
        print(f"{r['id']:8s} {'ok' if r['success'] else 'NO':2s} steps={r['steps']} calls={r['tool_calls']} "
              f"tok={r['prompt_tokens'] + r['completion_tokens']:5d} {r['wall_s']:5.1f}s {r['failure'] or ''}")
    print(f"success {report['success_rate']:.0%}  wall {report['wall_s']} s")
    print("saved", _save(args.name or ("tasks-no-tools" if args.no_tools else f"tasks-tools-{args.mode}"), report))


def _rag(args) -> None:
    from handbook import rag

    tasks = load_tasks(ROOT / "data" / "agent-tasks.jsonl")
    if args.ids:
        tasks = [t for t in tasks if t["id"] in args.ids.split(",")]
    index = rag.build_index(rag.chunk(rag.load_documents(CORPUS)))
    rows, start = [], time.perf_counter()
    for t in tasks:
        t0 = time.perf_counter()
        a = rag.ask(t["task"], index, 4, mode="hybrid")
        u = Usage(a.usage.prompt_tokens, a.usage.completion_tokens)
        rows.append({"id": t["id"], "answer": a.text, "success": succeeded(a.text, t["expected"]), "steps": 1,
                     "prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens,
                     "usd": round(usd(PRICE_AS, u), 8), "wall_s": round(time.perf_counter() - t0, 2)})
        print(f"{t['id']:8s} {'ok' if rows[-1]['success'] else 'NO':2s} tok={u.total_tokens:5d} {a.text[:60]!r}")
    report = _meta({"price_as": PRICE_AS, "wall_s": round(time.perf_counter() - start, 1),
                    "success_rate": round(sum(r["success"] for r in rows) / len(rows), 4), "results": rows})
    print("saved", _save(args.name or "tasks-rag", report))


def _merge(args) -> None:
    """One report from parts run as separate locked runs (each under ~12 minutes)."""
    parts = [json.loads((OUT / f"{name}.json").read_text()) for name in args.parts.split(",")]
    merged = {**parts[0], "parts": args.parts.split(","), "wall_s": round(sum(p["wall_s"] for p in parts), 1),
              "results": [r for p in parts for r in p["results"]]}
    for r in merged["results"]:  # parts run before `no_tool_call` existed: the same rule, from the row
        r["failure"] = refine(r["failure"], r["tool_calls"], merged.get("tools", True))
    merged["success_rate"] = round(sum(r["success"] for r in merged["results"]) / len(merged["results"]), 4)
    for key in ("refused_paths", "files_read"):
        if key in parts[0]:
            merged[key] = sorted({x for p in parts for x in p.get(key, [])})
    print(f"{len(merged['results'])} tasks, success {merged['success_rate']:.0%}")
    print("saved", _save(args.name, merged))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("calls")
    c.add_argument("--mode", default="schema", choices=("native", "schema"))
    c.add_argument("--retries", type=int, default=1)
    t = sub.add_parser("tasks")
    t.add_argument("--no-tools", action="store_true")
    t.add_argument("--mode", default="schema", choices=("native", "schema"))
    t.add_argument("--max-steps", type=int, default=6)
    r = sub.add_parser("rag")
    for p in (t, r):
        p.add_argument("--ids", default="", help="comma list of task ids (default: all)")
        p.add_argument("--name", default="", help="file name under data/agent-results/ (no .json)")
    m = sub.add_parser("merge", help="join parts: merge --parts a,b --name whole")
    m.add_argument("--parts", required=True)
    m.add_argument("--name", required=True)
    args = ap.parse_args()
    {"calls": _calls, "tasks": _tasks, "rag": _rag, "merge": _merge}[args.what](args)


if __name__ == "__main__":
    main()
