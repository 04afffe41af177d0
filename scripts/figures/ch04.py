"""Chapter 4 diagram: the evaluation loop, from a golden set through a gate to production and back.

Run: .venv/bin/python scripts/figures/ch04.py  ->  chapters/figures/ch04-eval-loop.svg
Offline steps sit on the top row, online steps on the bottom row; the arrow that closes
the loop is the chapter's main practice: production failures become new golden items.
"""

from __future__ import annotations

from functools import partial

import _svg
from _svg import GREY, save
from matplotlib.patches import FancyArrowPatch

OFFLINE, ONLINE, GATE = "#dbe9f6", "#fde6cf", "#f6d5d5"
W, H = 2.8, 1.3  # box size in axis units


def box(ax, x, y, color, title, body):
    _svg.box(ax, x, y, W, H, color, title, body, title_y=0.3, body_y=-0.15)


arrow = partial(_svg.arrow, dy=0.18)


def loop() -> None:
    fig, ax = _svg.canvas((10.0, 4.8), (0, 13.4), (0.4, 6.25))
    top, bottom = 4.3, 1.3
    xs = (1.65, 5.0, 8.35, 11.7)

    ax.plot([3.6, 10.1], [2.8, 2.8], color=GREY, lw=0.8, ls=":")
    ax.text(6.85, 3.1, "offline: before release, on a fixed set", ha="center", fontsize=11, color=GREY,
            va="center", style="italic")
    ax.text(6.85, 2.5, "online: after release, on real traffic", ha="center", fontsize=11, color=GREY,
            va="center", style="italic")

    box(ax, xs[0], top, OFFLINE, "Golden set", "questions, references,\nrelevance judgements")
    box(ax, xs[1], top, OFFLINE, "Score a run", "hit@k, MRR, nDCG,\nF1, a checked judge")
    box(ax, xs[2], top, GATE, "Regression gate", "paired difference\nwith a bootstrap CI")
    box(ax, xs[3], top, OFFLINE, "Release", "the candidate\nreplaces the baseline")
    box(ax, xs[3], bottom, ONLINE, "Trace calls", "latency, tokens,\ncost, errors")
    box(ax, xs[2], bottom, ONLINE, "Dashboard", "p95, error rate, alerts,\nsampled judge score")
    box(ax, xs[1], bottom, ONLINE, "Failures found", "thumbs-down, tickets,\nsurprising traces")

    e = W / 2 + 0.08
    arrow(ax, (xs[0] + e, top), (xs[1] - e, top))
    arrow(ax, (xs[1] + e, top), (xs[2] - e, top))
    arrow(ax, (xs[2] + e, top), (xs[3] - e, top))
    arrow(ax, (xs[3], top - H / 2 - 0.08), (xs[3], bottom + H / 2 + 0.08), "deploy", dx=0.45, dy=-0.1)
    arrow(ax, (xs[3] - e, bottom), (xs[2] + e, bottom))
    arrow(ax, (xs[2] - e, bottom), (xs[1] + e, bottom))
    arrow(ax, (xs[1] - e, bottom), (xs[0], top - H / 2 - 0.08), "", rad=-0.3)
    ax.text(1.05, 2.2, "new golden\nitems", ha="center", va="center", fontsize=10, color=GREY, linespacing=1.3)
    # a failing gate sends the change back to be fixed
    ax.add_patch(FancyArrowPatch((xs[2], top + H / 2 + 0.08), (xs[1], top + H / 2 + 0.08), arrowstyle="-|>",
                                 mutation_scale=14, linewidth=1.2, color="#b03030", linestyle="--",
                                 connectionstyle="arc3,rad=0.45", shrinkA=2, shrinkB=2))
    ax.text(6.675, 6.02, "gate fails: fix the change, or add items if the CI is wide", ha="center", va="center", fontsize=10,
            color="#b03030")
    save(fig, "ch04-eval-loop")


if __name__ == "__main__":
    loop()
