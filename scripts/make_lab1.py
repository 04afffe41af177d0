"""Source of labs/lab1-first-llm-calls.ipynb (kept as a script for review; run once, then execute)."""
import nbformat as nbf

cells = []


def md(s):
    cells.append(nbf.v4.new_markdown_cell(s.strip()))


def code(s):
    cells.append(nbf.v4.new_code_cell(s.strip()))



md("""
# Lab 1: Your first LLM calls

Companion to [Chapter 1: Introduction](../chapters/01-introduction.md).

You will call a real language model, running on your own CPU, through the official `openai`
Python client, exactly as you would call OpenAI. Along the way you will see:

1. messages and roles;
2. tokens and the `usage` every reply reports;
3. temperature, side by side;
4. streaming;
5. what one call costs, here and on paid APIs;
6. switching endpoints with environment variables only;
7. a small interactive control.

**Run time:** about one minute on a 2-core laptop. No GPU, API key or internet needed: the first
call starts the local server if it is not running yet.
""")

code("""
from handbook import client, config, cost

cfg = config.settings()
print("endpoint:", cfg.base_url)
print("model:   ", cfg.model)
print("key:     ", cfg.key_hint)  # never the key itself
""")

md("""
## 1. Messages and roles

A chat model continues a conversation. You send a list of messages, each with a `role`:

* `system` sets behaviour for the whole conversation;
* `user` is what the person says;
* `assistant` is what the model said earlier (you send it back to give the model memory).

`client.chat` sends them through the `openai` package and returns a `Reply`.
""")

code("""
messages = [
    {"role": "system", "content": "You are a concise teacher. Answer in at most two sentences."},
    {"role": "user", "content": "What is a large language model?"},
]
reply = client.chat(messages, max_tokens=80)
print(reply.text)
""")

code("""
# Everything else the call returned. The latency varies from run to run, so this cell prints it
# separately below.
print("model:        ", reply.model)
print("finish reason:", reply.finish_reason)
print("usage:        ", reply.usage)
""")

code("""
# NBVAL_IGNORE_OUTPUT
print(f"latency: {reply.latency_s:.2f} s")
""")

md("""
Under the hood this is the official client, pointed at the local server. Here is the same call
made directly with `openai`, so you can see there is no magic. `client.openai_client()` is an
ordinary `openai.OpenAI` object built from your environment.
""")

code("""
import openai

oc = client.openai_client()
print(type(oc).__module__, type(oc).__name__, "| openai", openai.__version__)
raw = oc.chat.completions.create(model=cfg.model, messages=messages, max_tokens=80, temperature=0, seed=0)
print(raw.choices[0].message.content)
assert raw.choices[0].message.content == reply.text  # same request, same greedy answer
""")

md("""
The model has no memory between calls. To hold a conversation, send the history back, with the
model's earlier answer as an `assistant` message:
""")

code("""
conversation = messages + [
    {"role": "assistant", "content": reply.text},
    {"role": "user", "content": "Give one example of a task it is good at."},
]
follow_up = client.chat(conversation, max_tokens=60)
print(follow_up.text)
print("prompt tokens grew from", reply.usage.prompt_tokens, "to", follow_up.usage.prompt_tokens)
assert follow_up.usage.prompt_tokens > reply.usage.prompt_tokens  # the history is re-sent, and billed
""")

md("""
## 2. Tokens and usage

Models read and write **tokens**, not words. Every reply reports how many it read
(`prompt_tokens`) and wrote (`completion_tokens`). Even an empty question costs tokens: the chat
template wraps every message in role markers. Let's measure that overhead and how the count grows
with the length of the question.
""")

code("""
system = {"role": "system", "content": "Reply with OK."}
rows = []
for words in [0, 10, 50, 100]:
    question = " ".join(["token"] * words)
    r = client.chat([system, {"role": "user", "content": question}], max_tokens=3)
    rows.append((words, r.usage.prompt_tokens))
print(f"{'words in question':>18} {'prompt tokens':>14}")
for words, tokens in rows:
    print(f"{words:>18} {tokens:>14}")
overhead = rows[0][1]
print(f"template overhead: {overhead} tokens; each extra word here costs ~{(rows[-1][1] - overhead) / 100:.1f} token")
assert all(b[1] > a[1] for a, b in zip(rows, rows[1:]))
""")

md("""
The local model's tokenizer is not OpenAI's. `handbook.tokens.count_tokens` counts exactly with the
right one for each model, offline; chapter 5 explores why counts differ between models and
languages.
""")

