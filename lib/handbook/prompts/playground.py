"""A prompt playground for Jupyter: pick a template, fill its variables, run it.

`Playground()` is an ipywidgets box. In: a template (`name@version` from the
registry), one text box per declared variable, temperature and max tokens.
Out: the model's reply, its token counts and latency, and the exact messages
that were sent. It runs once when created, so a notebook saved with widget
state (as the book's build does) shows a real reply even as static HTML, where
no kernel is attached and the Run button does nothing.

Deliberately left out: editing the template text itself (templates are
versioned files; write a new version instead), streaming, and chat history.
"""

from __future__ import annotations

import html

import ipywidgets as w

from ..errors import HandbookError
from ..llm import client
from ..records import Reply
from .templates import get, registry, render


class Playground(w.VBox):
    """Template, variables and temperature in; reply and token count out (chapter 2)."""

    def __init__(self, ref: str = "ticket-triage", values: dict[str, str] | None = None, *,
                 model: str | None = None, temperature: float = 0.0, max_tokens: int = 64, run: bool = True):
        self.model = model
        self.reply: Reply | None = None
        self.error: str | None = None
        self._values = dict(values or {})
        refs = [t.ref for versions in registry().values() for t in versions.values()]
        start = get(ref).ref
        self.template = w.Dropdown(options=sorted(refs), value=start, description="template")
        self.fields = w.VBox()
        self.temperature = w.FloatSlider(value=temperature, min=0.0, max=1.5, step=0.1, description="temperature")
        self.max_tokens = w.IntSlider(value=max_tokens, min=8, max=512, step=8, description="max tokens")
        self.button = w.Button(description="Run", button_style="primary", icon="play")
        self.output = w.Textarea(value="", disabled=True, description="reply",
                                 layout=w.Layout(width="95%", height="8em"))
        self.status = w.HTML()
        self.sent = w.HTML()
        sent_box = w.Accordion(children=[self.sent], titles=("messages sent",))
        self._build_fields()
        self.template.observe(lambda _: self._build_fields(), names="value")
        self.button.on_click(lambda _: self.run())
        super().__init__([self.template, self.fields, w.HBox([self.temperature, self.max_tokens]),
                          self.button, self.output, self.status, sent_box])
        if run:
            self.run()

    def __repr__(self) -> str:
        """A short text form: the notebook shows the widget; text views (and nbval) see this line."""
        return f"Playground({self.template.value!r}, temperature={self.temperature.value})"

    def _build_fields(self) -> None:
        for box in self.fields.children:  # remember what was typed before switching templates
            self._values[box.description] = box.value
        t = get(self.template.value)
        self.fields.children = [
            w.Textarea(value=str(self._values.get(name, "")), description=name,
                       layout=w.Layout(width="95%", height="4em"))
            for name in t.variables
        ]

    @property
    def values(self) -> dict[str, str]:
        return {box.description: box.value for box in self.fields.children}

    def run(self) -> Reply | None:
        """Render the chosen template with the typed values and call the model (chapter 2)."""
        self.error = None
        try:
            rendered = render(self.template.value, **self.values)
            self.sent.value = "".join(f"<p><b>{m['role']}</b></p><pre>{html.escape(m['content'])}</pre>"
                                      for m in rendered.messages)
            self.reply = client.chat(rendered, model=self.model, temperature=self.temperature.value,
                                     max_tokens=self.max_tokens.value)
        except HandbookError as exc:
            self.error, self.reply = exc.message, None
            self.output.value = ""
            self.status.value = f"<span style='color:#b00'>error: {html.escape(exc.message)}</span>"
            return None
        u = self.reply.usage
        self.output.value = self.reply.text
        self.status.value = (f"<code>{rendered.ref}</code> · sha256 <code>{rendered.short_hash}</code> · "
                             f"{u.prompt_tokens} prompt + {u.completion_tokens} completion tokens · "
                             f"{self.reply.latency_s:.2f} s · finish: {self.reply.finish_reason}")
        return self.reply
