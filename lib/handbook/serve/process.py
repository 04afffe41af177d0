"""`handbook serve` as a child process, the way a user or an orchestrator runs it: for labs and benches.

`AppProcess(index, keys)` starts `handbook serve` on a free loopback port in
a new process, passes the keys in `HANDBOOK_SERVE_API_KEY` (never on the
command line, where `ps` would show them), writes its log to a file, and
`start()` waits until `GET /healthz` answers. `stop()` sends SIGTERM, as
Docker and Kubernetes do, waits for the graceful drain and returns the exit
code (killing the process only if it outlives `grace_s`). As a context
manager it always stops what it started.

    with AppProcess("ix", ("lab-key",), env={"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}) as app:
        httpx.get(f"{app.url}/readyz").status_code -> 503

Deliberately left out: several replicas, restarts on failure (an
orchestrator's job), and any port other than loopback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .. import config
from ..errors import ServeError

_CLI = "import sys; from handbook.cli import main; sys.exit(main(sys.argv[1:]))"


def free_port() -> int:
    """A loopback TCP port that was free a moment ago (chapter 7)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppProcess:
    """`handbook serve --index INDEX` on 127.0.0.1 in a child process (chapter 7)."""

    def __init__(self, index: str | Path, keys: tuple[str, ...] = (), *args: str, port: int | None = None,
                 env: dict[str, str] | None = None):
        self.index, self.keys, self.args = Path(index), tuple(keys), tuple(args)
        self.port = port or free_port()
        self.env = dict(env or {})
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="handbook-serve-", suffix=".log")[1])
        self.returncode: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self, wait_s: float = 120.0) -> AppProcess:
        """Start the process and wait until `/healthz` answers 200 (chapter 7)."""
        env = {**os.environ, **self.env, config.SERVE_KEY_VAR: ",".join(self.keys)}
        cmd = [sys.executable, "-c", _CLI, "serve", "--index", str(self.index), "--host", "127.0.0.1",
               "--port", str(self.port), *self.args]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                         stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServeError(f"handbook serve exited with code {self.proc.returncode}: {self.log_tail()}",
                                 "read the log above; check --index and the port")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        self.stop(grace_s=5)
        raise ServeError(f"handbook serve did not answer /healthz within {wait_s:g} s.", "read its log")

    def stop(self, grace_s: float = 30.0) -> int | None:
        """SIGTERM, wait up to `grace_s` for the drain, then SIGKILL; return the exit code (chapter 7)."""
        if self.proc is None or self.returncode is not None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(grace_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.returncode = self.proc.returncode
        return self.returncode

    def log(self) -> str:
        """Everything the process wrote so far (uvicorn's access log and the app's warnings)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, n: int = 5) -> str:
        return " | ".join(self.log().strip().splitlines()[-n:])

    def __enter__(self) -> AppProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
