"""Chapter 1 diagrams: the MLOps loop and what LLMOps puts in each stage; training objectives and backbones.

Run: .venv/bin/python scripts/figures/ch01.py
  ->  chapters/figures/ch01-mlops-llmops-loop.svg
  ->  chapters/figures/ch01-objectives-backbones.svg
The loop's stages are those of chapter 1's MLOps table; the timeline's models and years
are the ones chapter 1 cites (GAN, VAE, DDPM, latent diffusion, DiT, Stable Diffusion 3,
Sora, the Transformer, GPT-3, Llama 4, Qwen3, GPT-5).
"""

from __future__ import annotations

import _svg
import matplotlib.pyplot as plt
from _svg import save
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

INK, GREY, FAINT = "#222222", "#6b6b6b", "#e8e8e8"
LLM, CNN, RNN, TRANSFORMER = "#fbe3c8", "#b9cde0", "#cfe5c4", "#f4a259"

# (MLOps stage, what MLOps does there, what LLMOps does there, chapters)
STAGES = [
    ("Data", "collect, label,\nsplit", "documents\nto retrieve;\na golden set", "ch. 3, 4"),
    ("Training", "fit the\nweights", "prompts,\nretrieval,\nmodel choice", "ch. 2, 3, 6"),
    ("Validation", "accuracy on\na test set", "golden set,\njudges, a\nrelease gate", "ch. 4"),
    ("Deployment", "registry,\ncontainer", "prompt, model\nand index,\nversioned", "ch. 1, 2"),
    ("Monitoring", "drift, business\nmetrics", "traces: latency,\ntokens, cost,\nerrors", "ch. 4, 5"),
]


def rounded(ax, x, y, w, h, color, edge=INK, lw=1.2):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.12",
                                facecolor=color, edgecolor=edge, linewidth=lw))


def arrow(ax, start, end, color=INK, style="-|>", lw=1.4, rad=0.0):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=14, color=color,
                                 linewidth=lw, connectionstyle=f"arc3,rad={rad}"))


def loop() -> None:
    fig, ax = _svg.canvas((8.8, 4.8), (-0.55, 11), (-0.35, 5.3))
    w, gap, x0 = 2.0, 0.25, 0.0
    ax.text(-0.3, 4.7, "MLOps", fontsize=11, color=GREY, fontweight="bold", va="center",
            ha="center", rotation=90)
    ax.text(-0.3, 2.38, "LLMOps", fontsize=11, color=INK, fontweight="bold", va="center",
            ha="center", rotation=90)
    for i, (stage, ml, llm, chapters) in enumerate(STAGES):
        x = x0 + i * (w + gap)
        rounded(ax, x, 4.2, w, 1.0, FAINT, edge=GREY, lw=1.0)
        ax.text(x + w / 2, 4.93, stage, ha="center", va="center", fontsize=11, color=INK)
        ax.text(x + w / 2, 4.5, ml, ha="center", va="center", fontsize=10, color=GREY, linespacing=1.15)
        rounded(ax, x, 1.35, w, 2.05, LLM)
        ax.text(x + w / 2, 2.5, llm, ha="center", va="center", fontsize=10, color=INK, linespacing=1.25)
        ax.text(x + w / 2, 1.6, chapters, ha="center", va="center", fontsize=10, color=GREY)
        arrow(ax, (x + w / 2, 4.15), (x + w / 2, 3.45), color=GREY, style="-|>", lw=1.0)
        if i < len(STAGES) - 1:
            arrow(ax, (x + w + 0.02, 4.7), (x + w + gap - 0.02, 4.7), color=GREY, lw=1.0)
        if i < len(STAGES) - 1:
            arrow(ax, (x + w + 0.03, 2.4), (x + w + gap - 0.03, 2.4))
    # the loop back: monitoring feeds the next change
    right = x0 + 4 * (w + gap) + w / 2
    left = x0 + w / 2
    ax.plot([right, right, left], [1.33, 0.75, 0.75], color=INK, linewidth=1.4)
    arrow(ax, (left, 0.75), (left, 1.3))
    ax.text((left + right) / 2, 0.35,
            "the next change: mostly a prompt, an index or a model choice, rarely new weights",
            ha="center", va="center", fontsize=10, color=INK)
    ax.text((left + right) / 2, -0.15, "(MLOps closes the same loop by retraining on drift)",
            ha="center", va="center", fontsize=10, color=GREY)
    save(fig, "ch01-mlops-llmops-loop")


