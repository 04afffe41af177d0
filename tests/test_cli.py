"""The `handbook` command itself: every topic is listed, and library errors print as message and fix."""

from __future__ import annotations

import pytest

from handbook.cli import COMMANDS, main


def test_help_lists_every_topic(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for topic in ("llm", "doctor", "prompts", "index", "search", "ask", "eval", "trace", "tokens", "cost", "prices",
                  "finetune"):
        assert topic in out


@pytest.mark.parametrize("topic", COMMANDS)
def test_every_topic_module_registers(topic):
    import importlib

    assert callable(importlib.import_module(f"handbook.cli.{topic}").register)


def test_a_library_error_prints_message_and_fix_and_exits_2(capsys):
    assert main(["prompts", "show", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Unknown prompt 'nope'.\n  fix: known prompts: ") and "Traceback" not in err
