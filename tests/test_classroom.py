"""handbook.classroom: one check record, one runner and one report, and the checks of `handbook doctor [--workshop]`."""

from __future__ import annotations

import re
import urllib.error

import pytest

from handbook.classroom import checks, doctor, workshop
from handbook.classroom.checks import FAIL, OK, SKIP, WARN, Check
from handbook.errors import ConfigError

CLASS_KEY = "class-secret-key-0123456789"
LINE = re.compile(r"^(ok|warn|skip|FAIL) {2,}\S.*$")


# ------------------------------------------------------------------ the record, the runner, the report
@pytest.mark.parametrize("status, ok", [(OK, True), (WARN, True), (SKIP, True), (FAIL, False)])
def test_only_a_failure_is_not_ok(status, ok):
    assert Check("x", status, "detail").ok is ok
    assert checks.passed(ok) == (OK if ok else FAIL)


def test_report_is_one_line_per_check_then_a_verdict():
    results = [
        Check("python", OK, "3.11.7"),
        Check("endpoint reachable", FAIL, "cannot reach http://x/v1", "check the Wi-Fi"),
        Check("budget", SKIP, "not needed"),
        Check("server", WARN, "busy", "wait"),
    ]
    lines = checks.report(results).splitlines()
    assert len(lines) == len(results) + 1
    assert all(LINE.match(line) for line in lines[:-1])
    assert lines[0] == "ok    python              3.11.7"
    assert lines[1].endswith("-> fix: check the Wi-Fi") and lines[3].endswith("-> fix: wait")
    assert "fix" not in lines[2]  # a skip needs no fix
    assert lines[-1] == ("NOT READY: 1 of 4 checks failed (endpoint reachable); "
                         "fix them or show this screen to a helper")
    assert checks.report(results[:1]).splitlines()[-1] == "READY: 1 checks, none failed"


def test_run_checks_in_order_and_timed():
    table = {"b": lambda: (OK, "fine", "never shown"), "a": lambda: (WARN, "slow", "wait"),
             "c": lambda: (SKIP, "n/a", "")}
    results = checks.run_checks(table)
    assert [(c.name, c.status, c.fix) for c in results] == [("b", OK, ""), ("a", WARN, "wait"), ("c", SKIP, "")]
    assert all(c.seconds >= 0 for c in results)
    assert [c.name for c in checks.run_checks(table, ["c", "b"])] == ["c", "b"]


def test_an_exception_becomes_a_one_line_fail_with_its_fix():
    def broken():
        raise ConfigError("multi\nline message", "do this")

    def crashed():
        raise RuntimeError("no fix here")

    [handbook_error, other] = checks.run_checks({"broken": broken, "crashed": crashed}, default_fix="ask a helper")
    assert (handbook_error.status, handbook_error.detail, handbook_error.fix) == (
        FAIL, "ConfigError: multi line message", "do this")
    assert (other.status, other.detail, other.fix) == (FAIL, "RuntimeError: no fix here", "ask a helper")
    assert not handbook_error.ok


def test_workshop_failures_default_to_the_instructor(monkeypatch):
    monkeypatch.setitem(workshop.CHECKS, "broken", lambda: 1 / 0)
    [c] = workshop.run_checks(["broken"])
    assert (c.status, c.fix) == (FAIL, "show this line to the instructor")
    assert c.detail.startswith("ZeroDivisionError")


# ------------------------------------------------------------------ doctor: this machine
def test_doctor_checks_this_machine():
    assert list(doctor.CHECKS) == ["python", "packages", "model files", "free RAM", "free disk", "chat round trip",
                                   "embedding + FAISS"]
    results = doctor.run_checks(["python", "packages", "embedding + FAISS"])
    assert [c.status for c in results] == [OK, OK, OK], checks.report(results)
    assert "top hit: 'FAISS searches dense vectors.'" in results[2].detail


def test_doctor_chat_fails_fast_without_a_server():
    [c] = doctor.run_checks(["chat round trip"])
    assert c.status == FAIL and c.detail.startswith("LLMCallError") and "handbook doctor" in c.fix


