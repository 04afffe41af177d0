"""Chapter 7 diagram: request-level (static) batching against continuous (iteration-level) batching.

Run: .venv/bin/python scripts/figures/ch07.py  ->  chapters/figures/ch07-continuous-batching.svg
Four requests of different reply lengths share a server with three slots. With static batching a
batch runs until its longest reply ends, so finished slots sit idle and a new request waits for
the whole batch; with continuous batching a request joins the batch at the next decode step after
a slot frees (Orca's iteration-level scheduling). An illustration, not a measurement.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from _svg import INK, save

# (name, decode steps, colour); D arrives at step 1
REQUESTS = {"A": (7, "#6baed6"), "B": (2, "#fd8d3c"), "C": (4, "#74c476"), "D": (3, "#9e9ac8")}
IDLE = "#eeeeee"


def lane(ax, y, start, steps, name, color) -> None:
    ax.barh(y, steps, left=start, height=0.62, color=color, edgecolor=INK, linewidth=1)
    ax.text(start + steps / 2, y, f"{name}: {steps} tokens", ha="center", va="center", fontsize=10, color=INK)


def idle(ax, y, start, steps) -> None:
    ax.barh(y, steps, left=start, height=0.62, color=IDLE, edgecolor="#999999", linewidth=0.8, hatch="//")
    ax.text(start + steps / 2, y, "idle", ha="center", va="center", fontsize=9, color="#555555")


def figure() -> None:
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10.0, 4.8), sharex=True)
    # static: A, B, C form a batch that ends when A ends (step 7); D waits, then runs alone
    for slot, name in enumerate("ABC"):
        steps, color = REQUESTS[name]
        lane(top, 2 - slot, 0, steps, name, color)
        if steps < 7:
            idle(top, 2 - slot, steps, 7 - steps)
    lane(top, 2, 7, REQUESTS["D"][0], "D", REQUESTS["D"][1])
    idle(top, 1, 7, 3)
    idle(top, 0, 7, 3)
    top.set_title("Request-level batching: the batch runs until its longest reply ends (D done at step 10)",
                  fontsize=11, loc="left")
    # continuous: D takes B's slot at step 2, the step after B finishes
    lane(bottom, 2, 0, 7, "A", REQUESTS["A"][1])
    lane(bottom, 1, 0, 2, "B", REQUESTS["B"][1])
    lane(bottom, 1, 2, 3, "D", REQUESTS["D"][1])
    lane(bottom, 0, 0, 4, "C", REQUESTS["C"][1])
    bottom.set_title("Continuous batching: a request joins at the next step a slot is free (D done at step 5)",
                     fontsize=11, loc="left")
    for ax in (top, bottom):
        ax.set_yticks([2, 1, 0], ["slot 1", "slot 2", "slot 3"])
        ax.set_xlim(0, 10.2)
        ax.axvline(1, color="#555555", linestyle=":", linewidth=1)
        ax.text(1.08, -0.5, "D arrives", fontsize=9, color="#555555", va="center")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    bottom.set_xticks(range(11))
    bottom.set_xlabel("decode step (one forward pass over every active request)")
    fig.tight_layout()
    save(fig, "ch07-continuous-batching")


if __name__ == "__main__":
    figure()
