"""Settings from environment variables: the one place that reads `os.environ`.

Which endpoint do the labs talk to, with which key and which model? The rule
is simple and safe:

* Nothing set: the local llama.cpp server on 127.0.0.1 (started on demand),
  with a throwaway key. No secret ever leaves the machine.
* `OPENAI_API_KEY` only: OpenAI itself, with that key.
* `OPENAI_BASE_URL` (+ optional `OPENAI_API_KEY`): that server, with that key.
  A key that looks like an OpenAI secret (`sk-...`) is refused for any host
  other than api.openai.com, and an Anthropic one (`sk-ant-...`) for any host
  other than api.anthropic.com, unless `HANDBOOK_TRUST_ENDPOINT=1` says the
  pairing is deliberate, so a key kept in a shell profile never leaks to a
  classroom server by accident.

Other variables: `HANDBOOK_MODEL` (model name), `HANDBOOK_PORT` (local port,
default 8765), `HANDBOOK_HOME` (model and cache folder, default
`~/.cache/genai-handbook`), `HANDBOOK_TRACE` (JSONL trace file), and for
workshops on a paid API `HANDBOOK_STUDENT`, `HANDBOOK_LAB` and
`HANDBOOK_BUDGET_USD` (a per-student budget the client enforces).

Deliberately left out: config files, per-call credentials, Azure-style
deployments. Settings are read fresh on each call to `settings()` so a lab
can switch endpoints by setting a variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from .errors import ConfigError

OPENAI_URL = "https://api.openai.com/v1"
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b-instruct"
DEFAULT_OPENAI_MODEL = "gpt-5.4-mini"  # a current small reasoning model; priced in cost/prices.csv
DEFAULT_PORT = 8765
LOCAL_KEY = "sk-no-key-required"  # what the local server expects when unauthenticated
# Secrets whose issuer we can tell from their shape, and the one host each belongs to (first match wins).
KEY_HOMES = (("sk-ant-", "Anthropic", "api.anthropic.com"), ("sk-", "OpenAI", "api.openai.com"))


@dataclass(frozen=True)
class Settings:
    """Where calls go (chapter 1). `api_key` is hidden from `repr` so it never lands in outputs."""

    base_url: str
    model: str
    local: bool
    port: int
    home: Path
    trace_path: Path | None
    api_key: str = field(repr=False)
    student: str | None = None
    lab: str = "workshop"
    budget_usd: str | None = None  # validated by handbook.cost.budget.Budget

    @property
    def key_hint(self) -> str:
        """A safe description of the key, e.g. 'sk-...9f2c (from OPENAI_API_KEY)'."""
        if self.local:
            return "none needed (local server)"
        return f"{self.api_key[:3]}...{self.api_key[-4:]}" if len(self.api_key) > 10 else "set"


def _port(env: dict[str, str]) -> int:
    raw = env.get("HANDBOOK_PORT", str(DEFAULT_PORT))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"HANDBOOK_PORT={raw!r} is not a TCP port.", "set it to a number such as 8765")
    return int(raw)


def home(env: dict[str, str] | None = None) -> Path:
    """Folder for model files, caches and the server's pid file (chapter 1)."""
    env = os.environ if env is None else env
    return Path(env.get("HANDBOOK_HOME") or Path.home() / ".cache" / "genai-handbook").expanduser()


def settings(env: dict[str, str] | None = None) -> Settings:
    """Read the endpoint, key and model from the environment (chapter 1)."""
    env = dict(os.environ if env is None else env)
    port = _port(env)
    base = env.get("OPENAI_BASE_URL", "").strip().rstrip("/")
    key = env.get("OPENAI_API_KEY", "").strip()
    trace = Path(env["HANDBOOK_TRACE"]) if env.get("HANDBOOK_TRACE") else None
    common = {"port": port, "home": home(env), "trace_path": trace,
              "student": env.get("HANDBOOK_STUDENT", "").strip() or None,
              "lab": env.get("HANDBOOK_LAB", "").strip() or "workshop",
              "budget_usd": env.get("HANDBOOK_BUDGET_USD", "").strip() or None}
    if not base and not key:
        model = env.get("HANDBOOK_MODEL") or DEFAULT_LOCAL_MODEL
        return Settings(f"http://127.0.0.1:{port}/v1", model, True, api_key=LOCAL_KEY, **common)
    if not base:
        base = OPENAI_URL
    parsed = urlparse(base)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(
            f"OPENAI_BASE_URL={base!r} is not an http(s) URL.",
            "use the server's full API root, e.g. http://localhost:11434/v1",
        )
    host = parsed.hostname or ""
    is_openai = host == "api.openai.com"
    issuer, home_host = next(((who, h) for prefix, who, h in KEY_HOMES if key.startswith(prefix)), (None, None))
    if issuer and not key.startswith("sk-no-key") and host != home_host:
        if env.get("HANDBOOK_TRUST_ENDPOINT") != "1":
            raise ConfigError(
                f"OPENAI_API_KEY looks like an {issuer} secret, but OPENAI_BASE_URL points at {host}.",
                "unset OPENAI_API_KEY for this server, or set HANDBOOK_TRUST_ENDPOINT=1 "
                "if this key really belongs to it",
            )
    local = host in ("127.0.0.1", "localhost", "::1") and parsed.port == port
    default_model = DEFAULT_OPENAI_MODEL if is_openai else DEFAULT_LOCAL_MODEL
    model = env.get("HANDBOOK_MODEL") or default_model
    return Settings(base, model, local, api_key=key or LOCAL_KEY, **common)


def local_settings(port: int | None = None, env: dict[str, str] | None = None) -> Settings:
    """Settings for the handbook's own local server, whatever OPENAI_BASE_URL says (chapter 1).

    `handbook llm start|stop|status` manage only that server, so only HANDBOOK_* variables count.
    """
    env = {k: v for k, v in (os.environ if env is None else env).items() if k.startswith("HANDBOOK_")}
    if port is not None:
        env["HANDBOOK_PORT"] = str(port)
    return settings(env)


SERVE_KEY_VAR = "HANDBOOK_SERVE_API_KEY"


def serve_api_keys(env: dict[str, str] | None = None) -> tuple[str, ...]:
    """Keys `handbook serve` accepts from `HANDBOOK_SERVE_API_KEY`, comma-separated (chapter 7).

    Read from the environment so a key need not appear on the command line, where `ps` shows it.
    """
    env = os.environ if env is None else env
    return tuple(k.strip() for k in env.get(SERVE_KEY_VAR, "").split(",") if k.strip())
