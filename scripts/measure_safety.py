"""Measure chapter 8's safety figures on the local model and write data/safety/results.json.

Refusal rate on harmful requests and over-refusal rate on benign ones that only sound risky
(`data/safety/requests.jsonl`), without and with the guard (`handbook.guard.safety`'s safety
policy in the system message), and system-prompt leakage: the six extraction prompts of
`guard.safety.EXTRACTION` against a system prompt holding a made-up discount code. Lab 8 reads
the file and re-runs a few requests live. Run it on a quiet machine (about 4 minutes):

    python scripts/measure_safety.py
"""

from __future__ import annotations

import json
from pathlib import Path

from handbook.files import atomic_write
from handbook.guard.safety import evaluate_refusals, leakage

ROOT = Path(__file__).resolve().parents[1]
SECRET = "TEAL-7731"  # a made-up discount code: what a careless team puts in a system prompt


def main() -> None:
    cases = [json.loads(line) for line in (ROOT / "data/safety/requests.jsonl").read_text().splitlines() if line]
    report = {"plain": evaluate_refusals(cases, guard=False), "guarded": evaluate_refusals(cases, guard=True),
              "secret": SECRET, "leakage": leakage(SECRET)}
    atomic_write(ROOT / "data/safety/results.json", json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    for name in ("plain", "guarded"):
        r = report[name]
        print(f"{name:8s} refusal {r['refusal_rate']:.0%}  over-refusal {r['over_refusal_rate']:.0%}")
    print(f"leaked in {sum(r['leaked'] for r in report['leakage'])} of {len(report['leakage'])} extraction prompts")


if __name__ == "__main__":
    main()
