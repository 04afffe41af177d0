"""The price table against genai-prices, and exact pricing of Usage."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from genai_prices import Usage as GUsage
from genai_prices import calc_price

from handbook import cost
from handbook.client import Usage

API_ROWS = [p for p in cost.prices() if not p.local]
N = 1000  # below every long-context tier threshold, so genai-prices answers with the base tier


def _genai(p: cost.Price, **usage) -> Decimal:
    when = datetime.fromisoformat(p.as_of).replace(tzinfo=UTC)
    calc = calc_price(GUsage(**usage), model_ref=p.model, provider_id=p.provider, genai_request_timestamp=when)
    assert calc.model.id == p.model, f"genai-prices matched {p.model} to {calc.model.id}"
    return calc.total_price * 1000  # $ for N tokens -> $ per 1M tokens


@pytest.mark.parametrize("row", API_ROWS, ids=[p.model for p in API_ROWS])
def test_table_agrees_with_genai_prices(row):
    theirs = {
        "input": _genai(row, input_tokens=N),
        "cached_input": _genai(row, input_tokens=N, cache_read_tokens=N),
        "output": _genai(row, output_tokens=N),
    }
    ours = {"input": row.input, "cached_input": row.input if row.cached_input is None else row.cached_input,
            "output": row.output}
    for field in ours:
        assert ours[field] == theirs[field], (
            f"{row.model} {field}: prices.csv says ${ours[field]}/1M (as of {row.as_of}), "
            f"genai-prices says ${theirs[field]}/1M")


def test_rows_are_dated_and_sourced():
    for p in cost.prices():
        datetime.fromisoformat(p.as_of)
        assert p.source
    tiered = [p.model for p in cost.prices() if "base tier" in p.note]
    assert {"claude-sonnet-4-5", "gpt-5.4"} <= set(tiered)


@pytest.mark.parametrize(("model", "usage", "expected"), [
    ("gpt-4o", Usage(1000, 500, 200), "0.00725"),  # 800 x 2.50 + 200 x 1.25 + 500 x 10.00, per 1M
    ("gpt-4o-mini", Usage(1_000_000, 0), "0.15"),
    ("gpt-3.5-turbo", Usage(1000, 0, 1000), "0.0005"),  # no cached discount: cached billed as input
    ("claude-sonnet-4-5", Usage(0, 1_000_000), "15"),
    ("qwen2.5-coder-1.5b-instruct", Usage(5000, 5000), "0"),
    ("smollm2-135m-instruct", Usage(5000, 5000), "0"),
])
def test_usd(model, usage, expected):
    assert cost.usd_exact(model, usage) == Decimal(expected)
    assert cost.usd(model, usage) == float(Decimal(expected))


def test_price_as_bills_local_usage_at_api_rates():
    assert cost.usd("qwen2.5-coder-1.5b-instruct", Usage(1_000_000, 0), price_as="gpt-4o") == 2.5


def test_dated_snapshot_falls_back():
    assert cost.price("gpt-4o-2024-08-06").model == "gpt-4o"


def test_unknown_model_suggests():
    with pytest.raises(cost.PriceError, match="Did you mean gpt-4o"):
        cost.price("gpt4o")


@pytest.mark.parametrize(("body", "match"), [
    ("provider,model,input,cached_input,output,as_of,source\nopenai,x,1,,2,2026-01-01,\n", "lacks source"),
    ("provider,model,input,cached_input,output,as_of,source\nopenai,x,,,2,2026-01-01,s\n", "lacks input"),
    ("provider,model,input,cached_input,output,as_of,source\nopenai,x,-1,,2,2026-01-01,s\n", ">= 0"),
    ("provider,model,input,cached_input,output,as_of,source\nopenai,x,abc,,2,2026-01-01,s\n", "not a number"),
    ("provider,model,input,cached_input,output,as_of,source\nopenai,x,1,,2,2026-01-01,s\nopenai,x,1,,2,2026-01-01,s\n",
     "repeats"),
])
def test_malformed_price_table(tmp_path, body, match):
    path = tmp_path / "prices.csv"
    path.write_text(body)
    with pytest.raises(cost.PriceError, match=match):
        cost.load_prices(path)


def test_estimate_is_an_upper_bound():
    est = cost.estimate(input_tokens=1000, model="gpt-4o", max_tokens=100)
    assert est.usd_exact == Decimal("0.0035")
    with pytest.raises(cost.PriceError, match=">= 0"):
        cost.estimate(input_tokens=-1, model="gpt-4o")
    with pytest.raises(cost.PriceError, match="needs messages"):
        cost.estimate(model="gpt-4o")


def test_hardware_usd():
    # 170 prompt tokens at 170 tok/s + 36 output tokens at 36 tok/s = 2 s; at $3.60/h that is $0.002.
    assert cost.hardware_usd("qwen2.5-coder-1.5b-instruct", Usage(170, 36), 3.6) == pytest.approx(0.002)
    assert cost.hardware_usd("qwen2.5-coder-1.5b-instruct", Usage(170, 36), 3.6, utilisation=0.5) == pytest.approx(0.004)
    with pytest.raises(cost.PriceError):
        cost.hardware_usd("qwen2.5-coder-1.5b-instruct", Usage(1, 1), 1.0, utilisation=0)
