"""Chapter 5 diagram: where one request's tokens go, and where its dollars go.

Run: .venv/bin/python scripts/figures/ch05.py  ->  chapters/figures/ch05-where-tokens-go.svg
One illustrative RAG request on gpt-5-mini, priced from the book's price table
(lib/handbook/cost/prices.csv): the input is most of the tokens, the output (reply
plus hidden reasoning) most of the dollars, and a cached prefix shrinks only its own part.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from _svg import save

from handbook.cost import price

MODEL = "gpt-5-mini"
# (part, tokens, billed as, cacheable): an assumed request, not a measurement
PARTS = [
    ("system prompt\n+ tools", 1200, "input", True),
    ("retrieved passages", 2000, "input", False),
    ("question", 50, "input", False),
    ("hidden\nreasoning", 500, "output", False),
    ("reply", 250, "output", False),
]
COLORS = {"system prompt\n+ tools": "#9ecae1", "retrieved passages": "#c6dbef", "question": "#6baed6",
          "hidden\nreasoning": "#fdae6b", "reply": "#e6550d"}


def dollars(cached: bool) -> list[float]:
    p = price(MODEL)
    out = []
    for _, n, kind, cacheable in PARTS:
        rate = p.output if kind == "output" else (p.cached_input if cached and cacheable else p.input)
        out.append(float(n * rate) / 1e6)
    return out


def figure() -> None:
    per_k = lambda v: f"${v * 1000:.2f}"  # noqa: E731  dollars per 1,000 such requests
    rows = [("tokens", [float(n) for _, n, _, _ in PARTS], lambda v: f"{v:,.0f}"),
            ("$ per 1,000,\nfirst call", dollars(False), per_k),
            ("$ per 1,000,\nprefix cached", dollars(True), per_k)]
    scale = {0: sum(rows[0][1]), 1: sum(rows[1][1]), 2: sum(rows[1][1])}  # cached bar: same $ scale
    fig, ax = plt.subplots(figsize=(10.0, 4.6))
    y_of = {0: 2.0, 1: 1.0, 2: 0.0}
    for i, (label, values, fmt) in enumerate(rows):
        total, left, y = sum(values), 0.0, y_of[i]
        for (part, _, _, _), v in zip(PARTS, values, strict=True):
            w = v / scale[i]
            ax.barh(y, w, left=left, height=0.62, color=COLORS[part], edgecolor="#222222", linewidth=1)
            if w > 0.045:
                ax.text(left + w / 2, y, fmt(v), ha="center", va="center", fontsize=10)
            left += w
        ax.text(-0.015, y, label, ha="right", va="center", fontsize=11, weight="bold")
        ax.text(left + 0.015, y, f"total\n{fmt(total)}", ha="left", va="center", fontsize=10)
    # the cacheable prefix, bracketed above the token bar
    prefix = PARTS[0][1] / sum(n for _, n, _, _ in PARTS)
    ax.annotate("", xy=(0, 2.45), xytext=(prefix, 2.45),
                arrowprops={"arrowstyle": "|-|", "color": "#222222", "lw": 1.2, "mutation_scale": 4})
    ax.text(prefix / 2, 2.55, "stable prefix: cacheable", ha="center", va="bottom", fontsize=10)
    inp = sum(n for _, n, kind, _ in PARTS if kind == "input") / sum(n for _, n, _, _ in PARTS)
    ax.annotate("", xy=(inp, 2.45), xytext=(1, 2.45),
                arrowprops={"arrowstyle": "|-|", "color": "#a63603", "lw": 1.2, "mutation_scale": 4})
    ax.text((inp + 1) / 2, 2.55, "output price", ha="center", va="bottom", fontsize=10, color="#a63603")
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLORS[p], ec="#222222") for p, _, _, _ in PARTS]
    ax.legend(handles, [p.replace("\n", " ") for p, _, _, _ in PARTS], loc="upper center",
              bbox_to_anchor=(0.5, -0.04), ncol=5, frameon=False, fontsize=10)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.5, 2.9)
    ax.axis("off")
    ax.set_title(f"One RAG request on {MODEL}: share of tokens, and share of dollars", fontsize=12, pad=6)
    save(fig, "ch05-where-tokens-go")


if __name__ == "__main__":
    figure()
