"""Save a matplotlib figure as a deterministic SVG under chapters/figures/ (for scripts/figures/chNN.py).

    from _svg import save
    save(fig, "ch03-rag-pipeline")   -> chapters/figures/ch03-rag-pipeline.svg

Deterministic means the same script writes the same bytes on every machine:
a fixed hash salt for the element ids, no creation date, and text drawn as
paths, so a reader's fonts cannot change the layout (the alt text carries
the words for screen readers and search).
Deliberately left out: PNG output (the site and the PDF both take SVG).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

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
