"""Redact personal data and secrets from text before it reaches a prompt, a trace or a log.

`redact(text)` replaces each finding with its kind in angle brackets; `find(text)` returns
the findings as `Span`s. Patterns are checked, not merely matched: a card number must pass
the Luhn check, an IBAN the ISO 13616 mod-97 check, an IP address must parse with
`ipaddress`, so "order 4111 1111 1111 1112" and "version 1.2.3.4.5" stay as they are.

    >>> redact("Mail ana@example.org, card 4111 1111 1111 1111")
    'Mail <EMAIL>, card <CARD>'

and an OpenAI key (`sk-` and 20 or more letters, digits, `-` or `_`) becomes `<API_KEY>`.

Kinds: EMAIL, PHONE (international `+` numbers, and national numbers of 9 to 12 digits written
with separators), IBAN, CARD, IPV4, IPV6, API_KEY (OpenAI `sk-`, AWS `AKIA`, GitHub `ghp_`/
`github_pat_`, Slack `xox?-`, Google `AIza`, and `Bearer` tokens).

Deliberately left out: names, addresses and other free-text personal data (they need a
named-entity model, chapter 8 compares one), national ID numbers, and any network or model
call. The module imports only `re`, `ipaddress` and `logging`, so a tracer or a logger can
call it on every line; `RedactFilter` is the logging side (`handbook serve` installs it on its
log handlers).
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import dataclass

__all__ = ["KINDS", "Span", "find", "redact", "luhn_ok", "iban_ok", "RedactFilter"]


@dataclass(frozen=True)
class Span:
    """One finding: its kind, where it is (`text[start:end]`) and the matched text (chapter 8)."""

    kind: str
    start: int
    end: int
    text: str


def luhn_ok(digits: str) -> bool:
    """True when a card number (digits only) passes the Luhn check (chapter 8)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    """True when an IBAN (spaces allowed) passes the ISO 13616 mod-97 check (chapter 8)."""
    s = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", s):
        return False
    moved = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


_API_KEY = re.compile(
    r"\b(?:sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}"
    r"|github_pat_[A-Za-z0-9_]{22,}|xox[abposr]-[A-Za-z0-9\-]{10,}|AIza[0-9A-Za-z_\-]{35})"
    r"|(?<=Bearer )[A-Za-z0-9._\-]{20,}")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_CARD = re.compile(r"(?<![\d.\-])\d(?:[ \-]?\d){12,18}(?![\d\-]|[.,]\d)")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_PHONE = re.compile(r"(?<![\w+])(?<![A-Za-z]-)(?:\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)[ .\-]?)?\d{1,4}(?:[ .\-]?\d{2,4}){1,4}"
                    r"|\(?\d{2,4}\)?[ .\-]\d{2,4}(?:[ .\-]\d{2,4}){1,3})(?![\w])")

KINDS = ("API_KEY", "EMAIL", "IBAN", "CARD", "IPV6", "IPV4", "PHONE")


def _ipv4(s: str) -> bool:
    try:
        ipaddress.IPv4Address(s)
    except ValueError:
        return False
    return True


def _ipv6(s: str) -> bool:
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return False
    return s.count(":") >= 2 and any(c.isalnum() for c in s)


def _phone(s: str) -> bool:
    digits = re.sub(r"\D", "", s)
    return (s.startswith("+") and 8 <= len(digits) <= 15) or 9 <= len(digits) <= 12


_CHECKS = {
    "API_KEY": (_API_KEY, lambda s: True),
    "EMAIL": (_EMAIL, lambda s: True),
    "IBAN": (_IBAN, iban_ok),
    "CARD": (_CARD, lambda s: 13 <= len(re.sub(r"\D", "", s)) <= 19 and luhn_ok(re.sub(r"\D", "", s))),
    "IPV6": (_IPV6, _ipv6),
    "IPV4": (_IPV4, _ipv4),
    "PHONE": (_PHONE, _phone),
}


def find(text: str, kinds: tuple[str, ...] = KINDS) -> list[Span]:
    """The checked findings in `text`, in order, never overlapping; earlier kinds win (chapter 8)."""
    taken: list[Span] = []
    for kind in kinds:
        pattern, check = _CHECKS[kind]
        for m in pattern.finditer(text):
            s, e = m.span()
            if check(m.group()) and not any(s < t.end and t.start < e for t in taken):
                taken.append(Span(kind, s, e, m.group()))
    return sorted(taken, key=lambda t: t.start)


def redact(text: str, kinds: tuple[str, ...] = KINDS) -> str:
    """`text` with each finding replaced by `<KIND>`; safe to call on every trace and log line (chapter 8)."""
    if not text:
        return text
    out, last = [], 0
    for span in find(text, kinds):
        out.append(text[last:span.start])
        out.append(f"<{span.kind}>")
        last = span.end
    out.append(text[last:])
    return "".join(out)


def redact_messages(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    """Chat messages with every `content` redacted, roles kept: redaction applied to a prompt (chapter 8)."""
    return [{**m, "content": redact(m.get("content") or "")} for m in messages]


class RedactFilter(logging.Filter):
    """A logging filter that redacts each record's formatted message before any handler writes it (chapter 8).

        handler.addFilter(RedactFilter())
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True
