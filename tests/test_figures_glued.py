"""No lab figure is typed into a chapter by hand: chapters paste them with `{glue:text}` (issue: one source).

The check reads every number in the prose of the chapters and the
introduction (code, math, roles such as `{glue:text}` and `{cite}`, inline code
and links are left out) that has at least three significant digits or a
thousands separator, such as 0.763, 27.6 or 1,536, and fails when the same
number appears in a lab's committed output, unless it comes from one of the
book's data tables (dated prices, golden sets), where labs print it too, or
from the short list below, each with the reason it is not a lab measurement.

Deliberately left out: one- and two-digit figures (0.5, 36), which coincide
by chance far too often for a test to judge; they are reviewed by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"(?<![\w.\-/])\d[\d,]*\.\d+(?![\w.])|(?<![\w.\-/])\d{1,3}(?:,\d{3})+(?![\w.])")
NOT_LAB = {  # number -> why a chapter may type it although a lab prints it
    "2.49": "an H100's hourly price, cited in chapter 5 and kept in cost.breakeven.MACHINES",
    "5,500": "an H100's reply tokens/s, cited in chapter 5 and kept in cost.breakeven.MACHINES",
    "25,000": "the H100 prompt speed chapter 5 assumes, kept in cost.breakeven.MACHINES",
    "1.12": "the size in GB of the model file, fixed by the model package",
    "17.7": "Kojima et al.'s zero-shot chain-of-thought result on MultiArith, cited in chapter 2",
    "17.9": "Wang et al.'s self-consistency gain on GSM8K, cited in chapter 2",
}
PAGES = sorted([*ROOT.glob("chapters/*.md"), *ROOT.glob("chapters/includes/*.md"), ROOT / "intro.md"])


def significant(number: str) -> int:
    return len(number.replace(",", "").replace(".", "").lstrip("0"))


def prose(text: str) -> str:
    """The page without code blocks, math, roles, inline code and links."""
    for pattern in (r"```.*?```", r"\$\$.*?\$\$", r"\$[^$\n]+\$", r"\{[\w:]+\}`[^`]*`", r"`[^`\n]*`",
                    r"https?://\S+"):
        text = re.sub(pattern, "", text, flags=re.S)
    return text


def lab_numbers() -> dict[str, set[str]]:
    found = {}
    for path in sorted(ROOT.glob("labs/lab*.ipynb")):
        numbers = set()
        for cell in json.loads(path.read_text())["cells"]:
            for out in cell.get("outputs", []):
                texts = [out.get("text", "")] + [v for k, v in out.get("data", {}).items() if "text" in k]
                for t in texts:
                    numbers |= set(NUMBER.findall("".join(t) if isinstance(t, list) else str(t)))
        found[path.stem] = numbers
    return found


def table_numbers() -> set[str]:
    files = [*ROOT.glob("lib/handbook/**/*.csv"), *ROOT.glob("data/**/*.jsonl"), *ROOT.glob("data/**/*.csv"),
             *ROOT.glob("data/**/*.tsv")]
    return {n for f in files for n in NUMBER.findall(f.read_text(encoding="utf-8"))}


LABS, TABLES = lab_numbers(), table_numbers()


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_no_lab_figure_is_typed_by_hand(page):
    typed = []
    for line in prose(page.read_text(encoding="utf-8")).splitlines():
        for n in NUMBER.findall(line):
            if significant(n) < 3 or n in TABLES or n in NOT_LAB:
                continue
            labs = [lab for lab, numbers in LABS.items() if n in numbers]
            if labs:
                typed.append(f"{n} (printed by {', '.join(labs)}): {line.strip()[:100]}")
    assert not typed, "glue these from the lab ({glue:text}`../labs/<lab>.ipynb::key:s`):\n" + "\n".join(typed)


def test_the_check_finds_a_typed_figure():
    assert NUMBER.findall(prose("MRR was 0.763 and {glue:text}`x::mrr:s` and `0.922` and $0.5$")) == ["0.763"]
    assert significant("0.763") == 3 and significant("1,536") == 4 and significant("0.05") == 1