# (objective, what the network learns, [(start, end, backbone colour)], [(year, label, above?)])
ROWS = [
    ("Adversarial\n(GAN)", "fool a discriminator",
     [(2014, 2026.9, CNN)],
     [(2014, "GAN", True), (2019, "StyleGAN", True), (2021.5, "now mostly a helper loss", False)]),
    ("Variational\n(VAE, ELBO)", "encode, then decode",
     [(2014, 2026.9, CNN)],
     [(2014, "VAE", True), (2021.6, "the compressor inside latent diffusion", False)]),
    ("Denoising,\nscore matching\n(diffusion)", "remove a little noise",
     [(2020, 2023, CNN), (2023, 2026.9, TRANSFORMER)],
     [(2020, "DDPM", True), (2022, "Stable Diffusion", False), (2023, "DiT", True),
      (2024.4, "SD3, Sora", True)]),
    ("Autoregressive\n(next token)", "predict the next token",
     [(2014, 2017.5, RNN), (2017.5, 2026.9, TRANSFORMER)],
     [(2014, "seq2seq (LSTM)", True), (2017.5, "Transformer", False), (2020.3, "GPT-3", True),
      (2022.9, "ChatGPT", False), (2025.3, "Llama 4, Qwen3, GPT-5", True)]),
]


def timeline() -> None:
    fig, ax = plt.subplots(figsize=(8.8, 5.4))
    left, right = 2008.2, 2027.4
    ax.set_xlim(left, right)
    ax.set_ylim(-1.25, len(ROWS) * 1.35 + 0.3)
    ax.axis("off")
    for r, (name, learns, bars, marks) in enumerate(ROWS):
        y = (len(ROWS) - 1 - r) * 1.35 + 0.2
        ax.text(left, y + 0.12, name, ha="left", va="center", fontsize=10, color=INK,
                fontweight="bold", linespacing=1.1)
        ax.text(left, y - 0.48, learns, ha="left", va="center", fontsize=10, color=GREY)
        for start, end, color in bars:
            ax.add_patch(Rectangle((start, y - 0.14), end - start, 0.28, facecolor=color,
                                   edgecolor=INK, linewidth=0.8))
        for year, label, above in marks:
            ax.plot([year], [y], marker="o", markersize=5, color=INK)
            ax.text(year, y + (0.22 if above else -0.22), label, ha="left" if year < 2025 else "center",
                    va="bottom" if above else "top", fontsize=10, color=INK, linespacing=1.05)
    for year in range(2014, 2027, 2):
        ax.text(year, -0.72, str(year), ha="center", va="center", fontsize=10, color=GREY)
        ax.plot([year, year], [-0.55, len(ROWS) * 1.35 - 0.1], color=FAINT, linewidth=0.8, zorder=0)
    for x, color, label in ((2011.4, CNN, "convolutional (CNN, U-Net)"), (2018.0, RNN, "recurrent (LSTM)"),
                            (2022.6, TRANSFORMER, "Transformer")):
        ax.add_patch(Rectangle((x, -1.2), 0.6, 0.2, facecolor=color, edgecolor=INK, linewidth=0.8))
        ax.text(x + 0.8, -1.1, label, va="center", fontsize=10, color=INK)
    ax.text(2008.2, -1.1, "backbone:", va="center", fontsize=10, color=GREY)
    save(fig, "ch01-objectives-backbones")


if __name__ == "__main__":
    loop()
    timeline()
