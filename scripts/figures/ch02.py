"""Chapter 2 diagrams: the two layers of structured output, and the life of a prompt version.

Run: .venv/bin/python scripts/figures/ch02.py
  ->  chapters/figures/ch02-structured-layers.svg, chapters/figures/ch02-prompt-lifecycle.svg
The first shows where each layer acts (inside the server's sampler, then in the application);
the second shows a prompt version from template file to release, with the gate's way back.
"""

from __future__ import annotations

import _svg
from _svg import GREY, INK, save

SERVER, APP, GATE, FAIL, RED = "#dbe9f6", "#fde6cf", "#f6d5d5", "#eeeeee", "#b03030"


def box(ax, x, y, w, h, color, title, body, size=10):
    _svg.box(ax, x, y, w, h, color, title, body, title_y=h / 2 - 0.32, body_y=-0.12, size=size, spacing=1.35)


def arrow(ax, start, end, label="", color=INK, **how):
    _svg.arrow(ax, start, end, label, color=color, label_color=color, **how)  # labels take the arrow's colour


def layers() -> None:
    fig, ax = _svg.canvas((10.0, 4.2), (0, 14), (0, 6))
    y, h = 3.3, 2.3
    box(ax, 1.45, y, 2.7, h, FAIL, "Request", "prompt +\nresponse_format:\nstrict JSON schema")
    box(ax, 5.3, y, 3.6, h, SERVER, "Layer 1: constrained\ndecoding",
        "\n\nthe sampler may pick only\ntokens that keep the reply\nvalid against the schema")
    box(ax, 9.4, y, 3.0, h, APP, "Layer 2: validate", "parse, check keys,\ntypes, allowed values")
    box(ax, 12.6, y, 2.2, h, FAIL, "Value", "a typed object\nfor the code")
    arrow(ax, (2.85, y), (3.45, y))
    arrow(ax, (7.15, y), (7.85, y), "reply")
    arrow(ax, (10.95, y), (11.45, y), "ok")
    arrow(ax, (9.4, y - h / 2 - 0.05), (5.3, y - h / 2 - 0.05), "", RED, rad=-0.35, style="--")
    ax.text(7.35, 0.55, "invalid: one retry with the error; then fail loudly with the raw reply",
            ha="center", fontsize=10, color=RED)
    ax.text(5.0, 5.05, "in the server (OpenAI, vLLM, llama.cpp)", ha="center", fontsize=10, color=GREY,
            style="italic")
    ax.text(9.8, 5.05, "in your application", ha="center", fontsize=10, color=GREY, style="italic")
    save(fig, "ch02-structured-layers")


def lifecycle() -> None:
    fig, ax = _svg.canvas((10.0, 3.9), (0, 15.2), (0, 5.6))
    y, w, h = 3.0, 2.75, 1.9
    xs = (1.5, 4.5, 7.5, 10.5, 13.5)
    box(ax, xs[0], y, w, h, APP, "Template", "prompts/name/\nvN.yaml")
    box(ax, xs[1], y, w, h, APP, "Version", "immutable file,\nSHA-256 hash")
    box(ax, xs[2], y, w, h, SERVER, "Experiment", "dev tickets: tune\nheld-out tickets:\nmeasure")
    box(ax, xs[3], y, w, h, GATE, "Gate", "paired accuracy,\nbootstrap CI,\nvs. live version")
    box(ax, xs[4], y, w, h, SERVER, "Release", "code pins\nname@version,\ntraces log hash")
    for a, b in zip(xs, xs[1:], strict=False):
        arrow(ax, (a + w / 2 + 0.05, y), (b - w / 2 - 0.05, y))
    arrow(ax, (xs[3], y + h / 2 + 0.05), (xs[0], y + h / 2 + 0.05), "fails: write vN+1", RED, rad=0.25,
          dy=0.55, style="--")
    arrow(ax, (xs[4], y - h / 2 - 0.05), (xs[1], y - h / 2 - 0.05), "", GREY, rad=-0.25, style="--")
    ax.text((xs[1] + xs[4]) / 2, 0.45, "rollback: pin the previous version (its file never changed)",
            ha="center", fontsize=10, color=GREY)
    save(fig, "ch02-prompt-lifecycle")


if __name__ == "__main__":
    layers()
    lifecycle()
