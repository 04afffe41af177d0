"""Budgets as client hooks, driven without a model: refused before sending, charged after (chapter 5)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from calls import GPT4O_IN, GPT4O_OUT, MSGS, reply, req

from handbook.cost.budget import Budget
from handbook.errors import BudgetError, BudgetExceeded
from handbook.records import Reply, Usage

WORST = 9 * GPT4O_IN + 100 * GPT4O_OUT  # the bound for req(): 9 input + 100 output tokens


@pytest.mark.parametrize(("limit", "allowed"), [
    (WORST, True),  # exactly at the limit: allowed
    (WORST - GPT4O_OUT, False),  # one output token short: refused
    (WORST - GPT4O_IN, False),  # one input token short: refused
    (WORST + GPT4O_IN, True),
])
def test_budget_edges(limit, allowed):
    b = Budget(limit)
    if allowed:
        assert b.before(req()) is None
    else:
        with pytest.raises(BudgetExceeded, match="only \\$0.00"):
            b.before(req())
        assert b.refused == 1


def test_budget_charges_actual_usage_and_refuses_before_overspending():
    b = Budget(WORST * 2)
    for _ in range(2):
        b.before(req())
        b.after(req(), reply(), None)
    assert b.spent == WORST * 2 and b.remaining == 0 and b.calls == 2
    with pytest.raises(BudgetExceeded) as err:
        b.before(req())
    assert "lower max_tokens" in err.value.fix
    # a smaller reply than the bound is charged at what it really cost
    b2 = Budget(1)
    b2.after(req(), reply(completion=10), None)
    assert b2.spent == 9 * GPT4O_IN + 10 * GPT4O_OUT


@pytest.mark.parametrize("limit", [0, -1, "-0.01", "abc", float("inf"), float("nan")])
def test_bad_limits(limit):
    with pytest.raises(BudgetError):
        Budget(limit)


def test_budget_ignores_cache_hits_and_errors():
    b = Budget(1)
    b.after(req(), Reply("x", Usage(9, 100), 0.0, "gpt-4o", cached=True), None)
    b.after(req(), None, RuntimeError("boom"))
    assert b.spent == 0 and b.calls == 0


def test_budget_alerts_once():
    alerts = []
    b = Budget(WORST * 2, alert_at=0.5, on_alert=alerts.append)
    for _ in range(2):
        b.after(req(), reply(), None)
    assert len(alerts) == 1 and "(50%)" in alerts[0]


def test_local_model_is_free_unless_priced_as():
    local = req(model="qwen2.5-coder-1.5b-instruct")
    b = Budget("0.000001")
    b.after(local, reply(prompt=1000, completion=1000), None)
    assert b.spent == 0
    shadow = Budget(1, price_as="gpt-4o")
    shadow.after(local, reply(prompt=1000, completion=1000), None)
    assert shadow.spent == Decimal("0.0125")


def test_student_budget_persists_across_a_lab(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDBOOK_HOME", str(tmp_path))
    first = Budget.for_student("alice", "lab5", WORST * 3 / 2)
    first.after(req(), reply(), None)
    again = Budget.for_student("alice", "lab5", WORST * 3 / 2)  # e.g. after a kernel restart
    assert again.spent == WORST and again.calls == 1
    with pytest.raises(BudgetExceeded, match="alice@lab5"):
        again.before(req())
    state = json.loads((tmp_path / "budgets" / "lab5" / "alice.json").read_text())
    assert state["refused"] == 1
    assert Budget.for_student("bob", "lab5", 1).spent == 0
    with pytest.raises(BudgetError, match="student"):
        Budget.for_student("../etc", "lab5", 1)
    (tmp_path / "budgets" / "lab5" / "carol.json").write_text("{broken")
    with pytest.raises(BudgetError, match="damaged"):
        Budget.for_student("carol", "lab5", 1)


@pytest.mark.parametrize(("model", "output_bound"), [
    ("gpt-4o", 100),        # the caller's max_tokens
    ("gpt-5-mini", 356),    # plus the family's 256 tokens of headroom for hidden reasoning
])
def test_the_worst_case_includes_reasoning_headroom(model, output_bound):
    from handbook.cost.estimates import estimate

    worst = estimate(list(MSGS), model, output_bound).usd_exact
    assert Budget(worst).before(req(100, model=model)) is None  # exactly the limit: allowed
    with pytest.raises(BudgetExceeded):
        Budget(worst - Decimal("0.000001")).before(req(100, model=model))
