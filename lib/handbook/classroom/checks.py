"""One check runner for every preflight: a record per check, one report, one verdict.

A check is a function that returns `(status, detail, fix)`, where status is
`ok`, `warn`, `skip` or `FAIL`. `run_checks(checks)` runs them in order and
times each; an exception becomes a `FAIL` that carries the exception's own
fix, so a preflight reports and never crashes. `report()` prints one line a
check, the fix after every warning and failure, and a last line a helper can
read across the room:

    ok    python              3.11.7
    FAIL  free disk           0.4 GB free in /root/.cache/genai-handbook  -> fix: free 2 GB or set HANDBOOK_HOME elsewhere
    NOT READY: 1 of 2 checks failed (free disk); fix them or show this screen to a helper

`handbook doctor` (this machine: `classroom.doctor`) and `handbook doctor
--workshop` (a learner in a class: `classroom.workshop`) both use it.

Deliberately left out: repairing anything, running checks in parallel, and
machine-readable output beyond the records themselves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

OK, WARN, FAIL, SKIP = "ok", "warn", "FAIL", "skip"
CheckFn = Callable[[], tuple[str, str, str]]


@dataclass(frozen=True)
class Check:
    """One check's outcome: status ok, warn, skip or FAIL, what it saw, and the fix (chapter 1)."""

    name: str
    status: str
    detail: str
    fix: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status != FAIL


def passed(ok: bool) -> str:
    """`ok` or `FAIL` for a yes/no check (chapter 1)."""
    return OK if ok else FAIL


def run_checks(checks: Mapping[str, CheckFn], names: list[str] | None = None, *,
               default_fix: str = "see the message; `make setup` fixes most problems") -> list[Check]:
    """Run the named checks (default: all) in order; an exception is a FAIL carrying its fix (chapter 1)."""
    results = []
    for name in names or list(checks):
        start = time.perf_counter()
        try:
            status, detail, fix = checks[name]()
        except Exception as exc:  # a preflight reports, it does not crash
            status, detail = FAIL, f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"
            fix = getattr(exc, "fix", None) or default_fix
        detail = " ".join(str(detail).split())  # one line, whatever the message held
        results.append(Check(name, status, detail, "" if status == OK else fix, time.perf_counter() - start))
    return results


def report(results: list[Check]) -> str:
    """One line per check (warnings and failures end with `-> fix: ...`), then READY or NOT READY (chapter 1)."""
    width = max([len(c.name) for c in results] + [16]) + 2
    lines = []
    for c in results:
        line = f"{c.status:4s}  {c.name:{width}s}{c.detail}"
        lines.append(line + (f"  -> fix: {c.fix}" if c.fix and c.status in (FAIL, WARN) else ""))
    failed = [c.name for c in results if c.status == FAIL]
    if failed:
        lines.append(f"NOT READY: {len(failed)} of {len(results)} checks failed ({', '.join(failed)}); "
                     "fix them or show this screen to a helper")
    else:
        lines.append(f"READY: {len(results)} checks, none failed")
    return "\n".join(lines)
