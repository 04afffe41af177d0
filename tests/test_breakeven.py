"""handbook.cost.breakeven: a rented machine's dollars per 1M tokens by utilisation, against an API (chapter 5)."""

from __future__ import annotations

import pytest

from handbook.cost import breakeven
from handbook.errors import PriceError
from handbook.records import Usage

BOX = breakeven.Machine("test box", 3.60, 100.0, 10.0, "made up")  # $0.001 per busy second


@pytest.mark.parametrize(("usage", "seconds", "usd_per_million"), [
    (Usage(100, 0), 1.0, 10.0),  # 1 s for 100 tokens: $0.001 / 100 tokens = $10 per 1M
    (Usage(0, 10), 1.0, 100.0),  # replies are ten times slower here, so ten times dearer
    (Usage(500, 200), 25.0, 25.0 / 700 * 1000),
])
def test_machine_cost_follows_from_speed_and_price(usage, seconds, usd_per_million):
    assert breakeven.seconds_per_request(BOX, usage) == pytest.approx(seconds)
    assert breakeven.machine_usd_per_million(BOX, usage) == pytest.approx(usd_per_million)


@pytest.mark.parametrize("utilisation", [1.0, 0.5, 0.25, 0.01])
def test_idle_hours_are_paid_for(utilisation):
    full = breakeven.machine_usd_per_million(BOX, Usage(500, 200))
    assert breakeven.machine_usd_per_million(BOX, Usage(500, 200), utilisation) == pytest.approx(full / utilisation)


@pytest.mark.parametrize(("model", "usage", "expected"), [
    ("gpt-5-mini", Usage(500, 200), (500 * 0.25 + 200 * 2.00) / 700),  # $ per 1M tokens of this mix
    ("gpt-5-nano", Usage(1_000_000, 0), 0.05),
    ("claude-sonnet-4-5", Usage(0, 1000), 15.0),
])
def test_api_price_per_million_tokens(model, usage, expected):
    assert breakeven.api_usd_per_million(model, usage) == pytest.approx(expected)


@pytest.mark.parametrize("model", ["gpt-5-nano", "gpt-5-mini", "claude-haiku-4-5", "gpt-5.4"])
def test_break_even_is_where_the_curves_meet(model):
    shape = Usage(500, 200)
    for machine in breakeven.MACHINES.values():
        u = breakeven.break_even_utilisation(machine, model, shape)
        if u <= 1:
            assert breakeven.machine_usd_per_million(machine, shape, u) == pytest.approx(
                breakeven.api_usd_per_million(model, shape))
        else:  # never pays: even a machine busy every hour costs more than the API
            assert breakeven.machine_usd_per_million(machine, shape) > breakeven.api_usd_per_million(model, shape)


def test_chapter_figures():
    laptop, shape = breakeven.MACHINES["laptop"], Usage(500, 200)
    assert breakeven.seconds_per_request(laptop, shape) == pytest.approx(500 / 170 + 200 / 36)
    assert breakeven.machine_usd_per_million(laptop, shape, 0.25) == pytest.approx(1.35, abs=0.005)
    assert breakeven.break_even_utilisation(laptop, "gpt-5-nano", shape) > 1  # the laptop never beats nano
    assert breakeven.break_even_utilisation(breakeven.MACHINES["h100"], "gpt-5-nano", shape) < 1
    assert breakeven.break_even_utilisation(laptop, "qwen2.5-coder-1.5b-instruct", shape) == float("inf")


@pytest.mark.parametrize(("call", "match"), [
    (lambda: breakeven.machine_usd_per_million(BOX, Usage(1, 1), 0), "utilisation"),
    (lambda: breakeven.machine_usd_per_million(BOX, Usage(1, 1), 1.5), "utilisation"),
    (lambda: breakeven.seconds_per_request(BOX, Usage(0, 0)), "needs some tokens"),
    (lambda: breakeven.local_machine("gpt-4o", 1.0), "No measured throughput"),
])
def test_bad_input_raises(call, match):
    with pytest.raises(PriceError, match=match):
        call()
