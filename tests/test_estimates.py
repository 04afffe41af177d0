"""handbook.cost.estimates: a call's cost bound before it is made, and local calls in machine time (chapter 5)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from handbook.cost import estimates
from handbook.cost.pricing import usd_exact
from handbook.errors import PriceError
from handbook.records import Usage


def test_estimate_is_an_upper_bound():
    est = estimates.estimate(input_tokens=1000, model="gpt-4o", max_tokens=100)
    assert est.usd_exact == Decimal("0.0035")
    with pytest.raises(PriceError, match=">= 0"):
        estimates.estimate(input_tokens=-1, model="gpt-4o")
    with pytest.raises(PriceError, match="needs messages"):
        estimates.estimate(model="gpt-4o")


def test_hardware_usd():
    # 170 prompt tokens at 170 tok/s + 36 output tokens at 36 tok/s = 2 s; at $3.60/h that is $0.002.
    assert estimates.hardware_usd("qwen2.5-coder-1.5b-instruct", Usage(170, 36), 3.6) == pytest.approx(0.002)
    assert estimates.hardware_usd("qwen2.5-coder-1.5b-instruct", Usage(170, 36), 3.6, utilisation=0.5) == pytest.approx(0.004)
    with pytest.raises(PriceError):
        estimates.hardware_usd("qwen2.5-coder-1.5b-instruct", Usage(1, 1), 1.0, utilisation=0)


def test_estimate_counts_the_prompt_exactly_offline():
    messages = [{"role": "user", "content": "hello world"}]  # 3 + 1 + 2 + 3 = 9 tokens on gpt-4o
    est = estimates.estimate(messages, "gpt-4o", max_tokens=100)
    assert (est.model, est.input_tokens, est.output_tokens) == ("gpt-4o", 9, 100)
    assert est.usd_exact == usd_exact("gpt-4o", Usage(9, 100)) and est.usd == float(est.usd_exact)


def test_estimate_price_as_bills_a_local_call_at_api_rates():
    est = estimates.estimate(model="qwen2.5-coder-1.5b-instruct", input_tokens=1000, max_tokens=100, price_as="gpt-4o")
    assert est.usd_exact == Decimal("0.0035")
    assert estimates.estimate(model="qwen2.5-coder-1.5b-instruct", input_tokens=1000).usd == 0.0


def test_every_local_model_has_a_measured_throughput():
    from handbook.llm.models import LOCAL_MODELS

    assert set(estimates.LOCAL_THROUGHPUT) == set(LOCAL_MODELS)
    with pytest.raises(PriceError, match="No measured throughput"):
        estimates.hardware_usd("gpt-4o", Usage(1, 1), 1.0)
