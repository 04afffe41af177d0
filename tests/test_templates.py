"""handbook.prompts.templates: rendering, versions, hashing, and errors that name file and field (chapter 2)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from handbook.errors import PromptError
from handbook.prompts import templates as prompts


def write(root: Path, name: str, version: int, body: str) -> Path:
    path = root / name / f"v{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body))
    return path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write(tmp_path, "greet", 1, """\
        name: greet
        version: 1
        description: Say hello.
        system: You are terse.
        user: Hello {{who}}!
        variables: [who]
        """)
    write(tmp_path, "greet", 2, """\
        name: greet
        version: 2
        description: Say hello in JSON.
        system: 'Reply as {"greeting": "..."} about {{ who }}.'
        user: "{{who}} says {{ what }}; literal {braces} and {{{who}}} stay."
        variables: [who, what]
        examples:
          - {user: "bob says hi", assistant: '{"greeting": "hi bob"}'}
        """)
    return tmp_path


@pytest.mark.parametrize("ref, version", [("greet", 2), ("greet@1", 1), ("greet@2", 2)])
def test_versions(root, ref, version):
    assert prompts.get(ref, root).version == version


@pytest.mark.parametrize("ref, values, last_user", [
    ("greet@1", {"who": "Ada"}, "Hello Ada!"),
    ("greet@2", {"who": "Ada", "what": "{}"}, "Ada says {}; literal {braces} and {Ada} stay."),
    ("greet@2", {"who": 3, "what": "x"}, "3 says x; literal {braces} and {3} stay."),
])
def test_render(root, ref, values, last_user):
    rendered = prompts.render(ref, root, **values)
    assert rendered.messages[-1] == {"role": "user", "content": last_user}
    assert rendered.messages[0]["role"] == "system"
    assert rendered.ref == prompts.get(ref, root).ref


def test_render_examples_and_json_braces(root):
    msgs = prompts.render("greet@2", root, who="Ada", what="hi").messages
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    assert msgs[0]["content"] == 'Reply as {"greeting": "..."} about Ada.'
    assert msgs[2]["content"] == '{"greeting": "hi bob"}'


def test_system_message_always_present(tmp_path):
    write(tmp_path, "bare", 1, "name: bare\nversion: 1\ndescription: d\nuser: '{{x}}'\nvariables: [x]\n")
    assert prompts.render("bare", tmp_path, x="1").messages[0]["role"] == "system"


@pytest.mark.parametrize("ref, values, needle", [
    ("nope", {}, "Unknown prompt 'nope'"),
    ("greet@7", {"who": "a"}, "has no version '7'"),
    ("greet@x", {"who": "a"}, "has no version 'x'"),
    ("greet@2", {"who": "a"}, "missing variable(s) what"),
    ("greet@1", {"who": "a", "mood": "b"}, "undeclared variable(s) mood"),
])
def test_errors_name_the_problem(root, ref, values, needle):
    with pytest.raises(PromptError) as err:
        prompts.render(ref, root, **values)
    assert needle in err.value.message
    assert err.value.fix


def test_hash_is_stable_and_content_sensitive(root, tmp_path):
    a, b = prompts.get("greet@1", root), prompts.get("greet@2", root)
    assert len(a.sha256) == 64 and a.sha256 != b.sha256
    other = tmp_path / "copy"
    write(other, "greet", 1, "# a comment does not count\n" + (root / "greet" / "v1.yaml").read_text())
    assert prompts.get("greet@1", other).sha256 == a.sha256
    write(other, "greet", 1, (root / "greet" / "v1.yaml").read_text().replace("terse", "verbose"))
    prompts._registry.cache_clear()
    assert prompts.get("greet@1", other).sha256 != a.sha256


@pytest.mark.parametrize("body, needle", [
    ("name: m\nversion: 1\ndescription: d\nuser: [unclosed\n", "not valid YAML"),
    ("- just\n- a list\n", "expected a mapping"),
    ("name: m\nversion: 1\nuser: u\nvariables: []\n", "missing field(s) description"),
    ("name: m\nversion: one\ndescription: d\nuser: u\nvariables: []\n", "field 'version' must be a positive integer"),
    ("name: m\nversion: 1\ndescription: d\nuser: '{{a}}'\nvariables: [b]\n", "field 'variables' lists ['b']"),
    ("name: m\nversion: 1\ndescription: d\nuser: u\nvariables: []\nexamples: [{user: q}]\n", "examples[0]"),
    ("name: other\nversion: 1\ndescription: d\nuser: u\nvariables: []\n", "does not match name 'other'"),
])
def test_malformed_file_names_file_and_field(tmp_path, body, needle):
    path = write(tmp_path, "m", 1, body)
    with pytest.raises(PromptError) as err:
        prompts.load_template(path)
    assert str(path) in err.value.message and needle in err.value.message


def test_shipped_templates_load_and_render():
    reg = prompts.registry()
    assert {"ticket-triage", "ticket-triage-steps", "ticket-extract"} <= set(reg)
    assert sorted(reg["ticket-triage"]) == [1, 2]
    for versions in reg.values():
        for t in versions.values():
            rendered = prompts.render(t, **{v: "sample" for v in t.variables})
            assert rendered.messages[0]["role"] == "system" and "sample" in rendered.messages[-1]["content"]
    assert '{"category": "billing"' in prompts.render("ticket-extract", ticket="x").messages[0]["content"]


def test_client_records_ref_and_hash(scripted):
    """A rendered prompt passed to chat() tags the request and reply (checked through a scripted hook)."""
    from handbook.llm import client

    rendered = prompts.render("ticket-triage@1", ticket="I was charged twice")
    with client.use(scripted("billing")) as fake:
        reply = client.chat(rendered)
    assert (reply.prompt_ref, reply.prompt_hash) == ("ticket-triage@1", rendered.sha256)
    assert fake.requests[0].prompt_ref == "ticket-triage@1"