code("""
from handbook.tokens import count_tokens

samples = {
    "English": "Large language models read tokens, not words.",
    "code": "def square(x: int) -> int:\\n    return x ** 2",
    "French": "Les grands modèles de langue lisent des jetons.",
    "Japanese": "大規模言語モデルは単語ではなくトークンを読みます。",
}
print(f"{'text':10s}" + "".join(f"{m:>30s}" for m in ["qwen2.5-coder-1.5b-instruct", "gpt-4o", "gpt-3.5-turbo"]))
for name, text in samples.items():
    counts = [count_tokens(text, m) for m in ["qwen2.5-coder-1.5b-instruct", "gpt-4o", "gpt-3.5-turbo"]]
    print(f"{name:10s}" + "".join(f"{c:>30d}" for c in counts))
""")

md("""
## 3. Temperature, side by side

At temperature 0 the model always picks its most likely next token, so the same request gives the
same reply. Higher temperatures sample from the distribution. We fix the random `seed` of each
sample so that this notebook itself stays reproducible; change the seeds and the hot replies change.
""")

code("""
prompt = [
    {"role": "system", "content": "You write product slogans. Reply with the slogan only."},
    {"role": "user", "content": "A slogan for a coffee shop run by robots."},
]
table = {}
for temperature in [0.0, 0.7, 1.5]:
    table[temperature] = [client.chat(prompt, temperature=temperature, seed=seed, max_tokens=24).text.strip()
                          for seed in (1, 2, 3)]
for temperature, samples in table.items():
    print(f"temperature {temperature}:")
    for s in samples:
        print("   ", s)
distinct = {t: len(set(s)) for t, s in table.items()}
print("distinct replies out of 3:", distinct)
assert distinct[0.0] == 1  # greedy decoding ignores the seed
assert distinct[1.5] >= distinct[0.0]
""")

md("""
Why do hot replies vary? Ask the server for the model's top candidates for the *first* token,
with their log-probabilities (`logprobs=True`, a standard API option), and rescale them by
temperature as chapter 1's formula does: each probability becomes proportional to `exp(log p / T)`. (We renormalise over the
top 8 candidates, which hold almost all of the probability here.)
""")

code("""
import math

import matplotlib.pyplot as plt

%config InlineBackend.figure_formats = ['png']

first = oc.chat.completions.create(model=cfg.model, messages=prompt, max_tokens=1, temperature=0, seed=0,
                                   logprobs=True, top_logprobs=8)
candidates = [(c.token, c.logprob) for c in first.choices[0].logprobs.content[0].top_logprobs]


def rescale(logprobs, temperature):
    weights = [math.exp(lp / temperature) for lp in logprobs]
    return [x / sum(weights) for x in weights]


tokens = [repr(t) for t, _ in candidates]
temps = [0.5, 1.0, 1.5]
dist = {t: rescale([lp for _, lp in candidates], t) for t in temps}
fig, ax = plt.subplots(figsize=(8, 3.2))
width = 0.27
for i, t in enumerate(temps):
    ax.bar([x + (i - 1) * width for x in range(len(tokens))], dist[t], width, label=f"T = {t}")
ax.set_xticks(range(len(tokens)), tokens)
ax.set_ylabel("probability")
ax.set_title("First token of the slogan: top candidates at three temperatures")
ax.legend()
plt.tight_layout()
plt.show()

entropy = {t: -sum(p * math.log2(p) for p in dist[t]) for t in temps}
print("entropy in bits:", {t: round(h, 2) for t, h in entropy.items()})
assert entropy[0.5] < entropy[1.0] < entropy[1.5]  # higher temperature, flatter distribution
""")

md("""
## 4. Streaming

A long reply can take several seconds. Streaming shows tokens as they are generated, which makes
an application feel fast even when it is not. `client.stream` yields text pieces; when it is done,
`.reply` holds the same `Reply` as `chat` would return. The local llama.cpp server does not send
token usage while streaming, so the library counts it with the model's own tokenizer.
""")

code("""
story = [
    {"role": "system", "content": "You are a concise writer."},
    {"role": "user", "content": "In two short sentences: why does showing a chatbot's reply word by word, "
                                "as it is generated, help the person waiting for it?"},
]
stream = client.stream(story, max_tokens=80)
pieces = []
for piece in stream:  # in a real app, send each piece to the screen as it arrives
    pieces.append(piece)
print("|".join(pieces))  # each | marks the boundary between two streamed pieces
print(f"{len(pieces)} pieces; usage {stream.reply.usage}; counted locally: {stream.reply.extra['usage_counted_locally']}")
assert "".join(pieces) == client.chat(story, max_tokens=80).text  # same tokens, delivered early
""")

md("""
## 5. What one call costs

The local model is free to run (you pay in electricity and time). Paid APIs bill per million
tokens, with different prices for input and output. `handbook.cost` keeps a dated price table,
one row per model with its source, and prices any `Usage`. Here is the first reply of this lab,
priced on several models:
""")

