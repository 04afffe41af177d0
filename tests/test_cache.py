"""The response cache as a client hook, driven without a model: keys, hits, savings, semantic matches (chapter 5)."""

from __future__ import annotations

import pytest
from calls import GPT4O_IN, GPT4O_OUT, MSGS, reply, req

from handbook.cost.cache import ResponseCache, request_key
from handbook.errors import CacheError
from handbook.records import Reply, Request, Usage


def test_cache_key_covers_model_messages_params():
    base = request_key(req())
    assert base == request_key(req())
    assert base != request_key(req(max_tokens=101))
    assert base != request_key(req(model="gpt-4o-mini"))
    assert base != request_key(req(msgs=({"role": "user", "content": "hello world!"},)))
    assert base != request_key(req(temperature=0.7))


def test_cache_hit_saves_money_and_time(tmp_path):
    c = ResponseCache(tmp_path / "cache")
    assert c.before(req()) is None
    c.after(req(), reply(latency=2.0), None)
    hit = c.before(req())
    assert hit.cached and hit.text == "hi" and hit.usage == Usage() and hit.extra["saved_usage"] == Usage(9, 100)
    assert c.stats() == {"hits": 1, "semantic_hits": 0, "misses": 1, "hit_rate": 0.5,
                         "saved_usd": float(9 * GPT4O_IN + 100 * GPT4O_OUT), "saved_s": 2.0}
    reloaded = ResponseCache(tmp_path / "cache")  # survives a restart
    assert reloaded.before(req()).text == "hi"
    reloaded.clear()
    assert reloaded.before(req()) is None and not list((tmp_path / "cache").glob("*.json"))


def test_semantic_cache_matches_close_questions_only():
    vectors = {"hello world": [1.0, 0.0], "hello, world": [0.99, 0.141], "goodbye": [0.0, 1.0]}
    c = ResponseCache(embed=lambda texts: [vectors[t] for t in texts], threshold=0.95)
    c.after(req(), reply(), None)
    close = req(msgs=({"role": "user", "content": "hello, world"},))
    far = req(msgs=({"role": "user", "content": "goodbye"},))
    assert c.before(close).extra["semantic"] is True
    assert c.before(far) is None
    assert c.before(req(max_tokens=5, msgs=close.messages)) is None  # other params: never shared
    assert c.stats()["semantic_hits"] == 1


def test_a_hit_on_a_model_without_a_price_saves_no_dollars_and_does_not_raise():
    c = ResponseCache()
    unpriced = Request(MSGS, "llama3.2:1b", {"max_tokens": 5})
    c.after(unpriced, Reply("hi", Usage(9, 5), 1.5, "llama3.2:1b", "stop"), None)
    assert c.before(unpriced).text == "hi"
    assert c.stats()["saved_usd"] == 0.0 and c.stats()["saved_s"] == 1.5


def test_failed_calls_are_not_cached():
    c = ResponseCache()
    c.after(req(), None, RuntimeError("boom"))
    assert c.before(req()) is None and c.entries == {}


@pytest.mark.parametrize("threshold", [0, -0.5, 1.5])
def test_bad_threshold(threshold):
    with pytest.raises(CacheError, match="threshold"):
        ResponseCache(embed=lambda texts: [[1.0]], threshold=threshold)


def test_a_damaged_entry_names_the_file(tmp_path):
    (tmp_path / "abc.json").write_text("{broken")
    with pytest.raises(CacheError, match=r"abc\.json is damaged") as err:
        ResponseCache(tmp_path)
    assert err.value.fix == "delete that file"


def test_a_hit_gives_back_the_logprobs_it_was_asked_for(tmp_path):
    """The LLM reranker scores from logprobs: a cached reply without them would rank differently."""
    top = [{"token": "3", "logprob": -0.1, "top": [["3", -0.1], ["2", -2.4]]}]
    asked = Request(MSGS, "gpt-4o", {"temperature": 0.0, "logprobs": True, "top_logprobs": 10})
    plain = Request(MSGS, "gpt-4o", {"temperature": 0.0})
    for path in (None, tmp_path):  # in memory, and reloaded from its folder
        cache = ResponseCache(path)
        cache.after(asked, Reply("3", Usage(10, 1), 0.2, "gpt-4o", extra={"logprobs": top}), None)
        cache.after(plain, Reply("3", Usage(10, 1), 0.2, "gpt-4o"), None)
        again = ResponseCache(path) if path else cache
        assert again.before(asked).extra["logprobs"] == top
        assert "logprobs" not in again.before(plain).extra
