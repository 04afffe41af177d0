"""Deterministic SVGs under chapters/figures/, and the two shapes the box-and-arrow diagrams share.

    from _svg import arrow, box, canvas, save
    fig, ax = canvas((10.0, 5.2), (0, 16.7), (0.3, 7.1))   # inches; axis units
    box(ax, 1.5, 4.7, 2.75, 1.45, "#dbe9f6", "Chunks", "200 tokens", title_y=0.33, body_y=-0.17)
    arrow(ax, (2.9, 4.7), (3.5, 4.7), "embed")
    save(fig, "ch03-rag-pipeline")   -> chapters/figures/ch03-rag-pipeline.svg

Deterministic means the same script writes the same bytes on every machine:
a fixed hash salt for the element ids, no creation date, and text drawn as
paths, so a reader's fonts cannot change the layout (the alt text carries
the words for screen readers and search).
Deliberately left out: PNG output (the site and the PDF both take SVG), and
layout: each chapter's script places its own boxes on its own canvas.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

INK, GREY = "#222222", "#555555"  # outlines and text; arrow labels

FIGURES = Path(__file__).resolve().parents[2] / "chapters" / "figures"

plt.rcParams.update({
    "svg.hashsalt": "genai-handbook",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 11,
})


def save(fig, name: str) -> Path:
    """Write `fig` to chapters/figures/<name>.svg atomically and print the path."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    path = FIGURES / f"{name}.svg"
    tmp = path.with_suffix(".svg.tmp")
    fig.savefig(tmp, format="svg", bbox_inches="tight", metadata={"Date": None})
    tmp.replace(path)
    plt.close(fig)
    print(path.relative_to(FIGURES.parents[1]), file=sys.stdout)
    return path


def canvas(size: tuple[float, float], xlim: tuple[float, float], ylim: tuple[float, float]):
    """A figure of `size` inches whose axes span `xlim` by `ylim` units, without ticks or frame."""
    fig, ax = plt.subplots(figsize=size)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.axis("off")
    return fig, ax


def box(ax, x, y, w, h, color, title, body, *, title_y, body_y, size=10, spacing=1.3) -> None:
    """A rounded box centred on (x, y): a bold title `title_y` above the centre, the body `body_y` from it."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05,rounding_size=0.12",
                                facecolor=color, edgecolor=INK, linewidth=1.2))
    ax.text(x, y + title_y, title, ha="center", va="center", fontsize=12, weight="bold", color=INK)
    ax.text(x, y + body_y, body, ha="center", va="center", fontsize=size, color=INK, linespacing=spacing)


def arrow(ax, start, end, label="", *, color=INK, label_color=GREY, rad=0.0, dx=0.0, dy=0.15,
          style="-") -> None:
    """An arrow from `start` to `end`, bent by `rad`, with an optional label above its middle."""
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, linewidth=1.4, color=color,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=2, shrinkB=2, linestyle=style))
    if label:
        ax.text((start[0] + end[0]) / 2 + dx, (start[1] + end[1]) / 2 + dy, label, ha="center", va="bottom",
                fontsize=10, color=label_color)
