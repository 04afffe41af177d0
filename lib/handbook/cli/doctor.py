"""`handbook doctor`: preflight checks with a one-line verdict each (`--workshop`: the classroom set)."""

from __future__ import annotations

from ..classroom import doctor, workshop
from ..classroom.checks import report
from ..errors import ConfigError


def register(sub) -> None:
    p = sub.add_parser("doctor", help="check that this machine can run every lab; prints the fix for each failure",
                       description="Preflight checks. With --workshop: the classroom set an instructor asks everyone "
                       "to run first (endpoint, key, model, budget, kernel), one line each, then READY or NOT READY.")
    p.add_argument("--workshop", action="store_true",
                   help="classroom preflight: also checks OPENAI_BASE_URL, the key, the model and the per-student budget")
    names = list(dict.fromkeys([*doctor.CHECKS, *workshop.CHECKS]))
    p.add_argument("--only", action="append", choices=names, metavar="CHECK",
                   help=f"run only this check (repeatable): {', '.join(names)}")
    p.set_defaults(func=_run)


def _run(args) -> int:
    checks = workshop.CHECKS if args.workshop else doctor.CHECKS
    unknown = [n for n in args.only or [] if n not in checks]
    if unknown:
        mode = "doctor --workshop" if args.workshop else "doctor"
        raise ConfigError(f"`{mode}` has no check {', '.join(map(repr, unknown))}.",
                           f"choose from: {', '.join(checks)}")
    results = (workshop if args.workshop else doctor).run_checks(args.only)
    print(report(results))
    return 0 if all(c.ok for c in results) else 1
