"""Prompts as versioned data: a registry of template files, rendering, and hashes.

Templates live outside the code, one YAML file per version:
`prompts/<name>/v<N>.yaml`, with keys `name`, `version`, `description`,
`system`, `user`, `variables` and optional `examples` (few-shot pairs of
`user`/`assistant`). Placeholders are `{{variable}}`; single braces are
literal, so JSON examples render untouched. `name@N` picks a version, plain
`name` the latest.

`render()` returns a `RenderedPrompt` (`handbook.records`): chat messages
ready for `handbook.llm.chat`, plus the `ref` (`name@N`) and the template's
SHA-256, which the client records with every call so any result traces back
to the exact prompt text.

    render("ticket-triage@1", ticket="My parcel is late")
    -> RenderedPrompt(messages=[{"role": "system", ...}, {"role": "user", ...}], ref="ticket-triage@1", sha256="9c1e...")

Deliberately left out: template logic (loops, conditionals), remote prompt
stores, and editing templates from code. Versions are immutable files; a
change is a new file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from ..errors import PromptError
from ..records import RenderedPrompt

PROMPTS_DIR = Path(__file__).resolve().parents[3] / "prompts"
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_REQUIRED = ("name", "version", "description", "user", "variables")


@dataclass(frozen=True)
class Template:
    """One version of a prompt, as loaded from its file (chapter 2)."""

    name: str
    version: int
    description: str
    system: str
    user: str
    variables: tuple[str, ...]
    examples: tuple[tuple[str, str], ...] = ()
    path: Path | None = field(default=None, compare=False)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def sha256(self) -> str:
        """Hash of everything that reaches the model; the file's path and comments don't count."""
        body = {"name": self.name, "version": self.version, "system": self.system, "user": self.user,
                "variables": list(self.variables), "examples": [list(e) for e in self.examples]}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def load_template(path: Path) -> Template:
    """Read and check one template file; errors name the file and the field (chapter 2)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PromptError(f"{path}: not valid YAML ({exc}).", "fix the YAML syntax in that file") from exc
    if not isinstance(data, dict):
        raise PromptError(f"{path}: expected a mapping of fields, got {type(data).__name__}.",
                          f"start the file with the fields {', '.join(_REQUIRED)}")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise PromptError(f"{path}: missing field(s) {', '.join(missing)}.", "add them to the file")
    if not isinstance(data["version"], int) or data["version"] < 1:
        raise PromptError(f"{path}: field 'version' must be a positive integer, got {data['version']!r}.",
                          "use version: 1, 2, ...")
    if path.stem != f"v{data['version']}" or path.parent.name != data["name"]:
        raise PromptError(f"{path}: file location does not match name {data['name']!r} version {data['version']}.",
                          f"move it to prompts/{data['name']}/v{data['version']}.yaml")
    examples = []
    for i, ex in enumerate(data.get("examples") or []):
        if not isinstance(ex, dict) or set(ex) != {"user", "assistant"}:
            raise PromptError(f"{path}: examples[{i}] must have exactly the keys 'user' and 'assistant'.",
                              "write each example as {user: ..., assistant: ...}")
        examples.append((str(ex["user"]), str(ex["assistant"])))
    template = Template(data["name"], data["version"], str(data["description"]).strip(),
                        str(data.get("system") or "").strip(), str(data["user"]).strip(),
                        tuple(data["variables"]), tuple(examples), path)
    used = set(_PLACEHOLDER.findall(template.system + template.user))
    if used != set(template.variables):
        raise PromptError(f"{path}: field 'variables' lists {sorted(template.variables)} but the text uses "
                          f"{sorted(used)}.", "make the declared variables match the {{placeholders}}")
    return template


@cache
def _registry(root: Path) -> dict[str, dict[int, Template]]:
    found: dict[str, dict[int, Template]] = {}
    for path in sorted(root.glob("*/v*.yaml")):
        t = load_template(path)
        found.setdefault(t.name, {})[t.version] = t
    return found


def registry(root: Path | None = None) -> dict[str, dict[int, Template]]:
    """All templates under `root` (default: the repo's `prompts/`), by name and version (chapter 2)."""
    return _registry(Path(root or PROMPTS_DIR).resolve())


def get(ref: str, root: Path | None = None) -> Template:
    """Look up `name@version`, or `name` for the latest version (chapter 2)."""
    name, _, version = ref.partition("@")
    versions = registry(root).get(name)
    if not versions:
        raise PromptError(f"Unknown prompt {name!r}.", f"known prompts: {', '.join(sorted(registry(root))) or 'none'}")
    if not version:
        return versions[max(versions)]
    if not version.isdigit() or int(version) not in versions:
        raise PromptError(f"Prompt {name!r} has no version {version!r}.",
                          f"available: {', '.join(f'{name}@{v}' for v in sorted(versions))}")
    return versions[int(version)]


def fill(text: str, values: dict[str, object]) -> str:
    """Replace `{{name}}` placeholders; every other character, braces included, is kept (chapter 2)."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)


def render(ref: str | Template, root: Path | None = None, **values: object) -> RenderedPrompt:
    """Fill a template and return chat messages with its ref and hash (chapter 2)."""
    t = ref if isinstance(ref, Template) else get(ref, root)
    missing = sorted(set(t.variables) - set(values))
    extra = sorted(set(values) - set(t.variables))
    if missing or extra:
        problems = ([f"missing variable(s) {', '.join(missing)}"] if missing else []) + ([f"undeclared variable(s) {', '.join(extra)}"] if extra else [])
        raise PromptError(f"{t.ref}: {'; '.join(problems)}.", f"pass exactly: {', '.join(t.variables)}")
    messages = [{"role": "system", "content": fill(t.system, values) or "You are a helpful assistant."}]
    for user, assistant in t.examples:
        messages += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    messages.append({"role": "user", "content": fill(t.user, values)})
    return RenderedPrompt(messages, t.ref, t.sha256)
