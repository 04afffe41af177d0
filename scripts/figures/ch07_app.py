"""Chapter 7 diagram: a question's path through the application tier, `handbook serve`.

Run: .venv/bin/python scripts/figures/ch07_app.py  ->  chapters/figures/ch07-app-request-path.svg
A request passes cheap checks first (size, key, rate, shape, load), each of which can refuse it at
once with its status code; only then does the pipeline retrieve and call the model under a
deadline, with retries, backoff and jitter, and the smaller fallback model when the main one is
overloaded. Probes and metrics sit beside the path. Set PREVIEW=path.png to also write a PNG.
"""

from __future__ import annotations

import os

import _svg
from _svg import GREY, INK, save
from matplotlib.patches import FancyBboxPatch

CLIENT, GATE, PIPE, MODEL, OPS = "#fde6cf", "#f3f3f3", "#dbe9f6", "#e2f0d9", "#f6e0ef"
RED = "#a33a3a"


def request_path() -> None:
    fig, ax = _svg.canvas((12.5, 5.0), (0, 20.6), (-0.4, 7.4))
    y = 4.6
    ax.add_patch(FancyBboxPatch((2.55, 1.25), 12.4, 5.75, boxstyle="round,pad=0.05,rounding_size=0.2",
                                facecolor="white", edgecolor=GREY, linewidth=1.0, linestyle="--"))
    ax.text(2.75, 6.7, "handbook serve (FastAPI under uvicorn, one process)", fontsize=11, color=GREY,
            style="italic", va="center")

    _svg.box(ax, 1.15, y, 1.8, 1.5, CLIENT, "Client", "POST\n/v1/ask", title_y=0.35, body_y=-0.2)
    gates = [("size", "413"), ("key", "401"), ("rate", "429"), ("shape", "422"), ("load", "503")]
    xs = [3.6 + 1.6 * i for i in range(len(gates))]
    for x, (name, code) in zip(xs, gates, strict=True):
        _svg.box(ax, x, y, 1.3, 1.1, GATE, name, "", title_y=0.0, body_y=0.0)
        _svg.arrow(ax, (x, y - 0.62), (x, y - 1.55), color=RED)
        ax.text(x, y - 1.8, code, ha="center", va="center", fontsize=11, color=RED, weight="bold")
    ax.text((xs[0] + xs[-1]) / 2, y - 2.45, "refused at once, in milliseconds, with {error, fix}",
            ha="center", va="center", fontsize=10, color=RED)
    _svg.arrow(ax, (2.1, y), (xs[0] - 0.7, y))
    for a, b in zip(xs, xs[1:], strict=False):
        _svg.arrow(ax, (a + 0.68, y), (b - 0.68, y))

    px = 13.05
    _svg.box(ax, px, y, 3.3, 2.1, PIPE, "Pipeline", "retrieve, prompt,\ndeadline (504),\nretry: backoff + jitter",
             title_y=0.62, body_y=-0.25, size=9.5)
    _svg.arrow(ax, (xs[-1] + 0.68, y), (px - 1.72, y))

    _svg.box(ax, 18.45, 5.7, 3.7, 1.5, MODEL, "Model server", "the main model\n(llama.cpp, vLLM, API)",
             title_y=0.35, body_y=-0.22, size=9.5)
    _svg.box(ax, 18.45, 3.0, 3.7, 1.5, MODEL, "Smaller model", "the fallback, tried\nonce when overloaded",
             title_y=0.35, body_y=-0.22, size=9.5)
    _svg.arrow(ax, (px + 1.72, y + 0.45), (16.5, 5.6), "timeout", dx=-0.1, dy=0.3)
    _svg.arrow(ax, (px + 1.72, y - 0.45), (16.5, 3.1), "fallback", dx=0.2, dy=-1.0, style="--")
    ax.text(px, y - 1.55, "model down: 503 + Retry-After\nstreamed answer: SSE events", ha="center",
            va="top", fontsize=9.5, color=INK, linespacing=1.3)

    _svg.box(ax, 8.3, 0.35, 10.6, 1.0, OPS, "", "", title_y=0.0, body_y=0.0)
    ax.text(8.3, 0.35, "/healthz: alive   ·   /readyz: model reachable   ·   /metrics: Prometheus",
            ha="center", va="center", fontsize=9.5, color=INK)
    ax.text(14.2, 0.35, "orchestrator, load balancer,\nPrometheus read these", ha="left", va="center",
            fontsize=9.5, color=GREY, linespacing=1.3)
    if os.environ.get("PREVIEW"):
        fig.savefig(os.environ["PREVIEW"], dpi=90, bbox_inches="tight")
    save(fig, "ch07-app-request-path")


if __name__ == "__main__":
    request_path()
