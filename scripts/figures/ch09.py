"""Chapter 9 diagram: the agent loop, with the toolbox as the one door to every tool and the limits that stop it.

Run: .venv/bin/python scripts/figures/ch09.py  ->  chapters/figures/ch09-agent-loop.svg
The model on the left decides (a call or an answer); every call passes the toolbox (known name,
valid arguments, approval for acting tools, a timeout) before a tool runs; the result goes back
to the model as a message. The limits on the bottom row end the loop with a stop reason.
"""

from __future__ import annotations

from functools import partial

import _svg
from _svg import GREY, save

MODEL, DOOR, TOOL, STOP = "#dbe9f6", "#f6d5d5", "#e3f1dc", "#fde6cf"
W, H = 3.2, 1.5


def box(ax, x, y, color, title, body, w=W, h=H):
    _svg.box(ax, x, y, w, h, color, title, body, title_y=0.36, body_y=-0.17, size=9.5)


arrow = partial(_svg.arrow, dy=0.12)


def loop() -> None:
    fig, ax = _svg.canvas((11.5, 5.2), (0, 16.4), (0.2, 6.6))
    top, bottom = 4.6, 1.3
    xs = (1.8, 6.0, 10.3, 14.5)

    box(ax, xs[0], top, MODEL, "Task", "system prompt,\nuser question,\ntool schemas")
    box(ax, xs[1], top, MODEL, "Model decides", "a tool call\n(native, parsed, schema)\nor a final answer")
    box(ax, xs[2], top, DOOR, "Toolbox", "known tool, valid args?\napproval if it acts;\na timeout per call")
    box(ax, xs[3], top, TOOL, "Tools", "calculator, files\n(workspace only),\nsearch, any MCP server")
    box(ax, xs[1], bottom, STOP, "Answer", "stop_reason:\nanswered, max_steps,\nbudget or error")
    box(ax, xs[2], bottom, STOP, "Limits", "max_steps, budget\n(tokens, dollars),\nchecked before each step")

    e = W / 2 + 0.08
    arrow(ax, (xs[0] + e, top), (xs[1] - e, top))
    arrow(ax, (xs[1] + e, top + 0.25), (xs[2] - e, top + 0.25), "call")
    arrow(ax, (xs[2] + e, top + 0.25), (xs[3] - e, top + 0.25), "run")
    arrow(ax, (xs[3] - e, top - 0.3), (xs[2] + e, top - 0.3), "result", dy=-0.45)
    arrow(ax, (xs[2] - e, top - 0.3), (xs[1] + e, top - 0.3), "message", dy=-0.45)
    ax.text((xs[1] + xs[2]) / 2, 3.35, "a tool's result, or its ERROR,\ngoes back to the model", ha="center",
            va="center", fontsize=10, color=GREY, linespacing=1.3)
    arrow(ax, (xs[1], top - H / 2 - 0.08), (xs[1], bottom + H / 2 + 0.08), "answer", dx=-0.55, dy=-0.1)
    arrow(ax, (xs[2] - e - 0.08, bottom), (xs[1] + e + 0.08, bottom), "stop", color="#b03030", style="--",
          label_color="#b03030")
    ax.text(8.2, 6.3, "one step = one model call; every step is a span (agent.run > agent.step > agent.tool)",
            ha="center", va="center", fontsize=10, color=GREY, style="italic")
    save(fig, "ch09-agent-loop")


if __name__ == "__main__":
    loop()
