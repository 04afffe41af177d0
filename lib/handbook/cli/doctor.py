"""`handbook doctor`: preflight checks with a one-line verdict each."""

from __future__ import annotations

from .. import doctor


def register(sub) -> None:
    p = sub.add_parser("doctor", help="check that this machine can run every lab; prints the fix for each failure")
    p.add_argument("--only", action="append", choices=list(doctor.CHECKS), metavar="CHECK",
                   help=f"run only this check (repeatable): {', '.join(doctor.CHECKS)}")
    p.set_defaults(func=_run)


def _run(args) -> int:
    results = doctor.run_checks(args.only)
    print(doctor.report(results))
    return 0 if all(c.ok for c in results) else 1