@pytest.mark.model
def test_doctor_chat_round_trip():
    [c] = doctor.run_checks(["chat round trip"])
    assert c.status == OK and "'Paris'" in c.detail, c


# ------------------------------------------------------------------ workshop: a learner in a class
def test_workshop_reuses_the_machine_checks():
    for name in ("python", "packages", "free RAM", "free disk", "chat round trip", "embedding + FAISS"):
        assert workshop.CHECKS[name] is doctor.CHECKS[name]


@pytest.mark.parametrize(
    ("env", "status", "words"),
    [
        ({}, "skip", "local model does not bill"),
        ({"OPENAI_BASE_URL": "http://10.1.2.3:8000/v1", "OPENAI_API_KEY": CLASS_KEY}, "skip", "self-hosted"),
        ({"OPENAI_API_KEY": "sk-test-fake-1234"}, "FAIL", "no per-student budget"),
        ({"OPENAI_API_KEY": "sk-test-fake-1234", "HANDBOOK_BUDGET_USD": "0.50"}, "FAIL", "no per-student"),
        ({"OPENAI_API_KEY": "sk-test-fake-1234", "HANDBOOK_BUDGET_USD": "0.50", "HANDBOOK_STUDENT": "ada"},
         "ok", "$0.50 per lab for student 'ada'"),
        ({"HANDBOOK_BUDGET_USD": "-1"}, "FAIL", "not a positive number"),
        ({"HANDBOOK_BUDGET_USD": "lots"}, "FAIL", "not a positive number"),
    ],
)
def test_budget_check(monkeypatch, env, status, words):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    [v] = workshop.run_checks(["budget"])
    assert v.status == status and words in v.detail


def test_local_only_checks_skip_on_a_class_endpoint(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("OPENAI_API_KEY", CLASS_KEY)
    [c] = workshop.run_checks(["local model files"])
    assert (c.status, c.detail) == (SKIP, "not needed: the labs use the class endpoint")


def test_a_local_server_that_is_not_running_is_only_a_warning(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDBOOK_HOME", str(tmp_path))  # no pid file: nothing of ours runs
    [c] = workshop.run_checks(["endpoint reachable"])
    assert c.status == WARN and "not running" in c.detail and "handbook llm start" in c.fix


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (urllib.error.URLError(TimeoutError("timed out")), "warn", "did not answer within 5 s"),
        (urllib.error.HTTPError("http://x/v1/models", 401, "Unauthorized", {}, None), "FAIL",
         "rejected the key cla...6789 (HTTP 401)"),
        (urllib.error.HTTPError("http://x/v1/models", 404, "Not Found", {}, None), "FAIL", "HTTP 404"),
    ],
)
def test_reachability_failures_name_the_cause(monkeypatch, error, status, words):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("OPENAI_API_KEY", CLASS_KEY)

    def fail(cfg, timeout=5.0):
        raise error

    monkeypatch.setattr(workshop, "_models_listing", fail)
    [v] = workshop.run_checks(["endpoint reachable"])
    assert v.status == status and words in v.detail and v.fix


@pytest.mark.parametrize(
    ("model", "status", "words"),
    [
        ("qwen2.5-coder-1.5b-instruct", "ok", "is served"),
        ("llama3", "FAIL", "llama3 is not among qwen2.5-coder-1.5b-instruct, smollm2-135m-instruct"),
    ],
)
def test_model_check_catches_a_name_the_server_would_silently_replace(monkeypatch, model, status, words):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("OPENAI_API_KEY", CLASS_KEY)
    monkeypatch.setenv("HANDBOOK_MODEL", model)
    monkeypatch.setattr(workshop, "_models_listing",
                      lambda cfg, timeout=5.0: ["qwen2.5-coder-1.5b-instruct", "smollm2-135m-instruct"])
    [v] = workshop.run_checks(["model"])
    assert v.status == status and words in v.detail
