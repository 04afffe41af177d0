"""`handbook doctor` and `handbook doctor --workshop`: one line per check, then READY or NOT READY."""

from __future__ import annotations

import re

import pytest

from handbook.cli import main

CLASS_KEY = "class-secret-key-0123456789"
LINE = re.compile(r"^(ok|warn|skip|FAIL) {2,}\S.*$")


def test_doctor_prints_a_table_and_passes(capsys):
    assert main(["doctor", "--only", "python", "--only", "packages", "--only", "model files"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines[:-1]] == [["ok", "python"], ["ok", "packages"], ["ok", "model"]]
    assert "sha256 verified" in lines[2] and lines[-1] == "READY: 3 checks, none failed"


def test_doctor_reports_a_failure_with_its_fix(monkeypatch, capsys):
    monkeypatch.setenv("HANDBOOK_PORT", "not-a-port")
    assert main(["doctor", "--only", "chat round trip"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAIL  chat round trip") and "HANDBOOK_PORT='not-a-port'" in out
    assert "-> fix: set it to a number such as 8765" in out and out.splitlines()[-1].startswith("NOT READY: 1 of 1")


@pytest.mark.model
def test_doctor_chat_round_trip_passes(capsys):
    assert main(["doctor", "--only", "chat round trip"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok    chat round trip") and "'Paris'" in out


def test_doctor_workshop_on_the_local_setup(capsys):
    code = main(["doctor", "--workshop", "--only", "python", "--only", "endpoint", "--only", "budget",
                 "--only", "notebook kernel"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [line.split()[:2] for line in lines[:-1]] == [["ok", "python"], ["ok", "endpoint"], ["skip", "budget"],
                                                          ["ok", "notebook"]]
    assert all(LINE.match(line) for line in lines[:-1])
    assert lines[-1] == "READY: 4 checks, none failed"


def test_doctor_workshop_with_a_dead_class_endpoint(monkeypatch, capsys):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")  # nothing listens on port 1
    monkeypatch.setenv("OPENAI_API_KEY", CLASS_KEY)
    code = main(["doctor", "--workshop", "--only", "endpoint", "--only", "endpoint reachable", "--only", "model",
                 "--only", "local model files"])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith("ok    endpoint            http://127.0.0.1:1/v1")
    assert lines[1].startswith("FAIL  endpoint reachable  cannot reach http://127.0.0.1:1/v1") and "-> fix:" in lines[1]
    assert lines[2].startswith("skip  model  ") and lines[3].startswith("skip  local model files")
    assert lines[-1].startswith("NOT READY: 1 of 4 checks failed (endpoint reachable)")
    assert CLASS_KEY not in out and "cla...6789" in out  # a hint, never the key


def test_workshop_checks_need_the_flag(capsys):
    assert main(["doctor", "--only", "budget"]) == 2
    assert "choose from:" in capsys.readouterr().err
