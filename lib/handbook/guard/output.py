"""Improper output handling (OWASP LLM05): model output rendered unsafely, and the safe way.

Model output is untrusted input to whatever comes next. Each sink has an unsafe function,
the one a hurried developer writes, and a safe one:

    sink       unsafe                           safe
    HTML       f"<p>{text}</p>"                 html.escape, then the fixed tags
    Markdown   text as is (links, images)       raw HTML escaped; links and images only to
                                                allow-listed hosts
    SQL        f"... WHERE name = '{text}'"     a parameterised query (`?` placeholders)
    shell      subprocess(f"... {text}", shell)  argv from an allow-list, no shell (`shlex`)

    >>> render_html_safe('<img src=x onerror=alert(1)>')
    '<p>&lt;img src=x onerror=alert(1)&gt;</p>'

The unsafe versions exist so tests (and lab 8) can show the payload getting through; never
use them. Deliberately left out: a full HTML sanitiser (use `nh3` or `bleach` when you must
keep some markup), and Content-Security-Policy headers, which chapter 7's app would set.
"""

from __future__ import annotations

import html
import re
import shlex
import sqlite3
from urllib.parse import urlparse

from ..errors import UnsafeOutputError

_URL = re.compile(r"(?:https?://|www\.)[^\s)\]>\"'`]+", re.I)
_MD_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")


def links(text: str) -> list[str]:
    """Every URL in `text`, bare or inside Markdown links and images, in order (chapter 8)."""
    found = [m.group(3) for m in _MD_LINK.finditer(text)] + _URL.findall(text)
    return list(dict.fromkeys(u.rstrip(".,;") for u in found if u))


def link_allowed(url: str, allowed_hosts: tuple[str, ...] = ()) -> bool:
    """True when `url` is http(s) on an allowed host or a subdomain of one (chapter 8)."""
    parsed = urlparse(url if "://" in url else f"https://{url}")
    host = (parsed.hostname or "").lower()
    return parsed.scheme in ("http", "https") and any(host == h or host.endswith("." + h) for h in allowed_hosts)


def render_html_unsafe(text: str) -> str:
    """UNSAFE: model text pasted into HTML as is; a `<script>` in it runs (chapter 8)."""
    return f"<p>{text}</p>"


def render_html_safe(text: str) -> str:
    """Model text escaped into a paragraph: markup in it is shown, never run (chapter 8)."""
    return f"<p>{html.escape(text)}</p>"


def render_markdown_unsafe(text: str) -> str:
    """UNSAFE: Markdown passed through; an image URL leaks data when the page loads it (chapter 8)."""
    return text


def render_markdown_safe(text: str, allowed_hosts: tuple[str, ...] = ()) -> str:
    """Markdown with raw HTML escaped and links and images to hosts off the allow-list reduced to their text (chapter 8).

    Most Markdown renderers pass raw HTML through, so `<img onerror=...>` in a reply would run;
    escaping `<`, `>` and `&` shows it as text instead.
    """
    text = html.escape(text, quote=False)

    def keep(m: re.Match) -> str:
        bang, label, url = m.groups()
        if link_allowed(url, allowed_hosts):
            return m.group(0)
        return "" if bang else label

    text = _MD_LINK.sub(keep, text)
    return _URL.sub(lambda m: m.group(0) if link_allowed(m.group(0), allowed_hosts) else "[link removed]", text)


def find_unsafe(db: sqlite3.Connection, name: str) -> list[tuple]:
    """UNSAFE: a model-chosen name formatted into SQL; `x' OR '1'='1` returns every row (chapter 8)."""
    return db.execute(f"SELECT id, name FROM customers WHERE name = '{name}'").fetchall()  # noqa: S608


def find_safe(db: sqlite3.Connection, name: str) -> list[tuple]:
    """The same lookup as a parameterised query: the name is a value, never SQL (chapter 8)."""
    return db.execute("SELECT id, name FROM customers WHERE name = ?", (name,)).fetchall()


def shell_unsafe(command: str) -> str:
    """UNSAFE: the command line a model wrote, as a shell would get it (`; rm -rf ~` included) (chapter 8)."""
    return command


ALLOWED_COMMANDS = {"ls": {"-l", "-a"}, "wc": {"-l", "-w"}, "grep": {"-i", "-n", "-c"}}


def shell_safe(command: str, allowed: dict[str, set[str]] | None = None) -> list[str]:
    """An argv list for `subprocess.run(argv, shell=False)`, or `UnsafeOutputError` (chapter 8).

    The program must be on the allow-list, flags must be allowed for it, and no argument may
    contain shell metacharacters or start with `/` or `..` (no absolute paths, no escaping
    the working folder).
    """
    allowed = ALLOWED_COMMANDS if allowed is None else allowed
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UnsafeOutputError(f"Cannot parse the command {command!r}: {exc}.", "write one simple command") from exc
    if not argv or argv[0] not in allowed:
        raise UnsafeOutputError(f"Program {argv[0] if argv else '(none)'!r} is not on the allow-list.",
                                f"use one of: {', '.join(sorted(allowed))}")
    for arg in argv[1:]:
        if arg.startswith("-") and arg not in allowed[argv[0]]:
            raise UnsafeOutputError(f"Flag {arg!r} is not allowed for {argv[0]}.", "drop the flag")
        if re.search(r"[;&|`$<>(){}\\\n*?]", arg) or arg.startswith(("/", "..", "~")):
            raise UnsafeOutputError(f"Argument {arg!r} contains shell syntax or leaves the folder.",
                                    "pass plain relative file names only")
    return argv
