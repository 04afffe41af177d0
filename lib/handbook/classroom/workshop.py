"""Classroom preflight: `handbook doctor --workshop`, one line per check.

An instructor asks every learner to run this in the first five minutes. It
answers one question per line (is Python right, are the packages in, which
endpoint will the labs call and does it answer with the right key and model,
is a per-student budget set when the class pays per token, can notebooks
start) and ends with a verdict a helper can read across the room: READY or
NOT READY. Every failure carries its fix on the same line. The key itself is
never printed, only a hint such as `cla...8f2e`.

Checks that do not apply say so (`skip`): a learner on the shared class
endpoint does not need the local model files, and a free endpoint needs no
budget.

Deliberately left out: fixing anything, checks of the instructor's server
from its own side (run `handbook llm status` there), and network scans.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from decimal import Decimal, InvalidOperation
from urllib.parse import urlparse

from .. import config
from ..cost.pricing import price
from ..errors import PriceError
from ..llm import server
from ..llm.models import LOCAL_MODELS, gguf_path
from . import doctor
from .checks import FAIL, OK, SKIP, WARN, Check, CheckFn
from .checks import run_checks as run


def classroom(env: dict[str, str] | None = None) -> dict[str, str]:
    """The classroom variables HANDBOOK_STUDENT and HANDBOOK_BUDGET_USD, as `handbook.config` reads them (instructor guide)."""
    cfg = config.settings(env)
    return {"HANDBOOK_STUDENT": cfg.student or "", "HANDBOOK_BUDGET_USD": cfg.budget_usd or ""}


def _endpoint() -> tuple[str, str, str]:
    cfg = config.settings()  # raises ConfigError (bad URL, OpenAI key sent elsewhere) with its fix
    if cfg.local:
        return OK, f"local server on port {cfg.port}, model {cfg.model} (no key needed)", ""
    return OK, f"{cfg.base_url}, model {cfg.model}, key {cfg.key_hint}", ""


def _models_listing(cfg: config.Settings, timeout: float = 5.0) -> list[str]:
    req = urllib.request.Request(f"{cfg.base_url}/models", headers={"Authorization": f"Bearer {cfg.api_key}"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return sorted(m["id"] for m in json.loads(resp.read()).get("data", []))


def _reachable() -> tuple[str, str, str]:
    cfg = config.settings()
    if cfg.local:
        st = server.status(cfg)
        if st.healthy:
            return OK, f"local server answers at {st.url} ({', '.join(st.models)})", ""
        if st.running:
            return WARN, f"local server running (pid {st.pid}) but busy: no answer within 2 s", \
                "usually nothing: it answers when free; if it stays busy, read the log: handbook llm status"
        return WARN, "local server not running; the first lab call starts it (about 10 s)", \
            "nothing needed; `handbook llm start` starts it now"
    start = time.perf_counter()
    try:
        names = _models_listing(cfg)
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            return FAIL, f"{cfg.base_url} rejected the key {cfg.key_hint} (HTTP {exc.code})", \
                "copy OPENAI_API_KEY again from the instructor's slide (no quotes, no spaces)"
        return FAIL, f"{cfg.base_url}/models answered HTTP {exc.code}", "check OPENAI_BASE_URL ends in /v1"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or "timed out" in str(reason):
            # Not this laptop's fault, and calls will still be answered, slowly: a warning, not a failure.
            return WARN, f"{cfg.base_url} did not answer within 5 s (overloaded server or slow Wi-Fi)", \
                "run it again in a minute; if many see this, the instructor adds a server (instructor guide)"
        return FAIL, f"cannot reach {cfg.base_url}: {reason}", \
            "check the Wi-Fi and OPENAI_BASE_URL; or `unset OPENAI_BASE_URL OPENAI_API_KEY` to use your own local model"
    ms = (time.perf_counter() - start) * 1000
    return OK, f"{urlparse(cfg.base_url).netloc} answered in {ms:.0f} ms, serving {len(names)} model(s)", ""


def _model_served() -> tuple[str, str, str]:
    cfg = config.settings()
    if cfg.local:
        if cfg.model not in LOCAL_MODELS:
            return FAIL, f"HANDBOOK_MODEL={cfg.model!r} is not a local model", \
                f"use one of: {', '.join(LOCAL_MODELS)}"
        gguf_path(cfg.model)  # raises ModelFileError with its fix
        return OK, f"{cfg.model} file present (sha256 verified)", ""
    try:
        names = _models_listing(cfg)
    except (urllib.error.URLError, OSError, ValueError):
        return SKIP, "cannot list the endpoint's models (see above)", ""
    if cfg.model in names or not names:
        return OK, f"{cfg.model} is served", ""
    return FAIL, f"{cfg.model} is not among {', '.join(names[:5])}", f"export HANDBOOK_MODEL={names[0]}"


def _paid(cfg: config.Settings) -> bool:
    """Does this endpoint bill per token? Local and self-hosted servers do not."""
    if cfg.local:
        return False
    try:
        return not price(cfg.model).local
    except PriceError:  # unknown to the price table: a self-hosted model, unless it is OpenAI's own endpoint
        return urlparse(cfg.base_url).hostname == "api.openai.com"


def _budget() -> tuple[str, str, str]:
    cfg = config.settings()
    env = classroom()
    raw, student = env["HANDBOOK_BUDGET_USD"], env["HANDBOOK_STUDENT"]
    limit = None
    if raw:
        try:
            limit = Decimal(raw)
        except InvalidOperation:
            limit = Decimal(-1)
        if not limit.is_finite() or limit <= 0:
            return FAIL, f"HANDBOOK_BUDGET_USD={raw!r} is not a positive number of dollars", \
                "e.g. export HANDBOOK_BUDGET_USD=0.50"
    if not _paid(cfg):
        where = "local model" if cfg.local else "self-hosted endpoint"
        extra = f"; HANDBOOK_BUDGET_USD=${limit} applies only to paid APIs" if limit else ""
        return SKIP, f"not needed: the {where} does not bill per token{extra}", ""
    if limit is None or not student:
        return FAIL, f"{cfg.model} is billed per token and no per-student budget is set", \
            "export HANDBOOK_STUDENT=<your name> HANDBOOK_BUDGET_USD=<dollars per lab, from the instructor>"
    return OK, f"${limit} per lab for student {student!r} (handbook.cost.Budget.for_student)", ""


def _notebook_kernel() -> tuple[str, str, str]:
    from jupyter_client.kernelspec import find_kernel_specs

    specs = find_kernel_specs()
    if "python3" not in specs:
        return FAIL, f"no python3 Jupyter kernel (found: {', '.join(specs) or 'none'})", "run `make setup`"
    return OK, "python3 kernel available for the labs", ""


def _local_only(check: CheckFn) -> CheckFn:
    def only_local() -> tuple[str, str, str]:
        if not config.settings().local:
            return SKIP, "not needed: the labs use the class endpoint", ""
        return check()

    return only_local


CHECKS: dict[str, CheckFn] = {
    "python": doctor.CHECKS["python"],
    "packages": doctor.CHECKS["packages"],
    "notebook kernel": _notebook_kernel,
    "free RAM": doctor.CHECKS["free RAM"],
    "free disk": doctor.CHECKS["free disk"],
    "endpoint": _endpoint,
    "endpoint reachable": _reachable,
    "model": _model_served,
    "chat round trip": doctor.CHECKS["chat round trip"],
    "embedding + FAISS": doctor.CHECKS["embedding + FAISS"],
    "budget": _budget,
    "local model files": _local_only(doctor.CHECKS["model files"]),
}


def run_checks(names: list[str] | None = None) -> list[Check]:
    """Run the classroom checks in order; an exception is a FAIL carrying its fix (instructor guide)."""
    return run(CHECKS, names, default_fix="show this line to the instructor")
