"""Chapter 6 diagrams: LoRA's frozen W plus the trainable low-rank product BA, with the parameter count.

Run: .venv/bin/python scripts/figures/ch06.py  ->  chapters/figures/ch06-lora.svg
The shapes are those of SmolLM2-135M's query projection (576 x 576) with rank 8, the
example of chapter 6; B and A are drawn wider than to scale so that they stay visible.
"""

from __future__ import annotations

import _svg
from _svg import save
from matplotlib.patches import Rectangle

D, K, R = 576, 576, 8  # d x k frozen matrix, rank r
FROZEN, TRAIN, INK = "#d9d9d9", "#f4a259", "#222222"


def box(ax, x, y, w, h, color, label, size=12):
    ax.add_patch(Rectangle((x, y), w, h, facecolor=color, edgecolor=INK, linewidth=1.2))
    ax.text(x + w / 2, y + h / 2, label, ha="center", va="center", fontsize=size, color=INK)


def lora() -> None:
    fig, ax = _svg.canvas((8.6, 4.0), (0, 11.6), (-0.2, 4.9))
    ax.text(5.8, 4.55, r"$h = W x + \frac{\alpha}{r}\, B A x$", ha="center", va="center", fontsize=16)

    # x enters, the frozen path on the left, the trainable path on the right
    box(ax, 0.3, 0.6, 3.0, 3.0, FROZEN, f"W  (frozen)\n\nd × k = {D} × {K}\n\n{D * K:,} weights")
    ax.text(3.85, 2.1, "+", ha="center", va="center", fontsize=26)
    box(ax, 4.4, 0.6, 0.45, 3.0, TRAIN, "B\n\nd\n×\nr", size=11)
    ax.text(5.2, 3.4, "×", ha="center", va="center", fontsize=18)
    box(ax, 5.55, 3.15, 3.0, 0.45, TRAIN, "A   r × k", size=11)
    ax.text(4.62, 0.35, f"{D} × {R}", ha="center", va="center", fontsize=10)
    ax.text(7.05, 2.95, f"{R} × {K}", ha="center", va="center", fontsize=10)

    b, a = D * R, R * K
    ax.text(5.55, 2.35,
            f"trainable, rank r = {R}:\n"
            f"B {b:,} + A {a:,} = {b + a:,}\n"
            f"= r (d + k), {100 * (b + a) / (D * K):.1f} % of W\n"
            f"({D * K // (b + a)}× fewer than W)",
            ha="left", va="top", fontsize=11, color=INK, linespacing=1.5)
    ax.text(5.55, 0.45, "B starts at zero: at step 0 the model\nis exactly the pretrained one",
            ha="left", va="top", fontsize=10, color="#555555", linespacing=1.4)

    # legend swatches
    for i, (color, label) in enumerate(((FROZEN, "frozen: no gradient, no optimiser state"),
                                        (TRAIN, "trained: gradients and Adam moments"))):
        y = 1.15 - 0.5 * i
        ax.add_patch(Rectangle((9.0, y), 0.3, 0.3, facecolor=color, edgecolor=INK))
        ax.text(9.4, y + 0.15, label.replace(": ", ":\n"), va="center", fontsize=10, linespacing=1.2)

    ax.text(5.8, 4.05, "x has k entries; W x and B (A x) both have d", ha="center", va="center",
            fontsize=10, color="#555555")
    ax.text(9.0, 3.15, "merged for serving:\nW ← W + (α/r) BA", fontsize=10, color="#555555", linespacing=1.4)
    save(fig, "ch06-lora")


if __name__ == "__main__":
    lora()
