"""client.ready(): the local server is checked once per process, and again after a failed call."""

from __future__ import annotations

from handbook import client, config


def test_ready_checks_once_then_again_after_a_failure(monkeypatch):
    checks = []
    monkeypatch.setattr("handbook.server.ensure_running", lambda cfg=None: checks.append(cfg.base_url))
    monkeypatch.setattr(client, "_READY", set())
    cfg = config.settings({})
    client.ready(cfg)
    client.ready(cfg)
    assert len(checks) == 1
    client._fail(cfg, client.Request((), "m", {}), OSError("connection refused"))
    client.ready(cfg)
    assert len(checks) == 2


def test_ready_ignores_remote_endpoints(monkeypatch):
    monkeypatch.setattr("handbook.server.ensure_running", lambda cfg=None: (_ for _ in ()).throw(AssertionError))
    client.ready(config.settings({"OPENAI_BASE_URL": "https://api.openai.com/v1", "OPENAI_API_KEY": "sk-test"}))
