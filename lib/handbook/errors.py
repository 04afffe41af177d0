"""Every error the handbook raises on purpose, each saying what went wrong and what to do.

A `HandbookError` carries a `message` and a `fix`, so the CLI prints both
without a traceback and a learner in Jupyter reads a remedy, not a stack:

    PromptError("Unknown prompt 'triage'.", "known prompts: ticket-triage")
    -> printed by `handbook`:  error: Unknown prompt 'triage'.
                                 fix: known prompts: ticket-triage

The classes are grouped by the part of the book that raises them, in book
order. This module imports nothing, so every floor of the library can use it.

Deliberately left out: error codes, translations, and wrapping third-party
exceptions we did not anticipate (those surface as they are).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class HandbookError(Exception):
    """Base class (chapter 1). `fix` is the one-line remedy shown after the message."""

    def __init__(self, message: str, fix: str | None = None):
        self.message = message
        self.fix = fix
        super().__init__(f"{message}\n  fix: {fix}" if fix else message)


class DataFileError(HandbookError):
    """A data file (JSONL, CSV) is missing or has a malformed line (any chapter)."""


# ------------------------------------------------------------------ chapter 1: calling a model
class ConfigError(HandbookError):
    """An environment variable or setting is wrong (chapter 1)."""


class ModelFileError(HandbookError):
    """A local model file is missing, incomplete or has the wrong hash (chapter 1)."""


class ServerError(HandbookError):
    """The local LLM server could not be started or reached (chapter 1)."""


class LLMCallError(HandbookError):
    """A chat call failed after the request was sent (chapter 1)."""


class TokenizerError(HandbookError):
    """No tokenizer for a model, or a broken token file (chapters 1 and 5)."""


# ------------------------------------------------------------------ chapter 2: prompts
class PromptError(HandbookError):
    """Unknown prompt or version, malformed template file, or bad variables (chapter 2)."""


class StructuredOutputError(HandbookError):
    """A model reply that is not JSON, or JSON that does not fit the schema (chapter 2)."""

    def __init__(self, message: str, fix: str | None = None, raw: str = ""):
        super().__init__(message, fix)
        self.raw = raw


class ExperimentError(HandbookError):
    """A bad dataset, variant or comparison given to an experiment (chapters 2 and 4)."""


# ------------------------------------------------------------------ chapter 3: retrieval
class CorpusError(HandbookError):
    """No usable documents, or an unusable path (chapter 3)."""


class SkippedFileWarning(UserWarning):
    """A file was skipped while loading: binary, unreadable, too large or of an unknown type (chapter 3)."""


class ChunkingError(HandbookError):
    """Chunking parameters that cannot work, e.g. an overlap as large as the chunk (chapter 3)."""


class EmbeddingError(HandbookError):
    """The embedding model cannot be found or loaded (chapter 3)."""


class VectorIndexError(HandbookError):
    """A missing or broken index, or a bad query against it (chapter 3)."""


class IndexMismatchError(VectorIndexError):
    """The query's embedding model or dimension differs from the index's (chapter 3)."""


# ------------------------------------------------------------------ chapter 3: the vector store (Milvus)
class StoreError(HandbookError):
    """A vector store cannot be opened, or a bad filter or query was given to it (chapter 3)."""


class StoreMismatchError(StoreError):
    """The collection was built with another embedding model or dimension (chapter 3)."""





# ------------------------------------------------------------------ chapter 4: evaluation
class EvaluationError(HandbookError):
    """Bad qrels, run, labels or dataset given to an evaluation (chapter 4)."""


# ------------------------------------------------------------------ chapter 4: telemetry (OpenTelemetry)
class TelemetryError(HandbookError):
    """Spans could not be sent to an OTLP endpoint (chapter 4)."""


# ------------------------------------------------------------------ chapter 5: cost
class PriceError(HandbookError):
    """A model has no price, or a price table is malformed (chapters 5 and 6)."""


class BudgetError(HandbookError):
    """A budget was set up wrongly, e.g. a zero or negative limit (chapter 5)."""


class BudgetExceeded(HandbookError):
    """A call was refused because it could take spending over the limit (chapter 5)."""


class CacheError(HandbookError):
    """A response cache was set up wrongly or an entry on disk is damaged (chapter 5)."""


# ------------------------------------------------------------------ chapter 6: fine-tuning
class DatasetError(HandbookError):
    """A fine-tuning dataset has problems; `.problems` lists them by line (chapter 6)."""

    def __init__(self, message: str, fix: str | None = None, problems: Sequence[Any] = ()):
        super().__init__(message, fix)
        self.problems = list(problems)


# ------------------------------------------------------------------ chapter 7: serving
class ServeError(HandbookError):
    """The app service was set up wrongly: no index, a bad port, no key on a public host (chapter 7)."""


class ModelUnavailable(HandbookError):
    """The model server behind the app is down, overloaded or too slow; `status` is the HTTP code to answer (chapter 7)."""

    def __init__(self, message: str, fix: str | None = None, status: int = 503, retry_after_s: int | None = None,
                 kind: str = "down"):
        super().__init__(message, fix)
        self.status = status
        self.retry_after_s = retry_after_s
        self.kind = kind  # down, overloaded, slow or rejected



# ------------------------------------------------------------------ chapter 8: security and guardrails
class DefenceError(HandbookError):
    """An unknown defence name or a bad guard setting (chapter 8)."""


class UnsafeOutputError(HandbookError):
    """Model output refused by a safe sink, e.g. a shell command off the allow-list (chapter 8)."""


class SuiteError(HandbookError):
    """An attack suite (JSONL of attacks and benign questions) is malformed (chapter 8)."""


# ------------------------------------------------------------------ chapter 9: tools and agents
class ToolError(HandbookError):
    """A tool refused its input or failed: a bad expression, a path outside the workspace (chapter 9)."""


class AgentError(HandbookError):
    """A bad agent setting or task file (chapter 9)."""

