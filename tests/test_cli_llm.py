"""The server lifecycle and `handbook llm start|status|models` (chapter 1)."""

from __future__ import annotations

import pytest

from handbook.cli import main
from handbook.errors import ConfigError
from handbook.llm import server
from handbook.llm.models import LOCAL_MODELS


def test_refuses_public_bind_without_key():
    with pytest.raises(ConfigError, match="without an API key") as info:
        server.start(host="0.0.0.0")
    assert "--api-key" in info.value.fix


def test_cli_prints_error_and_fix_without_traceback(capsys):
    assert main(["llm", "start", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Refusing to serve on 0.0.0.0") and "fix:" in err and "Traceback" not in err


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "classroom.local"])
@pytest.mark.parametrize("key_args", [[], ["--api-key", ""]])
def test_shared_endpoint_refuses_to_start_without_a_key(host, key_args, capsys):
    assert main(["llm", "start", "--host", host, *key_args]) == 2
    err = capsys.readouterr().err
    assert f"Refusing to serve on {host} without an API key" in err
    assert "fix:" in err and "--api-key" in err and "Traceback" not in err


def test_status_without_a_server(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("HANDBOOK_HOME", str(tmp_path))  # no pid file here, and nothing listens on the port
    assert main(["llm", "status"]) == 1
    assert capsys.readouterr().out.startswith("not running: http://127.0.0.1:9/v1 pid=None models=-")


@pytest.mark.model
def test_status_reports_the_running_server(capsys):
    assert main(["llm", "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(("healthy", "running, but busy"))


def test_models_lists_provenance_and_license(capsys):
    assert main(["llm", "models"]) == 0
    out = capsys.readouterr().out
    for model in LOCAL_MODELS.values():
        assert f"{model.alias}\n  quantisation: {model.quantisation}" in out and f"license: {model.license}" in out
