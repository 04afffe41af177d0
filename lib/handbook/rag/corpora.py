"""A larger real corpus that every machine already has: the Python standard library's docstrings.

`stdlib_docs()` reads the source files of a fixed list of standard-library
modules with `ast` (nothing is imported or executed), and writes one
Markdown file per module under `config.home()/corpora/stdlib-<python>/`: a
`#` heading with the module's docstring, then a `##` section per public
function, class and method with its docstring. With `summary_only=True`
(the default) only the first paragraph of each docstring is kept, which
makes short passages that embed about ten times faster than long chunks.
The folder is written whole or not at all (`handbook.files.atomic_folder`), and reused
when it is already complete. It is gathered at run time and never committed:
its text depends on the local Python version.

Deliberately left out: C modules without Python source (`math`, `itertools`),
private names, and the library reference manual (not installed everywhere).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import sys
from pathlib import Path

from .. import config
from ..files import atomic_folder

# Pure-Python modules most programmers have met; each has a docstring on most public names.
STDLIB_MODULES = (
    "argparse", "base64", "bisect", "calendar", "collections", "configparser", "contextlib", "copy", "csv",
    "dataclasses", "datetime", "difflib", "enum", "fnmatch", "fractions", "functools", "getpass", "glob",
    "gzip", "heapq", "hmac", "html", "ipaddress", "json", "logging", "ntpath", "pathlib", "pprint",
    "queue", "random", "secrets", "shlex", "shutil", "statistics", "string", "subprocess", "tarfile",
    "tempfile", "textwrap", "threading", "timeit", "tomllib", "traceback", "urllib.parse", "uuid",
    "warnings", "zipfile",
)


def _first_paragraph(doc: str) -> str:
    return doc.strip().split("\n\n")[0].strip()


def _module_markdown(name: str, source: str, summary_only: bool) -> str:
    tree = ast.parse(source)
    pick = _first_paragraph if summary_only else str.strip
    out = [f"# {name}\n", pick(ast.get_docstring(tree) or f"The {name} module.") + "\n"]

    def visit(nodes, prefix: str) -> None:
        for node in nodes:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if node.name.startswith("_"):
                continue
            doc = ast.get_docstring(node)
            if doc and doc.strip():
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                out.append(f"## {prefix}{node.name} ({kind})\n")
                out.append(pick(doc) + "\n")
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, f"{name}.")
    return "\n".join(out)


def _source(name: str) -> str | None:
    spec = importlib.util.find_spec(name)
    origin = getattr(spec, "origin", None)
    if not origin or not origin.endswith(".py"):
        return None
    return Path(origin).read_text(encoding="utf-8")


def stdlib_docs(dest: str | Path | None = None, modules: tuple[str, ...] = STDLIB_MODULES,
                summary_only: bool = True) -> Path:
    """Write (once) and return a folder of Markdown files of stdlib docstrings (chapter 3)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    tag = "summaries" if summary_only else "full"
    if tuple(modules) != STDLIB_MODULES:  # another selection gets its own folder
        tag += "-" + hashlib.sha256(" ".join(modules).encode()).hexdigest()[:8]
    dest = Path(dest) if dest else config.home() / "corpora" / f"stdlib-{version}-{tag}"
    manifest = {"python": sys.version.split()[0], "modules": list(modules), "summary_only": summary_only}
    marker = dest / "manifest.json"
    if marker.exists() and json.loads(marker.read_text()) == manifest:
        return dest
    with atomic_folder(dest) as tmp:
        for name in modules:
            source = _source(name)
            if source is not None:
                (tmp / f"{name}.md").write_text(_module_markdown(name, source, summary_only), encoding="utf-8")
        (tmp / "manifest.json").write_text(json.dumps(manifest))
    return dest
