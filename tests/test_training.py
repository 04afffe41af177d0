"""handbook.finetune.training: the dated training price table, training cost, and before/after comparisons."""

from __future__ import annotations

import pytest

from handbook.errors import ExperimentError, PriceError
from handbook.finetune import training


# ---------------------------------------------------------------- training cost: tokens x epochs x price
@pytest.mark.parametrize(
    "tokens,epochs,model,usd",
    [
        (100_000, 3, "gpt-4o-mini-2024-07-18", 0.90),  # 300k tokens at $3/M
        (100_000, 4, "gpt-4o-2024-08-06", 10.00),  # 400k at $25/M
        (1_000_000, 1, "gpt-4.1-nano-2025-04-14", 1.50),
        (2_500, 2, "gpt-3.5-turbo-0125", 0.04),  # 5k at $8/M
        (0, 3, "gpt-4o-mini-2024-07-18", 0.0),
    ],
)
def test_training_cost_table(tokens, epochs, model, usd):
    est = training.training_cost(tokens, epochs, model)
    assert est.billed_tokens == tokens * epochs
    assert est.usd == pytest.approx(usd)
    assert est.price.source.startswith("https://") and est.price.as_of


@pytest.mark.parametrize(
    "tokens,epochs,model,match",
    [
        (100, 0, "gpt-4o-mini-2024-07-18", "at least one epoch"),
        (-1, 1, "gpt-4o-mini-2024-07-18", "at least one epoch"),
        (100, 1, "gpt-9", "No training price for 'gpt-9'"),
    ],
)
def test_training_cost_rejects_bad_input(tokens, epochs, model, match):
    with pytest.raises(PriceError, match=match):
        training.training_cost(tokens, epochs, model)


def test_every_training_price_is_dated_and_sourced():
    for row in training.TRAINING_PRICES:
        assert row.usd_per_mtok > 0 and len(row.as_of) == 10 and row.source.startswith("https://")
    assert len({row.model for row in training.TRAINING_PRICES}) == len(training.TRAINING_PRICES)


# ---------------------------------------------------------------- before / after
def per_item(values: list[float], metric: str = "acc") -> dict[str, dict[str, float]]:
    return {f"i{n:02d}": {metric: v} for n, v in enumerate(values)}


@pytest.mark.parametrize(
    "before,after,delta,significant,wins_losses_ties",
    [
        ([0, 0, 0, 0, 1] * 4, [1, 1, 1, 1, 1] * 4, 0.8, True, (16, 0, 4)),
        ([1, 0] * 10, [1, 0] * 10, 0.0, False, (0, 0, 20)),
        ([1, 1, 1, 1, 0] * 4, [0, 0, 0, 0, 0] * 4, -0.8, True, (0, 16, 4)),
        ([0, 1, 0, 1], [1, 0, 1, 0], 0.0, False, (2, 2, 0)),  # same mean, items swapped: a wide interval
    ],
)
def test_before_after_paired_bootstrap(before, after, delta, significant, wins_losses_ties):
    [c] = training.before_after(per_item(before), per_item(after), seed=1)
    assert c.metric == "acc" and c.n == len(before)
    assert c.delta == pytest.approx(delta)
    assert c.ci_low <= c.delta <= c.ci_high
    assert c.significant is significant
    assert (c.wins, c.losses, c.ties) == wins_losses_ties
    assert [c] == training.before_after(per_item(before), per_item(after), seed=1)  # seeded: reproducible


def test_before_after_takes_evaluate_run_output():
    """The per-query dicts of evaluate.evaluate_run() plug straight in, one comparison per measure."""
    from handbook import evaluate

    qrels = {"q1": {"d1": 1}, "q2": {"d2": 1}}
    before = evaluate.evaluate_run(qrels, {"q1": {"d9": 2, "d1": 1}, "q2": {"d9": 2, "d2": 1}}, ["recip_rank", "P_1"])
    after = evaluate.evaluate_run(qrels, {"q1": {"d1": 2, "d9": 1}, "q2": {"d9": 2, "d2": 1}}, ["recip_rank", "P_1"])
    rows = training.comparison_rows(training.before_after(before, after))
    assert [(r["metric"], r["before"], r["after"]) for r in rows] == [("P_1", 0.0, 0.5), ("recip_rank", 0.5, 0.75)]
    assert rows[0]["wins/losses/ties"] == "1/0/1"


@pytest.mark.parametrize(
    "before,after,match",
    [({}, per_item([1]), "Nothing to compare"), (per_item([1]), per_item([1], "f1"), "Metric 'acc' is missing")],
)
def test_before_after_rejects_bad_input(before, after, match):
    with pytest.raises(ExperimentError, match=match):
        training.before_after(before, after)


@pytest.mark.parametrize("row, needle, fix", [
    ("gpt-x,abc,2025-06-01,https://example.com", "prices.csv line 2: usd_per_mtok 'abc' is not a number",
     "fix the row"),
    ("gpt-x,3.0", "prices.csv line 2 lacks as_of, source", "a date and a source"),          # no date, no source
    ("gpt-x,3.0,2025-06-01,", "prices.csv line 2 lacks source", "a date and a source"),     # a price names its source
])
def test_a_broken_price_file_names_the_line(tmp_path, row, needle, fix):
    path = tmp_path / "prices.csv"
    path.write_text("model,usd_per_mtok,as_of,source\n" + row + "\n")
    with pytest.raises(PriceError) as err:
        training.load_training_prices(path)
    assert needle in err.value.message and fix in err.value.fix
