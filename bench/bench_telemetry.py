"""Tracing overhead per chat call (chapter 4): the span, its attributes, metrics and the span file.

Runs the client's full path with a hook answering (no model) with tracing on
and with OTEL_SDK_DISABLED=true, each in a fresh process, and divides the
difference by the latency of a short real call to the local server (3 calls).
Goal: overhead <= 2 % of a local chat call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

N = 2000
CHILD = r"""
import json, sys, time
from handbook.llm import client
from handbook.records import Reply, Usage
client.ensure_running = lambda cfg=None: None
class H:
    def before(self, r): return Reply("hi", Usage(40, 8), 0.0, r.model, "stop", r.prompt_ref, r.prompt_hash)
    def after(self, *a): pass
msgs = [{"role": "user", "content": "Capital of France? One word."}]
with client.use(H()):
    for _ in range(50): client.chat(msgs)
    t = time.perf_counter()
    for _ in range(__N__): client.chat(msgs, prompt_ref="bench@1")
print(json.dumps((time.perf_counter() - t) / __N__))
""".replace("__N__", str(N))


def per_call(disabled: bool) -> float:
    env = {**os.environ, "HANDBOOK_TRACE": os.path.join(tempfile.mkdtemp(), "spans.jsonl")}
    if disabled:
        env["OTEL_SDK_DISABLED"] = "true"
    return json.loads(subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True,
                                     check=True).stdout)


def local_call_s() -> float:
    from handbook.llm import client

    times = [client.chat([{"role": "user", "content": "Capital of France? One word."}], max_tokens=8).latency_s
             for _ in range(3)]
    return sorted(times)[1]


if __name__ == "__main__":
    on, off = per_call(False), per_call(True)
    call = local_call_s()
    over = on - off
    print(f"| measure | value |\n|---|---|\n| client path, tracing off | {off * 1e6:.0f} us |\n"
          f"| client path, tracing on (span file) | {on * 1e6:.0f} us |\n| overhead per call | {over * 1e6:.0f} us |\n"
          f"| local chat call (median of 3, 8 tokens) | {call * 1e3:.0f} ms |\n"
          f"| overhead / local call | {100 * over / call:.3f} % (goal <= 2 %) |")
