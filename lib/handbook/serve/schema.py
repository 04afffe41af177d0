"""The shapes of the app's requests and answers, as pydantic models that FastAPI documents in /openapi.json.

The limits are part of the schema (`maxLength` of the question, `maximum`
of `k`), so a client, or a fuzzer such as schemathesis, reads them from the
OpenAPI document instead of guessing. `models(limits)` builds the classes for
one app's limits; `describe(errors)` turns pydantic's validation errors into
the one-line message a 422 carries.

    describe([{"loc": ("body", "question"), "msg": "String should have at least 1 character"}])
    -> "Invalid request: question: String should have at least 1 character."

Deliberately left out: versioned schemas and response examples.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    """Every error the app answers: what went wrong and what to do (chapter 7)."""

    error: str
    fix: str | None = None


class Source(BaseModel):
    n: int
    source: str
    start_line: int
    end_line: int
    heading: str
    score: float


class UsageBody(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class AskResponse(BaseModel):
    """A non-streamed answer: text, numbered sources, which the text cites, tokens and model (chapter 7)."""

    answer: str
    sources: list[Source]
    cited: list[int]
    usage: UsageBody
    model: str


def models(limits: Any) -> tuple[type[BaseModel], type[BaseModel], type[BaseModel]]:
    """(AskRequest, AskResponse, ErrorBody) with this app's limits in the request schema (chapter 7)."""

    class AskRequest(BaseModel):
        """A question for the index; `k` sources; `stream` for server-sent events."""

        model_config = ConfigDict(extra="forbid")
        question: str = Field(min_length=1, max_length=limits.max_question_chars, pattern=r"\S",
                              description="the question, with at least one non-space character")
        k: int = Field(4, ge=1, le=limits.max_k, description="how many sources to retrieve")
        stream: bool = Field(False, description="answer as server-sent events")

    return AskRequest, AskResponse, ErrorBody


def describe(errors: list[dict]) -> str:
    """One line naming each invalid field and why (chapter 7); never echoes the input itself."""
    parts = []
    for e in errors[:5]:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {e.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(parts) + "."
