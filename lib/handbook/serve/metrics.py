"""What the app counts, in the Prometheus text format that `GET /metrics` serves.

One `Metrics` object per app holds its own `prometheus_client` registry (so
two apps in one process, as in the tests, never share counters):

* `handbook_requests_total{route, status}`: every answered request;
* `handbook_request_seconds{route}`: a latency histogram (buckets from 50 ms
  to 2 minutes, since an LLM answer takes seconds, not milliseconds), from
  which Prometheus computes p50/p95 with `histogram_quantile`;
* `handbook_tokens_total{kind}`: prompt and completion tokens spent;
* `handbook_errors_total{kind}`: refusals and failures by cause (auth,
  rate_limit, shed, too_large, invalid, down, overloaded, slow, rejected, internal);
* `handbook_model_retries_total{kind}`: retries and fallbacks to the smaller model;
* `handbook_inflight`: requests in progress now.

    m = Metrics(); m.observe("/v1/ask", 200, 1.3); b"handbook_requests_total" in m.render()[0] -> True

Deliberately left out: per-key labels (a label per user grows without bound
and names users), exemplars and OpenTelemetry metrics (chapter 4 configures
OpenTelemetry for traces).
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from ..records import Usage

BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0)
disable_created_metrics()  # no *_created series: they double the output and teach nothing here
ERROR_KINDS = ("auth", "rate_limit", "shed", "too_large", "invalid", "down", "overloaded", "slow", "rejected",
               "internal")


class Metrics:
    """The app's counters, histogram and gauge in one registry (chapter 7)."""

    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("handbook_requests", "Requests answered, by route and status.",
                                ["route", "status"], registry=r)
        self.latency = Histogram("handbook_request_seconds", "Time to answer a request, by route.", ["route"],
                                 buckets=BUCKETS, registry=r)
        self.tokens = Counter("handbook_tokens", "Model tokens spent, by kind.", ["kind"], registry=r)
        self.errors = Counter("handbook_errors", "Refused or failed requests, by cause.", ["kind"], registry=r)
        self.retries = Counter("handbook_model_retries", "Model calls retried or sent to the fallback model.",
                               ["kind"], registry=r)
        self.inflight = Gauge("handbook_inflight", "Requests in progress.", registry=r)
        for kind in ERROR_KINDS:  # every series exists from the start, at 0, so dashboards see it
            self.errors.labels(kind)
        for kind in ("prompt", "completion"):
            self.tokens.labels(kind)
        for kind in ("retry", "fallback"):
            self.retries.labels(kind)

    def observe(self, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency (chapter 7)."""
        self.requests.labels(route, str(status)).inc()
        self.latency.labels(route).observe(seconds)

    def spent(self, usage: Usage) -> None:
        """Add one answer's tokens (chapter 7)."""
        self.tokens.labels("prompt").inc(usage.prompt_tokens)
        self.tokens.labels("completion").inc(usage.completion_tokens)

    def error(self, kind: str) -> None:
        self.errors.labels(kind if kind in ERROR_KINDS else "internal").inc()

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type, for `GET /metrics` (chapter 7)."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
