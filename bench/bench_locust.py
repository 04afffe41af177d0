"""Load-test `handbook serve` with locust (chapter 7), on loopback, bounded in users and time.

Starts `handbook serve` (a child process, `handbook.serve.process.AppProcess`) over an index of
data/corpus/03-rag.md against the configured model server, runs locust headless in its own
process (`bench/locustfile.py`) with a few users for a fixed time, and prints locust's figures
per request kind: requests, failures, p50/p95 latency and requests per second, plus the failures
by cause. Two scenarios by default:

* `queue`: the app's defaults (4 at once in the pipeline, 16 waiting): every request is answered,
  latency grows with the queue in front of the single-slot model server;
* `shed`: `--max-active 1 --max-waiting 1`: the app refuses what it cannot start soon (503),
  so the requests it accepts keep a short latency.

Run (on a quiet machine; about 2.5 minutes):
    python bench/bench_locust.py [--users 4] [--run-time 60]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from handbook.rag import chunk, load_documents
from handbook.rag.index import build as build_index
from handbook.serve.process import AppProcess

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-locust"
SCENARIOS = {"queue": (), "shed": ("--max-active", "1", "--max-waiting", "1")}


def run_locust(url: str, users: int, spawn_rate: float, run_time: int, out: Path) -> None:
    """locust headless in its own process, stopped after `run_time` s (plus 30 s for answers in flight)."""
    cmd = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
           "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{run_time}s",
           "--stop-timeout", "30", "--host", url, "--csv", str(out), "--only-summary",
           "--loglevel", "WARNING"]
    env = {**os.environ, "HANDBOOK_SERVE_API_KEY": KEY}
    with open(f"{out}.log", "w") as log:  # locust's own summary, kept out of the table
        done = subprocess.run(cmd, env=env, check=False, timeout=run_time + 90, stdout=log, stderr=log)
    if not Path(f"{out}_stats.csv").exists():
        raise SystemExit(f"locust exited with {done.returncode} and wrote no stats; see {out}.log")


def rows(out: Path) -> list[dict]:
    with open(f"{out}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


def failures(out: Path) -> list[dict]:
    with open(f"{out}_failures.csv", newline="") as f:
        return list(csv.DictReader(f))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--spawn-rate", type=float, default=1.0)
    parser.add_argument("--run-time", type=int, default=60, help="seconds per scenario")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), action="append")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-locust-"))
    build_index(chunk(load_documents([str(ROOT / "data/corpus/03-rag.md")]), 200, 40)).save(work / "ix")
    print(f"locust: {args.users} users, spawn rate {args.spawn_rate:g}/s, {args.run_time} s per scenario, "
          f"loopback; answers capped at 48 tokens")
    head = f"{'scenario':8s} {'request':22s} {'requests':>8s} {'failures':>8s} {'p50 s':>7s} {'p95 s':>7s} {'rps':>6s}"
    lines, causes = [head], []
    for name in args.scenario or ["queue", "shed"]:
        extra = ("--rate", "100000", "--burst", "1000", "--max-tokens", "48", *SCENARIOS[name])
        with AppProcess(work / "ix", (KEY,), *extra) as app:
            run_locust(app.url, args.users, args.spawn_rate, args.run_time, work / name)
        for r in rows(work / name):
            p50, p95 = (r["50%"], r["95%"])
            fmt = lambda v: f"{int(v) / 1000:7.2f}" if v not in ("N/A", "") else f"{'-':>7s}"  # noqa: E731
            lines.append(f"{name:8s} {r['Name'] or r['Type']:22s} {int(r['Request Count']):8d} "
                         f"{int(r['Failure Count']):8d} {fmt(p50)} {fmt(p95)} {float(r['Requests/s']):6.2f}")
        causes += [f"{name:8s} {f['Occurrences']:>4s} x {f['Name']}: {f['Error']}" for f in failures(work / name)]
    print("\n".join(lines))
    print("failures by cause:" if causes else "no failures")
    print("\n".join(causes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