code("""
import pandas as pd

usage = reply.usage
models = ["qwen2.5-coder-1.5b-instruct", "gpt-4o-mini", "gpt-4.1-mini", "gpt-4o", "gpt-5", "claude-haiku-4-5", "claude-sonnet-4-5"]
rows = []
for m in models:
    p = cost.price(m)
    rows.append({"model": m, "input $/1M": float(p.input), "output $/1M": float(p.output),
                 "this call $": round(cost.usd(m, usage), 6), "1,000 calls $": round(1000 * cost.usd(m, usage), 4),
                 "price as of": str(p.as_of)})
prices = pd.DataFrame(rows)
prices
""")

code("""
assert cost.usd("qwen2.5-coder-1.5b-instruct", usage) == 0.0
total = sum([reply.usage, follow_up.usage])  # Usage objects add up
print("tokens in the first two calls:", total.total_tokens)
print(f"the same two calls on gpt-4o-mini: ${cost.usd('gpt-4o-mini', total):.6f}")
""")

md("""
## 6. Switching endpoints

The library reads its endpoint only from environment variables, so the same notebook talks to
OpenAI, vLLM or Ollama without code changes. `config.settings(env)` shows what a given environment
would select; here we pass example environments instead of changing your real one.
""")

code("""
examples = {
    "nothing set": {},
    "OpenAI": {"OPENAI_API_KEY": "sk-example-fake"},
    "Ollama": {"OPENAI_BASE_URL": "http://localhost:11434/v1", "HANDBOOK_MODEL": "qwen2.5-coder:1.5b"},
    "class server": {"OPENAI_BASE_URL": "http://classroom.local:8765/v1", "OPENAI_API_KEY": "class-key-123"},
}
for name, env in examples.items():
    s = config.settings(env)
    print(f"{name:13s} -> {s.base_url:34s} model={s.model:28s} key={s.key_hint}")
""")

md("""
A key that looks like an OpenAI secret is never sent to another host by accident:
""")

code("""
from handbook.errors import ConfigError

try:
    config.settings({"OPENAI_BASE_URL": "http://classroom.local:8765/v1", "OPENAI_API_KEY": "sk-example-fake"})
except ConfigError as err:
    print(err)
""")

md("""
To switch for real, set the variables before starting Jupyter (or in the first cell with
`os.environ`), for example:

```bash
export OPENAI_API_KEY=...            # OpenAI
export OPENAI_BASE_URL=http://localhost:11434/v1 HANDBOOK_MODEL=qwen2.5-coder:1.5b   # Ollama
```

Finally, the same question to the tiny local model, `smollm2-135m-instruct`. It is about ten times
smaller, and it shows:
""")

code("""
small = client.chat(messages, model="smollm2-135m-instruct", max_tokens=60)
print(small.text)
print(small.usage)
""")

md("""
## 7. An interactive control

A slider for temperature and a box for the question, wired to `client.chat`. Move the slider and
press the button in Jupyter; on the website you see the state it was saved in.
""")

code("""
import ipywidgets as w

question = w.Text(value="Name a use of a language model in one sentence.", description="Question", layout=w.Layout(width="95%"))
temperature = w.FloatSlider(value=0.0, min=0.0, max=1.5, step=0.1, description="Temperature")
button = w.Button(description="Ask", button_style="primary")
answer = w.Textarea(layout=w.Layout(width="95%", height="5em"), description="Reply")


def ask(_=None):
    r = client.chat([{"role": "system", "content": "Answer in one sentence."},
                     {"role": "user", "content": question.value}],
                    temperature=temperature.value, max_tokens=48)
    answer.value = f"{r.text.strip()}\\n[{r.usage.completion_tokens} tokens]"


button.on_click(ask)
ask()  # fill the reply once, so the saved notebook and the website show a real answer
w.VBox([question, w.HBox([temperature, button]), answer])
""")

code("""
print(answer.value)
assert answer.value.endswith("tokens]")
""")

md("""
## What you learned

* A chat call is a list of role-tagged messages in, a `Reply` with text, `usage`, latency and
  model out, through the same `openai` client you would use for OpenAI.
* Tokens are the unit of context, latency and price; history is re-sent and re-billed every turn.
* Temperature 0 is reproducible; higher temperatures trade repeatability for variety.
* Streaming changes when the user sees tokens, not how many there are.
* Cost is tokens × price, and prices differ by two orders of magnitude across models.

Next: [Chapter 2](../chapters/02-prompts.md) turns prompts into versioned, tested artefacts.
""")

nb = nbf.v4.new_notebook()
nb.cells = cells
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.metadata["language_info"] = {"name": "python"}
nbf.write(nb, "labs/lab1-first-llm-calls.ipynb")
