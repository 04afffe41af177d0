"""Chapter 3 diagram: the RAG pipeline, offline indexing on top and a question's path below.

Run: .venv/bin/python scripts/figures/ch03.py  ->  chapters/figures/ch03-rag-pipeline.svg
Offline, documents become chunks, vectors and an index (with its manifest); online, a question
is embedded by the same model, the index returns the top-k chunks, and they become the numbered
sources of the prompt whose reply cites them. Set PREVIEW=path.png to also write a PNG.
"""

from __future__ import annotations

import os
from functools import partial

import _svg
from _svg import GREY, save
from matplotlib.patches import FancyArrowPatch

OFFLINE, ONLINE, MODEL = "#dbe9f6", "#fde6cf", "#e2f0d9"
W, H = 2.75, 1.45  # box size in axis units


def box(ax, x, y, color, title, body):
    _svg.box(ax, x, y, W, H, color, title, body, title_y=0.33, body_y=-0.17)


arrow = partial(_svg.arrow, dy=H / 2 + 0.04)  # labels sit above the boxes the arrows join


def pipeline() -> None:
    fig, ax = _svg.canvas((10.0, 5.2), (0, 16.7), (0.3, 7.1))
    top, bottom = 4.7, 1.3
    xs = (1.5, 4.9, 8.3, 11.7, 15.1)
    e = W / 2 + 0.06

    ax.text(0.2, 6.95, "offline: once per corpus change", fontsize=11, color=GREY,
            style="italic", va="center")
    ax.text(0.2, 2.55, "online: once per question", fontsize=11, color=GREY,
            style="italic", va="center")
    ax.plot([0.2, 16.5], [3.0, 3.0], color=GREY, lw=0.8, ls=":")

    box(ax, xs[0], top, OFFLINE, "Documents", "md, txt, html,\nipynb files")
    box(ax, xs[1], top, OFFLINE, "Chunks", "200 tokens, 40 of\nthem shared with\nthe next chunk")
    box(ax, xs[2], top, OFFLINE, "Embeddings", "384 numbers per\nchunk, cached")
    box(ax, xs[3], top, OFFLINE, "Index", "FAISS vectors\n+ manifest")
    arrow(ax, (xs[0] + e, top), (xs[1] - e, top), "chunk")
    arrow(ax, (xs[1] + e, top), (xs[2] - e, top), "embed")
    arrow(ax, (xs[2] + e, top), (xs[3] - e, top), "add")

    box(ax, xs[0], bottom, ONLINE, "Question", "\"What does\nnprobe control?\"")
    box(ax, xs[1], bottom, ONLINE, "Query vector", "the same model\nas the chunks")
    box(ax, xs[2], bottom, ONLINE, "Top-k hits", "dense, BM25 or\nhybrid (RRF)")
    box(ax, xs[3], bottom, ONLINE, "Prompt", "numbered sources\n+ the rules")
    box(ax, xs[4], bottom, MODEL, "Reply", "answer with [n],\nor \"I don't know\"")
    arrow(ax, (xs[0] + e, bottom), (xs[1] - e, bottom), "embed")
    arrow(ax, (xs[1] + e, bottom), (xs[2] - e, bottom), "search")
    arrow(ax, (xs[2] + e, bottom), (xs[3] - e, bottom), "fill")
    arrow(ax, (xs[3] + e, bottom), (xs[4] - e, bottom), "LLM")
    # the index answers the search: from the index down to the hits
    arrow(ax, (xs[3] - 0.4, top - H / 2 - 0.06), (xs[2] + 0.4, bottom + H / 2 + 0.06),
          "nearest chunks", dx=1.2, dy=0.25)
    # citations point back at file and line ranges of the documents
    green, y_line = "#2f6f3f", 6.2
    ax.plot([xs[4], xs[4], xs[0]], [bottom + H / 2 + 0.06, y_line, y_line], color=green,
            lw=1.2, ls="--")
    ax.add_patch(FancyArrowPatch((xs[0], y_line), (xs[0], top + H / 2 + 0.06),
                                 arrowstyle="-|>", mutation_scale=14, linewidth=1.2,
                                 color=green, linestyle="--", shrinkA=0, shrinkB=2))
    ax.text(xs[2], y_line + 0.08, "each citation [n] points back at a file and its lines",
            ha="center", va="bottom", fontsize=10, color=green)
    if os.environ.get("PREVIEW"):
        fig.savefig(os.environ["PREVIEW"], dpi=90, bbox_inches="tight")
    save(fig, "ch03-rag-pipeline")


if __name__ == "__main__":
    pipeline()
