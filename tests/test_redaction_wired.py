"""Captured message text passes through chapter 8's redactor: `import handbook` installs it."""

import pytest

import handbook  # noqa: F401  (installs the content filter)
from handbook.telemetry.content import filter_content, messages_json


# a made-up key, built from pieces so that no file in the repository looks like a real one
@pytest.mark.parametrize("secret", ["alice@example.com", "4111 1111 1111 1111", "sk-" + "proj-" + "abcdefgh" * 3])
def test_captured_text_is_redacted(secret):
    assert secret not in filter_content(f"my details: {secret}, thanks")
    assert secret not in messages_json([{"role": "user", "content": f"use {secret}"}])


def test_plain_text_passes_unchanged():
    assert filter_content("What is a chunk?") == "What is a chunk?"
