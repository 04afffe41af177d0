"""handbook.records: the small frozen records every part of the library shares."""

from __future__ import annotations

import dataclasses

import pytest

from handbook.records import Chunk, Hit, RenderedPrompt, Reply, Usage


def test_usage_adds_up():
    parts = [Usage(10, 2), Usage(5, 1, 3)]
    assert sum(parts) == Usage(15, 3, 3)
    assert (parts[0] + parts[1]).total_tokens == 18
    assert sum([], Usage()) == Usage()


def test_chunk_id_and_embed_text():
    c = Chunk("chapters/03-rag.md", "Dense retrieval embeds text.", 0, 28, 40, 52, "Retrieval", 5)
    assert c.id == "chapters/03-rag.md:40-52"
    assert c.embed_text == "Retrieval\nDense retrieval embeds text."  # the heading is added once
    titled = dataclasses.replace(c, text="# Retrieval\n\nDense retrieval embeds text.")
    assert titled.embed_text == titled.text
    assert dataclasses.replace(c, heading="").embed_text == c.text


def test_hit_as_dict_has_what_the_cli_prints():
    h = Hit(1, 0.12345678, Chunk("a.md", "text", 0, 4, 1, 2, "H"), "bm25")
    assert (h.source, h.text) == ("a.md", "text")
    assert h.as_dict() == {"rank": 1, "source": "a.md", "score": 0.123457, "text": "text", "start_line": 1,
                           "end_line": 2, "heading": "H", "retriever": "bm25"}


def test_records_are_frozen_and_extra_is_not_compared():
    a = Reply("x", Usage(), 0.0, "m", extra={"saved_s": 1.0})
    assert a == Reply("x", Usage(), 0.0, "m")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.text = "y"
    assert RenderedPrompt([], "p@1", "ab" * 32).short_hash == "ab" * 6
