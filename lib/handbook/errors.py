"""Typed errors for the whole handbook library.

Every error the library raises on purpose is a `HandbookError`. Its message
says what went wrong *and* what to do next, so the CLI can print it without a
traceback and a learner in Jupyter reads a fix, not a stack.

Deliberately left out: error codes, i18n, and wrapping of third-party
exceptions we did not anticipate (those should surface as they are).
"""

from __future__ import annotations


class HandbookError(Exception):
    """Base class. `fix` is the one-line remedy shown after the message."""

    def __init__(self, message: str, fix: str | None = None):
        self.message = message
        self.fix = fix
        super().__init__(f"{message}\n  fix: {fix}" if fix else message)


class ConfigError(HandbookError):
    """An environment variable or setting is wrong (chapter 1)."""


class ModelFileError(HandbookError):
    """A local model file is missing, incomplete or has the wrong hash (chapter 1)."""


class ServerError(HandbookError):
    """The local LLM server could not be started or reached (chapter 1)."""


class LLMCallError(HandbookError):
    """A chat call failed after the request was sent (chapter 1)."""
