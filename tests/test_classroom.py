"""The classroom kit: the shared endpoint refuses to run open, and `handbook doctor --workshop` output."""

from __future__ import annotations

import re
import urllib.error

import pytest

from handbook import workshop
from handbook.cli import main

CLASS_KEY = "class-secret-key-0123456789"
LINE = re.compile(r"^(ok|warn|skip|FAIL) {2,}\S.*$")


@pytest.fixture
def clean_env(monkeypatch):
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "HANDBOOK_MODEL", "HANDBOOK_TRUST_ENDPOINT",
                "HANDBOOK_STUDENT", "HANDBOOK_BUDGET_USD"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "classroom.local"])
@pytest.mark.parametrize("key_args", [[], ["--api-key", ""]])
def test_shared_endpoint_refuses_to_start_without_a_key(host, key_args, capsys):
    assert main(["llm", "start", "--host", host, *key_args]) == 2
    err = capsys.readouterr().err
    assert f"Refusing to serve on {host} without an API key" in err
    assert "fix:" in err and "--api-key" in err and "Traceback" not in err


def test_report_is_one_line_per_check_then_a_verdict():
    results = [
        workshop.Verdict("python", "ok", "3.11.7"),
        workshop.Verdict("endpoint reachable", "FAIL", "cannot reach http://x/v1", "check the Wi-Fi"),
        workshop.Verdict("budget", "skip", "not needed"),
        workshop.Verdict("server", "warn", "busy", "wait"),
    ]
    lines = workshop.report(results).splitlines()
    assert len(lines) == len(results) + 1
    assert all(LINE.match(line) for line in lines[:-1])
    assert lines[1].endswith("-> fix: check the Wi-Fi") and lines[3].endswith("-> fix: wait")
    assert lines[-1].startswith("NOT READY: 1 of 4 checks failed (endpoint reachable)")
    assert workshop.report(results[:1]).splitlines()[-1] == "READY: 1 checks, none failed"


def test_an_exception_becomes_a_one_line_fail_with_its_fix(monkeypatch):
    from handbook.errors import ConfigError

    def broken():
        raise ConfigError("multi\nline message", "do this")

    monkeypatch.setitem(workshop.CHECKS, "broken", broken)
    [v] = workshop.run_checks(["broken"])
    assert (v.status, v.detail, v.fix) == ("FAIL", "ConfigError: multi line message", "do this")


def test_doctor_workshop_on_the_local_setup(clean_env, capsys):
    code = main(["doctor", "--workshop", "--only", "python", "--only", "endpoint", "--only", "budget",
                 "--only", "notebook kernel"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split()[:2] for line in lines[:-1]] == [["ok", "python"], ["ok", "endpoint"], ["skip", "budget"],
                                                          ["ok", "notebook"]]
    assert all(LINE.match(line) for line in lines[:-1])
    assert lines[-1] == "READY: 4 checks, none failed"


def test_doctor_workshop_with_a_dead_class_endpoint(clean_env, capsys):
    clean_env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens on the discard port
    clean_env.setenv("OPENAI_API_KEY", CLASS_KEY)
    code = main(["doctor", "--workshop", "--only", "endpoint", "--only", "endpoint reachable", "--only", "model",
                 "--only", "local model files"])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith("ok    endpoint            http://127.0.0.1:9/v1")
    assert lines[1].startswith("FAIL  endpoint reachable  cannot reach http://127.0.0.1:9/v1") and "-> fix:" in lines[1]
    assert lines[2].startswith("skip  model  ") and lines[3].startswith("skip  local model files")
    assert lines[-1].startswith("NOT READY: 1 of 4 checks failed (endpoint reachable)")
    assert CLASS_KEY not in out and "cla...6789" in out  # a hint, never the key


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
def test_budget_check(clean_env, env, status, words):
    for key, value in env.items():
        clean_env.setenv(key, value)
    [v] = workshop.run_checks(["budget"])
    assert v.status == status and words in v.detail


def test_workshop_checks_need_the_flag(capsys):
    assert main(["doctor", "--only", "budget"]) == 2
    assert "choose from:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (urllib.error.URLError(TimeoutError("timed out")), "warn", "did not answer within 5 s"),
        (urllib.error.HTTPError("http://x/v1/models", 401, "Unauthorized", {}, None), "FAIL",
         "rejected the key cla...6789 (HTTP 401)"),
        (urllib.error.HTTPError("http://x/v1/models", 404, "Not Found", {}, None), "FAIL", "HTTP 404"),
    ],
)
def test_reachability_failures_name_the_cause(clean_env, error, status, words):
    clean_env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    clean_env.setenv("OPENAI_API_KEY", CLASS_KEY)

    def fail(cfg, timeout=5.0):
        raise error

    clean_env.setattr(workshop, "_models_listing", fail)
    [v] = workshop.run_checks(["endpoint reachable"])
    assert v.status == status and words in v.detail and v.fix


@pytest.mark.parametrize(
    ("model", "status", "words"),
    [
        ("qwen2.5-coder-1.5b-instruct", "ok", "is served"),
        ("llama3", "FAIL", "llama3 is not among qwen2.5-coder-1.5b-instruct, smollm2-135m-instruct"),
    ],
)
def test_model_check_catches_a_name_the_server_would_silently_replace(clean_env, model, status, words):
    clean_env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    clean_env.setenv("OPENAI_API_KEY", CLASS_KEY)
    clean_env.setenv("HANDBOOK_MODEL", model)
    clean_env.setattr(workshop, "_models_listing",
                      lambda cfg, timeout=5.0: ["qwen2.5-coder-1.5b-instruct", "smollm2-135m-instruct"])
    [v] = workshop.run_checks(["model"])
    assert v.status == status and words in v.detail
