"""`handbook prompts list|show|render`, run in-process (chapter 2)."""

from __future__ import annotations

import pytest

from handbook.cli import main
from handbook.prompts import templates


@pytest.mark.parametrize("argv, code, needle", [
    (["prompts", "list"], 0, "ticket-triage "),
    (["prompts", "show", "ticket-triage@1"], 0, "ticket-triage@1  (versions: ticket-triage@1, ticket-triage@2)"),
    (["prompts", "render", "ticket-triage", "--var", "ticket=late parcel"], 0, "<ticket>\nlate parcel\n</ticket>"),
    (["prompts", "render", "ticket-extract@1", "--json", "--var", "ticket=x"], 0, '"ref": "ticket-extract@1"'),
    (["prompts", "render", "nope"], 2, "Unknown prompt 'nope'"),
    (["prompts", "render", "ticket-triage@1"], 2, "missing variable(s) ticket"),
    (["prompts", "show", "ticket-triage@9"], 2, "has no version '9'"),
])
def test_cli(capsys, argv, code, needle):
    assert main(argv) == code
    out = capsys.readouterr()
    assert needle in (out.out if code == 0 else out.err)


def test_cli_list_lines_start_with_name(capsys):
    main(["prompts", "list"])
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == sorted(templates.registry())


def test_cli_rejects_var_without_equals(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["prompts", "render", "ticket-triage", "--var", "ticket"])
    assert exit_.value.code == 2 and "expected KEY=VALUE" in capsys.readouterr().err
