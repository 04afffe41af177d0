"""How long a lab takes, measured by the lab itself and quoted everywhere from that one measurement.

A lab's first code cell starts a `LabClock`; its last cell calls `glue()`,
which publishes two values to the book with `myst_nb.glue`:

    clock = LabClock()             # first cell
    ...                            # the lab
    clock.glue()                   # last cell (NBVAL_IGNORE_OUTPUT: the time varies)
    -> lab_seconds = "74"          # this execution, in whole seconds
    -> lab_time    = "1–4 min"     # the range a reader should expect
    -> lab_calls = "19", lab_prompt_tokens = "800", lab_reply_tokens = "281",
       lab_cache_hits = "0", lab_model_seconds = "11"   # what the model server did
    -> lab_shared_seconds = "11", lab_learners = "54"   # on a shared 2-core class server

The lab's header, the chapter's lab card, the introduction's table and the
instructor guide all paste `lab_time` with `{glue:text}`, so a run time is
never typed by hand and never disagrees between two pages.

While it runs, the clock counts every model call the lab makes through
`handbook.llm.client` (a client hook), so the instructor guide can say how
much server time one learner's lab costs a shared class endpoint:
`lab_shared_seconds` prices every call at the local model's measured prefill
and decode rates (`cost.estimates.LOCAL_THROUGHPUT`) with no prefix reuse,
since on a busy server the previous prompt is someone else's, and
`lab_learners` is how many learners' labs fit in ten minutes of it.

The range runs from 0.75x to 2.5x the measured time. The same lab on the same
class of 2-core laptop has measured up to 2.5 times slower from one day to the
next (thermal limits, background work, a cold disk cache), so one number
would mislead; the low end allows for a faster machine.

Deliberately left out: per-cell timings (the labs print those where they
teach something) and any wall-clock limit (speed is measured in `bench/`).
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass

from ..cost.estimates import LOCAL_THROUGHPUT
from ..llm import client
from ..records import Reply, Request

FASTER, SLOWER = 0.75, 2.5  # the range quoted around one measured run
SLOT = 600.0  # seconds: a class presses Run All within ten minutes (instructor guide)


def time_range(seconds: float) -> str:
    """A measured run time as the range a reader should expect (chapters' lab cards).

    >>> time_range(74)
    '1–4 min'
    >>> time_range(20)
    '1–2 min'
    """
    if seconds < 0:
        raise ValueError(f"a run time cannot be negative, got {seconds!r}")
    low = max(1, round(seconds * FASTER / 60))
    high = max(low + 1, math.ceil(seconds * SLOWER / 60))
    return f"{low}–{high} min"


@dataclass
class CallCounter:
    """A client hook that adds up the calls, tokens and model time of a lab (instructor guide)."""

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    reply_tokens: int = 0
    model_seconds: float = 0.0
    shared_seconds: float = 0.0  # the same calls on a busy class server, with no prefix to reuse

    def before(self, request: Request) -> Reply | None:
        return None

    def after(self, request: Request, reply: Reply | None, error: BaseException | None) -> None:
        if reply is None:
            return
        if reply.cached:
            self.cache_hits += 1
            return
        self.calls += 1
        self.prompt_tokens += reply.usage.prompt_tokens
        self.reply_tokens += reply.usage.completion_tokens
        self.model_seconds += reply.latency_s
        rates = LOCAL_THROUGHPUT.get(reply.model)
        if rates:  # a local model: full prefill plus decode at its measured 2-core rates
            self.shared_seconds += (reply.usage.prompt_tokens / rates["prefill"]
                                    + reply.usage.completion_tokens / rates["decode"])


class LabClock:
    """Started in a lab's first cell; `glue()` in its last cell publishes the run time (every chapter)."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.counter = CallCounter()
        self._hook: contextlib.AbstractContextManager | None = client.use(self.counter)
        self._hook.__enter__()  # counts until glue(); a with-block cannot span notebook cells

    @property
    def seconds(self) -> float:
        """Seconds since the clock started."""
        return time.perf_counter() - self.started

    def glue(self) -> dict[str, str]:
        """Glue `lab_seconds` and `lab_time` for the book, print them, and return them."""
        from myst_nb import glue  # heavy (Sphinx, docutils) and needed only when a lab ends

        elapsed = self.seconds
        if self._hook is not None:  # glue() may run twice when a reader re-runs the last cell
            self._hook.__exit__(None, None, None)
            self._hook = None
        n = self.counter
        values = {"lab_seconds": f"{elapsed:.0f}", "lab_time": time_range(elapsed),
                  "lab_calls": f"{n.calls:,}", "lab_cache_hits": f"{n.cache_hits:,}",
                  "lab_prompt_tokens": f"{n.prompt_tokens:,}", "lab_reply_tokens": f"{n.reply_tokens:,}",
                  "lab_model_seconds": f"{n.model_seconds:.0f}",
                  "lab_shared_seconds": f"{n.shared_seconds:.0f}",
                  "lab_learners": f"{int(SLOT // n.shared_seconds):,}" if n.shared_seconds else "any number"}
        for key, value in values.items():
            glue(key, value, display=False)
        print(f"This run took {values['lab_seconds']} s; expect {values['lab_time']} on a 2-core laptop.")
        print(f"Model calls: {values['lab_calls']} ({values['lab_prompt_tokens']} prompt and "
              f"{values['lab_reply_tokens']} reply tokens, {values['lab_model_seconds']} s of model time).")
        return values
