"""`handbook prompts ...`: list, show and render the versioned prompt templates."""

from __future__ import annotations

import json

from ..prompts import templates as prompts


def register(sub) -> None:
    p = sub.add_parser("prompts", help="list, show or render versioned prompt templates",
                       description="Prompt templates live in prompts/<name>/v<N>.yaml. Refer to one as "
                       "NAME@VERSION; plain NAME means the latest version.")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    verbs.add_parser("list", help="one line per prompt: name, versions, latest description").set_defaults(func=_list)
    s = verbs.add_parser("show", help="print a template: versions, hash, variables, text")
    s.add_argument("ref", metavar="NAME[@VERSION]")
    s.set_defaults(func=_show)
    r = verbs.add_parser("render", help="fill a template and print the chat messages it produces",
                         epilog="example: handbook prompts render ticket-triage@1 --var ticket='My parcel is late'")
    r.add_argument("ref", metavar="NAME[@VERSION]")
    r.add_argument("--var", action="append", default=[], metavar="KEY=VALUE", type=_pair,
                   help="a template variable; repeat for each one")
    r.add_argument("--json", action="store_true", help="print the messages as JSON (as sent to the API)")
    r.set_defaults(func=_render)


def _pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        import argparse

        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _list(args) -> int:
    for name, versions in sorted(prompts.registry().items()):
        latest = versions[max(versions)]
        tags = ",".join(f"v{v}" for v in sorted(versions))
        print(f"{name:24s} {tags:8s} {latest.sha256[:12]}  {latest.description}")
    return 0


def _show(args) -> int:
    t = prompts.get(args.ref)
    versions = sorted(prompts.registry()[t.name])
    print(f"{t.ref}  (versions: {', '.join(f'{t.name}@{v}' for v in versions)})")
    print(f"sha256: {t.sha256}\nfile: {t.path}\ndescription: {t.description}")
    print(f"variables: {', '.join(t.variables) or '-'}\nexamples: {len(t.examples)}")
    print(f"--- system\n{t.system}")
    for i, (user, assistant) in enumerate(t.examples, 1):
        print(f"--- example {i} user\n{user}\n--- example {i} assistant\n{assistant}")
    print(f"--- user\n{t.user}")
    return 0


def _render(args) -> int:
    rendered = prompts.render(args.ref, **dict(args.var))
    if args.json:
        print(json.dumps({"ref": rendered.ref, "sha256": rendered.sha256, "messages": rendered.messages}, indent=2))
        return 0
    print(f"# {rendered.ref}  sha256 {rendered.short_hash}")
    for m in rendered.messages:
        print(f"--- {m['role']}\n{m['content']}")
    return 0
