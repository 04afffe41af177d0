"""Chapter 8 diagram: where each defence acts on the path of a grounded answer.

Run: .venv/bin/python scripts/figures/ch08.py  ->  chapters/figures/ch08-guarded-path.svg
A question retrieves sources; the detector screens them and spotlighting marks them; the prompt
carries the hierarchy in the system message and the sandwich after the sources; the model's
answer passes the output check and is rendered safely. Controls in the prompt are drawn in one
colour, controls in code in another. Set PREVIEW=path.png to also write a PNG.
"""

from __future__ import annotations

import os
from functools import partial

import _svg
import matplotlib.pyplot as plt
from _svg import GREY, save

PATH, MODEL = "#dbe9f6", "#e2f0d9"
PROMPTED, CODED = "#fde6cf", "#f4d4d4"  # defences that ask the model / that do not
W, H = 2.6, 1.35


def box(ax, x, y, color, title, body):
    _svg.box(ax, x, y, W, H, color, title, body, title_y=0.3, body_y=-0.2, size=9)


arrow = partial(_svg.arrow, dy=H / 2 + 0.04)


def guarded_path() -> None:
    fig, ax = _svg.canvas((11.0, 4.9), (0, 20.2), (-0.2, 6.4))
    row, low = 4.4, 1.4
    xs = (1.5, 5.0, 8.5, 12.0, 15.3, 18.6)
    e = W / 2 + 0.06

    box(ax, xs[0], row, PATH, "Question", "from the user")
    box(ax, xs[1], row, PATH, "Sources", "retrieved text:\nanyone's words")
    box(ax, xs[2], row, PATH, "Prompt", "rules, sources,\nquestion")
    box(ax, xs[3], row, MODEL, "Model", "1.5B local model,\ntemperature 0")
    box(ax, xs[4], row, PATH, "Answer", "text with [n]")
    box(ax, xs[5], row, PATH, "Sink", "HTML, Markdown,\nSQL, shell")
    arrow(ax, (xs[0] + e, row), (xs[1] - e, row), "retrieve")
    arrow(ax, (xs[1] + e, row), (xs[2] - e, row), "fill")
    arrow(ax, (xs[2] + e, row), (xs[3] - e, row), "chat")
    arrow(ax, (xs[3] + e, row), (xs[4] - e, row), "reply")
    arrow(ax, (xs[4] + e, row), (xs[5] - e, row), "render")

    defences = [
        (xs[1] - 0.95, CODED, "detector", "a model call:\ndrops injected\nsources"),
        (xs[1] + 0.95, PROMPTED, "spotlight", "datamarks:\nspaces to ^,\n< > defanged"),
        (xs[2], PROMPTED, "hierarchy\n+ sandwich", "rules before\nand after\nthe sources"),
        (xs[4], CODED, "output check", "links off the\nallow-list, echoed\ncodes: blocked"),
        (xs[5], CODED, "safe sinks", "escape, allow-list,\nparameters"),
    ]
    for x, color, title, body in defences:
        w = 1.8 if x in (xs[1] - 0.95, xs[1] + 0.95) else 2.5
        _svg.box(ax, x, low, w, 1.9, color, "", body, title_y=0.5, body_y=-0.3, size=8, spacing=1.15)
        ax.text(x, low + 0.55, title, ha="center", va="center", fontsize=10, weight="bold",
                linespacing=1.1)
        _svg.arrow(ax, (x, low + 1.0), (x, row - H / 2 - 0.06), color=GREY)

    ax.text(0.3, 6.1, "one answer's path, and where the chapter's defences act on it", fontsize=11,
            color=GREY, style="italic", va="center")
    ax.add_patch(plt.Rectangle((0.35, -0.15), 0.35, 0.3, facecolor=PROMPTED, edgecolor="#222222"))
    ax.text(0.85, 0.0, "asks the model (a request it may ignore)", fontsize=9, va="center")
    ax.add_patch(plt.Rectangle((8.6, -0.15), 0.35, 0.3, facecolor=CODED, edgecolor="#222222"))
    ax.text(9.1, 0.0, "code or a separate call around the model (holds whatever it writes)",
            fontsize=9, va="center")
    if os.environ.get("PREVIEW"):
        fig.savefig(os.environ["PREVIEW"], dpi=90, bbox_inches="tight")
    save(fig, "ch08-guarded-path")


if __name__ == "__main__":
    guarded_path()
