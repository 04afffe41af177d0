"""The server lifecycle and the `handbook` command (chapter 1)."""

import pytest

from handbook import server
from handbook.cli import main
from handbook.errors import ConfigError


def test_refuses_public_bind_without_key():
    with pytest.raises(ConfigError, match="without an API key") as info:
        server.start(host="0.0.0.0")
    assert "--api-key" in info.value.fix


def test_cli_prints_error_and_fix_without_traceback(capsys):
    assert main(["llm", "start", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Refusing to serve on 0.0.0.0") and "fix:" in err and "Traceback" not in err


def test_status_reports_the_running_server(capsys):
    assert main(["llm", "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(("healthy", "running, but busy"))


def test_help_lists_every_topic(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for topic in ("llm", "doctor"):
        assert topic in out


def test_doctor_prints_a_table_and_passes(capsys):
    assert main(["doctor", "--only", "python", "--only", "packages", "--only", "model files"]) == 0
    out = capsys.readouterr().out
    assert "model files" in out and "all checks passed" in out


def test_doctor_reports_a_failure_with_its_fix(monkeypatch, capsys):
    monkeypatch.setenv("HANDBOOK_PORT", "not-a-port")
    assert main(["doctor", "--only", "chat round trip"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "fix:" in out
