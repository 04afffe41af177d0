"""The `lab-figure` directive (_ext/lab_figure.py), built by Sphinx on a two-page book in a temp folder.

A lab notebook with glued outputs (no execution) and a chapter that shows
its plot and quotes its numbers; the table lists what the chapter writes
and what the -W build must say about it.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from sphinx.application import Sphinx

EXT = Path(__file__).resolve().parents[1] / "_ext"
# The smallest valid PNG: one transparent pixel.
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082")).decode()


def glued(key: str, data: dict) -> dict:
    prefix = "application/papermill.record/"
    return {"output_type": "display_data", "metadata": {"scrapbook": {"name": key, "mime_prefix": prefix}},
            "data": {prefix + k: v for k, v in data.items()}}


def lab() -> dict:
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "source": "glue(...)",
            "outputs": [glued("fig_curve", {"image/png": PNG, "text/plain": "<Figure>"}),
                        glued("mrr", {"text/plain": "0.76312"})]}
    return {"nbformat": 4, "nbformat_minor": 5, "cells": [
        {"cell_type": "markdown", "id": "head", "metadata": {}, "source": "# Lab"}, {"id": "glue", **cell}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}}


def build(tmp_path: Path, chapter: str) -> tuple[str, str]:
    src = tmp_path / "src"
    (src / "labs").mkdir(parents=True)
    (src / "chapters").mkdir()
    (src / "labs" / "lab.ipynb").write_text(json.dumps(lab()))
    (src / "chapters" / "ch.md").write_text(chapter)
    (src / "index.md").write_text("# Book\n\n```{toctree}\nchapters/ch\nlabs/lab\n```\n")
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(EXT)!r})\n"
        "extensions = ['myst_nb', 'lab_figure']\nnb_execution_mode = 'off'\n"
        "exclude_patterns = ['_build']\n")
    warnings = io.StringIO()
    app = Sphinx(str(src), str(src), str(tmp_path / "html"), str(tmp_path / "doctrees"), "html",
                 status=None, warning=warnings, freshenv=True)
    app.build()
    # A second Sphinx app in one process re-registers Sphinx's own nodes; those notices are not ours.
    ours = [w for w in warnings.getvalue().splitlines() if "is already registered" not in w]
    return (tmp_path / "html" / "chapters" / "ch.html").read_text(), "\n".join(ours)


FIGURE = "```{{lab-figure}} {key}\n:doc: ../labs/lab.ipynb\n{alt}\n:name: fig-c\n\nThe caption.\n```\n"


@pytest.mark.parametrize(("chapter", "page_has", "warning_has"), [
    (FIGURE.format(key="fig_curve", alt=":alt: A rising curve."),
     ['<figure class="lab-figure', 'alt="A rising curve."', "The caption."], None),
    (FIGURE.format(key="fig_missing", alt=":alt: A rising curve."),
     [], "glues no image 'fig_missing'"),
    (FIGURE.format(key="fig_curve", alt=""), [], "needs :alt:"),
    ("MRR {glue:text}`../labs/lab.ipynb::mrr:.3f`.\n", ["0.763"], None),
    ("MRR {glue:text}`../labs/lab.ipynb::nope:.3f`.\n", [], "'nope' not found"),
])
def test_lab_figure(tmp_path, chapter, page_has, warning_has):
    page, warnings = build(tmp_path, "# Chapter\n\n" + chapter)
    for text in page_has:
        assert text in page
    if warning_has:
        assert warning_has in warnings
    else:
        assert "WARNING" not in warnings, warnings


def test_the_image_is_copied_into_the_site(tmp_path):
    page, _ = build(tmp_path, "# Chapter\n\n" + FIGURE.format(key="fig_curve", alt=":alt: A curve."))
    src = page.split('alt="A curve." src="', 1)[1].split('"', 1)[0]
    assert (tmp_path / "html" / "chapters" / src).resolve().read_bytes() == base64.b64decode(PNG)
