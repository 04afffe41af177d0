"""A locust load test of `handbook serve` (chapter 7): simulated readers asking the index questions.

Each user asks one of a few questions (a JSON answer, or now and then a streamed one) and thinks
for 1 to 3 s before the next. A refusal for load (503 from load shedding, 429 from the rate limit)
is recorded as a failure named by its status, so the table separates "too slow" from "refused".
The key comes from HANDBOOK_SERVE_API_KEY, as for the app itself.

Run it through `bench/bench_locust.py`, which starts the app and bounds the run; by hand:

    HANDBOOK_SERVE_API_KEY=... locust -f bench/locustfile.py --headless -u 4 -r 1 -t 60s \
        --host http://127.0.0.1:8000 --csv /tmp/serve

Loopback only: never point a load test at a server you do not run.
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

QUESTIONS = ["What is a chunk?", "What is hybrid retrieval?", "Why retrieve at all?",
             "How does reranking work?", "What does chunk overlap do?"]


class Reader(HttpUser):
    """One reader: asks, reads the answer, thinks, asks again."""

    wait_time = between(1, 3)

    def on_start(self):
        self.headers = {"Authorization": f"Bearer {os.environ.get('HANDBOOK_SERVE_API_KEY', '')}"}
        self.rng = random.Random(hash(id(self)))

    def _ask(self, stream: bool, name: str):
        body = {"question": self.rng.choice(QUESTIONS), "k": 2, "stream": stream}
        with self.client.post("/v1/ask", json=body, headers=self.headers, name=name, catch_response=True,
                              timeout=180) as r:
            if r.status_code == 200 and (not stream or "event: done" in r.text):
                r.success()
            elif r.status_code in (429, 503, 504):
                r.failure(f"{r.status_code} {r.json().get('error', '')[:60]}")
            else:
                r.failure(f"unexpected {r.status_code}")

    @task(4)
    def ask(self):
        self._ask(False, "POST /v1/ask")

    @task(1)
    def ask_streamed(self):
        self._ask(True, "POST /v1/ask stream")
