"""Fine-tuning data: the JSONL file every adaptation run needs first, checked.

A managed fine-tuning API takes a JSON Lines file where each line is one
conversation, `{"messages": [{"role": ..., "content": ...}, ...]}`, and the
last assistant turn is what the model learns to say. Uploading a broken file
costs a round trip at best and a wasted training run at worst, so
`validate_chat()` checks it locally first and names the line and the problem:
unreadable JSON, unknown roles, empty turns, a missing assistant answer, an
example over the token limit, and duplicates (which silently over-weight an
example and leak between train and test splits). `handbook.files.write_jsonl`
writes a dataset atomically. What a run costs and whether it helped are the
next module's job (`handbook.finetune.training`).

    validate_chat("train.jsonl").problems
    -> [Problem(line=7, message="the last message is 'user'; end each example with the assistant's answer"), ...]

Deliberately left out: the training loops (they live in lab 6, where the reader
sees them), uploading files and polling jobs, multimodal and tool-call
messages, per-message `weight` semantics (accepted, not interpreted), and
near-duplicate detection beyond whitespace and case.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DatasetError
from ..llm.tokens import count_messages

ROLES = ("system", "user", "assistant")
MESSAGE_KEYS = {"role", "content", "name", "weight"}


@dataclass(frozen=True)
class Problem:
    """One finding in a dataset: 1-based line number (0 = the whole file) and what is wrong (chapter 6)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else f"file: {self.message}"


@dataclass
class Report:
    """What `validate_chat` found: examples kept, problems, and tokens per valid example (chapter 6)."""

    examples: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)  # one count per entry of `examples`

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens)

    def raise_if_problems(self, source: str = "dataset") -> Report:
        """Raise `DatasetError` listing every problem, or return self when clean (chapter 6)."""
        if self.problems:
            shown = "\n".join(f"  {p}" for p in self.problems[:20])
            more = f"\n  ... and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
            raise DatasetError(
                f"{source} has {len(self.problems)} problem(s):\n{shown}{more}",
                "fix the lines named above (or drop them) and validate again before uploading",
                self.problems,
            )
        return self


def _check(example: object, count: Callable[[list[dict]], int], max_tokens: int) -> tuple[list[str], int]:
    """Problems of one parsed line, and its token count when it is well formed."""
    if not isinstance(example, dict) or not isinstance(example.get("messages"), list):
        return ['expected an object with a "messages" list'], 0
    messages = example["messages"]
    if not messages:
        return ['"messages" is empty'], 0
    found: list[str] = []
    for i, msg in enumerate(messages, 1):
        if not isinstance(msg, dict):
            found.append(f"message {i} is not an object")
            continue
        role, content = msg.get("role"), msg.get("content")
        if role not in ROLES:
            found.append(f"message {i} has unknown role {role!r} (use one of {', '.join(ROLES)})")
        if extra := sorted(set(msg) - MESSAGE_KEYS):
            found.append(f"message {i} has unexpected key(s) {', '.join(extra)}")
        if not isinstance(content, str):
            found.append(f"message {i} ({role}) has no text content")
        elif not content.strip():
            found.append(f"message {i} ({role}) is empty")
        if role == "system" and i != 1:
            found.append(f"message {i} is a system message; only the first message may be one")
    roles = [m.get("role") for m in messages if isinstance(m, dict)]
    if "assistant" not in roles:
        found.append("no assistant message: there is nothing to learn from")
    elif roles[-1] != "assistant":
        found.append(f"the last message is {roles[-1]!r}; end each example with the assistant's answer")
    if found:
        return found, 0
    tokens = count(messages)
    if tokens > max_tokens:
        found.append(f"{tokens} tokens, over the limit of {max_tokens} per example")
    return found, tokens


def _key(example: dict) -> str:
    """Identity for duplicate detection: roles and contents, whitespace and case folded."""
    return json.dumps([(m["role"], " ".join(m["content"].split()).casefold()) for m in example["messages"]])


def validate_chat(
    lines: Iterable[str] | str | Path,
    *,
    model: str = "gpt-4o-mini",
    max_tokens: int = 65_536,
    min_examples: int = 10,
    count: Callable[[list[dict]], int] | None = None,
) -> Report:
    """Check a chat-format JSONL dataset line by line; returns a `Report`, raising only for a missing file (chapter 6).

    `lines` is a path or an iterable of text lines. Each example's tokens are
    counted with `count(messages)`, by default `handbook.llm.count_messages`
    for `model` (chat overhead included), and compared with `max_tokens`, the
    target model's limit per training example. Valid, non-duplicate examples are
    kept in `report.examples`, with their token counts in `report.tokens`.
    """
    count = count or (lambda messages: count_messages(messages, model))
    if isinstance(lines, str | Path):
        path = Path(lines)
        if not path.exists():
            raise DatasetError(f"Dataset file {path} does not exist.", "check the path, or write it with handbook.files.write_jsonl")
        lines = path.read_text(encoding="utf-8").splitlines()
    report = Report()
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            report.problems.append(Problem(number, "blank line (every line must be one JSON example)"))
            continue
        try:
            example = json.loads(raw)
        except json.JSONDecodeError as exc:
            report.problems.append(Problem(number, f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        found, tokens = _check(example, count, max_tokens)
        if found:
            report.problems.extend(Problem(number, message) for message in found)
            continue
        key = _key(example)
        if key in seen:
            report.problems.append(Problem(number, f"duplicate of line {seen[key]}"))
            continue
        seen[key] = number
        report.examples.append(example)
        report.tokens.append(tokens)
    if len(report.examples) < min_examples:
        report.problems.append(
            Problem(0, f"{len(report.examples)} valid example(s); at least {min_examples} are required")
        )
    return report


def chat_example(system: str | None, user: str, assistant: str) -> dict:
    """One training example in the chat format (chapter 6)."""
    messages = [{"role": "system", "content": system}] if system else []
    return {"messages": [*messages, {"role": "user", "content": user}, {"role": "assistant", "content": assistant}]}
