"""A spending limit as a client hook: it refuses a call *before* it is sent if it could overspend.

Install it with `with client.use(Budget(0.05)): ...`. Before each call the
budget prices the worst case (exact prompt tokens plus `max_tokens` of output, plus a reasoning
model's headroom for hidden reasoning, from `llm.families`)
and raises `BudgetExceeded` if what is already spent plus that bound would go
over the limit; a call that lands exactly on the limit is allowed. After each
call it adds what the reply actually cost. Cache hits cost nothing.

Local models are free per token, so `price_as="gpt-4o-mini"` bills local calls
at an API model's rates: a classroom can practise spending discipline on the
local server. `Budget.for_student(...)` keeps one student's spending for a whole
lab in a small JSON file (written atomically), so it survives kernel restarts.

Deliberately left out: locking for concurrent writers to one student file,
time windows (per day or month), and currency other than US dollars.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .. import config
from ..errors import BudgetError, BudgetExceeded
from ..files import atomic_write
from ..llm.families import request_params
from ..records import Reply, Request
from .estimates import estimate
from .pricing import usd_exact


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


class Budget:
    """A hard dollar limit checked before every call, with one alert at `alert_at` of the limit (chapter 5)."""

    def __init__(self, limit_usd: float | str | Decimal, *, price_as: str | None = None, path: str | Path | None = None,
                 name: str = "budget", alert_at: float = 0.8, on_alert: Callable[[str], None] = _stderr):
        try:
            limit = Decimal(str(limit_usd))
        except InvalidOperation as exc:
            raise BudgetError(f"Budget limit {limit_usd!r} is not a number.", "pass dollars, e.g. Budget(0.05)") from exc
        if not limit.is_finite() or limit <= 0:
            raise BudgetError(f"Budget limit must be a positive amount of dollars, got {limit_usd!r}.",
                              "pass a limit above zero, e.g. Budget(0.05); to forbid all calls, do not make them")
        if not 0 < alert_at <= 1:
            raise BudgetError(f"alert_at must be in (0, 1], got {alert_at}.", "e.g. alert_at=0.8 alerts at 80%")
        self.limit, self.price_as, self.name = limit, price_as, name
        self.alert_at, self.on_alert = Decimal(str(alert_at)), on_alert
        self.path = Path(path) if path else None
        self.spent, self.calls, self.refused, self.alerted = Decimal(0), 0, 0, False
        if self.path and self.path.exists():
            try:
                state = json.loads(self.path.read_text())
                self.spent, self.calls, self.refused = Decimal(state["spent_usd"]), state["calls"], state["refused"]
            except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
                raise BudgetError(f"The budget file {self.path} is damaged: {exc}",
                                  "delete it to start this budget again from $0") from exc
            self.alerted = self.spent >= self.limit * self.alert_at

    @classmethod
    def for_student(cls, student: str, lab: str, limit_usd: float, *, root: str | Path | None = None,
                    **kwargs) -> Budget:
        """One student's budget for a whole lab, kept under `root` (default HANDBOOK_HOME/budgets/) (chapter 5)."""
        for label, value in (("student", student), ("lab", lab)):
            if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", value or ""):
                raise BudgetError(f"{label} {value!r} must be 1-64 letters, digits, '.', '_' or '-'.",
                                  "use an id such as 'alice' or 'lab5'")
        path = Path(root or config.home() / "budgets") / lab / f"{student}.json"
        return cls(limit_usd, path=path, name=f"{student}@{lab}", **kwargs)

    @property
    def remaining(self) -> Decimal:
        return self.limit - self.spent

    def before(self, request: Request) -> Reply | None:
        # The worst case is the limit the endpoint will see: a reasoning model's includes its headroom.
        sent = request_params(request.model, dict(request.params))
        limit = sent.get("max_completion_tokens", sent.get("max_tokens"))
        bound = estimate(request.messages, request.model, int(limit or 0), price_as=self.price_as)
        if self.spent + bound.usd_exact > self.limit:
            self.refused += 1
            self._save()
            raise BudgetExceeded(
                f"Budget {self.name!r} refused a call to {request.model}: it could cost up to ${bound.usd_exact:.6f} "
                f"({bound.input_tokens} input + up to {bound.output_tokens} output tokens), but only "
                f"${self.remaining:.6f} of ${self.limit} is left (${self.spent:.6f} spent over {self.calls} calls).",
                "lower max_tokens, shorten the prompt, use a cheaper model, or raise the limit")
        return None

    def after(self, request: Request, reply: Reply | None, error: BaseException | None) -> None:
        if reply is None or reply.cached:
            return
        self.spent += usd_exact(request.model, reply.usage, price_as=self.price_as)
        self.calls += 1
        if not self.alerted and self.spent >= self.limit * self.alert_at:
            self.alerted = True
            self.on_alert(f"budget {self.name!r}: ${self.spent:.6f} of ${self.limit} spent "
                          f"({float(self.spent / self.limit):.0%})")
        self._save()

    def _save(self) -> None:
        if self.path:
            atomic_write(self.path, json.dumps({"name": self.name, "limit_usd": str(self.limit),
                                                "spent_usd": str(self.spent), "calls": self.calls,
                                                "refused": self.refused}, indent=1))

    def __repr__(self) -> str:
        return f"Budget({self.name!r}, spent=${self.spent:.6f} of ${self.limit}, calls={self.calls}, refused={self.refused})"
