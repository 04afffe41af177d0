"""The lab clock: the range quoted for a measured run time, and what it glues."""

import pytest

from handbook.classroom import LabClock, time_range


@pytest.mark.parametrize(("seconds", "expected"), [
    (0, "1–2 min"),
    (20, "1–2 min"),
    (60, "1–3 min"),
    (74, "1–4 min"),
    (120, "2–5 min"),
    (334, "4–14 min"),
])
def test_time_range(seconds, expected):
    assert time_range(seconds) == expected


def test_negative_time_is_refused():
    with pytest.raises(ValueError, match="negative"):
        time_range(-1)


def test_glue_publishes_the_time_and_the_calls(capsys):
    values = LabClock().glue()
    assert {"lab_seconds", "lab_time", "lab_calls", "lab_model_seconds"} <= set(values)
    assert values["lab_time"].endswith(" min")
    assert "expect" in capsys.readouterr().out


def test_counter_adds_up_model_calls_and_skips_cache_hits():
    from dataclasses import replace

    from calls import reply, req

    clock = LabClock()
    hook = clock.counter
    hook.after(req(), reply(prompt=9, completion=100, latency=2.0), None)
    hook.after(req(), reply(prompt=11, completion=5, latency=0.5), None)
    hook.after(req(), replace(reply(), cached=True), None)
    hook.after(req(), None, RuntimeError("refused"))
    values = clock.glue()
    assert (values["lab_calls"], values["lab_cache_hits"]) == ("2", "1")
    assert (values["lab_prompt_tokens"], values["lab_reply_tokens"]) == ("20", "105")
    assert values["lab_model_seconds"] == "2"  # 2.5 s, rounded to even
    assert clock.glue()["lab_calls"] == "2"  # a second glue() is harmless


def test_the_clock_hooks_the_client_until_glue():
    from handbook.llm import client

    clock = LabClock()
    assert clock.counter in client._HOOKS
    clock.glue()
    assert clock.counter not in client._HOOKS


@pytest.mark.parametrize(("model", "prompt", "completion", "shared", "learners"), [
    ("qwen2.5-coder-1.5b-instruct", 1700, 360, "20", "30"),  # 1700/170 + 360/36 = 20 s
    ("smollm2-135m-instruct", 600, 150, "2", "300"),         # 600/600 + 150/150 = 2 s
    ("gpt-4o", 1700, 360, "0", "any number"),                # a hosted model takes no class-server time
])
def test_shared_server_time_uses_the_local_rates(model, prompt, completion, shared, learners):
    from dataclasses import replace

    from calls import reply, req

    clock = LabClock()
    clock.counter.after(req(), replace(reply(prompt, completion), model=model), None)
    values = clock.glue()
    assert (values["lab_shared_seconds"], values["lab_learners"]) == (shared, learners)
