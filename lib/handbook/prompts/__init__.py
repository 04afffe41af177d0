"""Chapter 2, prompts: versioned templates, structured output, prompt experiments, a playground.

* `templates`: `render("name@version", **vars)` from `prompts/<name>/v<N>.yaml`, with hashes.
* `structured`: `chat_json(prompt, Schema)`: schema-constrained decoding, validation, one retry.
* `experiments`: the one engine that runs, compares and gates (prompt versions here, pipelines in chapter 4).
* `variants`: prompt versions on a labelled set, self-consistency votes, the release gate.
* `playground`: `Playground()`, a Jupyter widget to try a template (imports ipywidgets when used).
"""

from .experiments import Comparison, GateResult, compare, compare_scores, gate, run
from .structured import Structured, chat_json, json_schema, parse_json, response_format, validate
from .templates import PROMPTS_DIR, Template, get, load_template, registry, render
from .variants import Variant, extract_label, majority_vote, regression

__all__ = ["PROMPTS_DIR", "Comparison", "GateResult", "Structured", "Template", "Variant", "chat_json", "compare",
           "compare_scores", "extract_label", "gate", "get", "json_schema", "load_template", "majority_vote",
           "parse_json", "registry", "regression", "render", "response_format", "run", "validate"]
