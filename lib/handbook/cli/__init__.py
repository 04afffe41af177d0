"""The `handbook` command: a thin layer over the library's modules.

Each topic keeps its subcommands in its own file in this package and exposes
`register(subparsers)`; `COMMANDS` lists them. Errors the library raises on
purpose (`HandbookError`) print as one message plus its fix, without a
traceback, and exit with status 2.

Deliberately left out: plugins, shell completion, config files.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import HandbookError

# Topic modules, in the order `handbook --help` lists them.
COMMANDS = ("llm", "doctor", "prompts", "rag", "db", "evaluate", "cost", "finetune", "serve", "redteam", "agent",
            "mcp")


# Subcommands registered by a module of another name; every other module registers its own name.
OWNER = {"index": "rag", "search": "rag", "ask": "rag", "tokens": "cost", "prices": "cost", "eval": "evaluate",
         "trace": "evaluate"}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or with `only` one topic module's subcommands (a fast start: no other imports)."""
    parser = argparse.ArgumentParser(
        prog="handbook",
        description="Tools of The GenAI Engineering Handbook: the local LLM server, preflight checks, "
        "prompts, RAG indexes, evaluation, tokens and cost.",
        epilog="Run `handbook COMMAND --help` for details. Settings come from environment variables "
        "(OPENAI_BASE_URL, OPENAI_API_KEY, HANDBOOK_MODEL, HANDBOOK_PORT, HANDBOOK_HOME).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        if only is None or name == only:
            importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    owner = OWNER.get(argv[0], argv[0]) if argv else None
    args = build_parser(owner if owner in COMMANDS else None).parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HandbookError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.fix:
            print(f"  fix: {exc.fix}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
