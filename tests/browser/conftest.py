"""Fixtures for the browser test: the built site on a loopback port and headless Debian Chromium.

A browser test that cannot run says so at the end of the run in a banner, not
only as an "s" in the progress line: a skipped check must never look like a
passed one. Set HANDBOOK_REQUIRE_BROWSER=1 (CI, `make browser`) to turn every
such skip into a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("HANDBOOK_SITE", ROOT / "_build" / "html"))
SCREENSHOTS = ROOT / "docs" / "screenshots"
# The flags this handbook's machines need (no sandbox as root, no GPU, no phoning home).
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run",
                  # Anything not on loopback goes to a dead proxy: the network is off for the page.
                  "--proxy-server=http://127.0.0.1:9"]
_skipped: list[str] = []


def require_or_skip(reason: str) -> None:
    """Skip loudly, or fail when HANDBOOK_REQUIRE_BROWSER=1."""
    if os.environ.get("HANDBOOK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required (HANDBOOK_REQUIRE_BROWSER=1) but cannot run: {reason}")
    pytest.skip(f"BROWSER TEST NOT RUN: {reason}")


def chromium_path() -> str | None:
    """HANDBOOK_CHROMIUM when set (and only it), else Debian's /usr/bin/chromium or `chromium` on PATH."""
    wanted = os.environ.get("HANDBOOK_CHROMIUM")
    for candidate in [wanted] if wanted else ["/usr/bin/chromium", shutil.which("chromium")]:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def site_url():
    if not (SITE / "index.html").exists():
        require_or_skip(f"no built site at {SITE}; build it first with `make book-noexec`")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser_context(site_url, tmp_path_factory):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        require_or_skip(f"the Python package playwright is not installed ({exc}); run `make setup`")
    executable = chromium_path()
    if executable is None:
        where = os.environ.get("HANDBOOK_CHROMIUM") or "/usr/bin/chromium or `chromium` on PATH"
        require_or_skip(f"Debian's chromium is not installed (looked for {where}); run scripts/install_browser.sh")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),  # a fresh --user-data-dir
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 860}, color_scheme="light", service_workers="block",
        )
        context.set_default_timeout(20_000)
        yield context
        context.close()


def pytest_runtest_logreport(report):
    if report.skipped and "browser" in report.nodeid:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skipped.append(str(reason).removeprefix("Skipped: "))


def pytest_terminal_summary(terminalreporter):
    if _skipped:
        terminalreporter.section("THE BROWSER TEST DID NOT RUN", sep="!", red=True, bold=True)
        reasons: dict[str, int] = {}
        for reason in _skipped:
            reasons[reason] = reasons.get(reason, 0) + 1
        for reason, count in reasons.items():
            terminalreporter.write_line(f"{count} browser test(s) skipped: {reason}", red=True)
        terminalreporter.write_line("The site was NOT checked in a browser. Set HANDBOOK_REQUIRE_BROWSER=1 to make "
                                    "this a failure.", red=True, bold=True)
