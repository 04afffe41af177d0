"""handbook.pricing.pricing: the price table against genai-prices, exact pricing of Usage, and the price policy."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from genai_prices import Usage as GUsage
from genai_prices import calc_price

from handbook.cost import pricing
from handbook.errors import PriceError
from handbook.records import Usage

API_ROWS = [p for p in pricing.prices() if not p.local]
N = 1000  # below every long-context tier threshold, so genai-prices answers with the base tier


def _genai(p: pricing.Price, **usage) -> Decimal:
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
    for p in pricing.prices():
        datetime.fromisoformat(p.as_of)
        assert p.source
    tiered = [p.model for p in pricing.prices() if "base tier" in p.note]
    assert {"claude-sonnet-4-5", "gpt-5.4"} <= set(tiered)


@pytest.mark.parametrize(("model", "usage", "expected"), [
    ("gpt-4o", Usage(1000, 500, 200), "0.00725"),  # 800 x 2.50 + 200 x 1.25 + 500 x 10.00, per 1M
    ("gpt-5.4", Usage(1000, 500, 200), "0.00955"),  # chapter 5's example: 800 x 2.50 + 200 x 0.25 + 500 x 15.00
    ("gpt-4o-mini", Usage(1_000_000, 0), "0.15"),
    ("gpt-3.5-turbo", Usage(1000, 0, 1000), "0.0005"),  # no cached discount: cached billed as input
    ("claude-sonnet-4-5", Usage(0, 1_000_000), "15"),
    ("qwen2.5-coder-1.5b-instruct", Usage(5000, 5000), "0"),
    ("smollm2-135m-instruct", Usage(5000, 5000), "0"),
])
def test_usd(model, usage, expected):
    assert pricing.usd_exact(model, usage) == Decimal(expected)
    assert pricing.usd(model, usage) == float(Decimal(expected))


def test_price_as_bills_local_usage_at_api_rates():
    assert pricing.usd("qwen2.5-coder-1.5b-instruct", Usage(1_000_000, 0), price_as="gpt-4o") == 2.5


def test_dated_snapshot_falls_back():
    assert pricing.price("gpt-4o-2024-08-06").model == "gpt-4o"


def test_unknown_model_suggests():
    with pytest.raises(PriceError, match="Did you mean gpt-4o"):
        pricing.price("gpt4o")


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
    with pytest.raises(PriceError, match=match):
        pricing.load_prices(path)


def test_recording_an_unknown_price_gives_none_never_zero():
    assert pricing.usd_or_none("gpt-4o-mini", Usage(1_000_000, 0)) == 0.15
    assert pricing.usd_or_none("llama3.2:1b", Usage(1000, 1000)) is None
    assert pricing.usd_or_none("qwen2.5-coder-1.5b-instruct", Usage(1, 1), price_as="no-such-model") is None
    assert pricing.usd_or_none("qwen2.5-coder-1.5b-instruct", Usage(1000, 1000)) == 0.0  # free, and known to be


def test_prices_by_provider():
    local = pricing.prices("local")
    assert {p.model for p in local} == {"qwen2.5-coder-1.5b-instruct", "smollm2-135m-instruct"}
    assert all(p.local for p in local) and pricing.prices("nobody") == []


def test_read_table_names_file_and_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("model,price,source\na,1,s\nb,,s\n")
    with pytest.raises(PriceError, match=r"t\.csv line 3 lacks price"):
        pricing.read_table(path, ("model", "price", "source"))
    assert pricing.read_table(path, ("model",))[0] == ("t.csv line 2", {"model": "a", "price": "1", "source": "s"})
    with pytest.raises(PriceError, match="Cannot read the price table"):
        pricing.read_table(tmp_path / "missing.csv", ("model",))


def test_chapter_price_table_matches_prices_csv():
    """Chapter 5 shows a few rows of the table by hand; they must be the table's own figures."""
    chapter = (Path(__file__).parents[1] / "chapters" / "05-cost.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| ([a-z0-9.-]+) \| ([0-9.]+) \| ([0-9.]+) \| ([0-9.]+) \|", chapter, re.M)
    assert len(rows) >= 5, "chapter 5's price table was not found"
    for model, inp, cached, out in rows:
        p = pricing.price(model)
        assert (Decimal(inp), Decimal(cached), Decimal(out)) == (p.input, p.cached_input, p.output), model
