"""Write the whole book as one PDF, offline: `make pdf` -> _build/pdf/handbook.pdf.

    python scripts/build_pdf.py                      # what `make pdf` runs
    python scripts/build_pdf.py --out /tmp/x         # build under /tmp/x/_build instead

When a built site exists (_build/html), the PDF is copied to
_build/html/_downloads/handbook.pdf as well, where "How to use this book" links it.

Two steps, neither needing LaTeX or the network:

1. `jupyter-book build --builder singlehtml` from the lab outputs committed in
   labs/ (execution off, as in `make book-noexec`): every chapter, lab, the
   glossary and the references on one HTML page, with the site's own MathJax.
2. Headless Chromium (the one `scripts/install_browser.sh` installs for the
   browser test) opens that page from a loopback server with every other host
   blocked, waits until MathJax has typeset every formula, opens the folded
   solutions and hidden cells, and prints the page to PDF with print styles:
   no sidebars or buttons, code wrapped to the page width, a page break before
   each chapter, page numbers in the footer.

Deliberately left out: a LaTeX build (not installed on the machines this book
targets), per-chapter PDFs, and interactive widgets (printed as their saved
state, or not at all).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--proxy-server=http://127.0.0.1:9"]  # nothing leaves loopback
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
.bd-header, .bd-header-article, .header-article, .bd-sidebar-primary, .bd-sidebar-secondary,
.prev-next-area, .bd-footer, .bd-footer-article, .bd-footer-content, footer, .headerlink,
.toggle-button, button.toggle-button, .copybtn, .article-header-buttons, .theme-switch-button,
#pst-back-to-top, .search-button-field, .skip-link, .admonition.hide > summary { display: none !important; }
html, body, .bd-container, .bd-container__inner, .bd-main, .bd-content, .bd-article-container, .bd-article {
  max-width: none !important; width: auto !important; margin: 0 !important; padding: 0 !important;
  display: block !important; overflow: visible !important; }
body { font-size: 10.5pt; }
pre, .highlight pre, .cell_output pre, div.output pre {
  white-space: pre-wrap !important; word-break: break-all; overflow: visible !important; font-size: 8.5pt; }
img, svg, figure { max-width: 100% !important; height: auto; break-inside: avoid; }
table { break-inside: auto; font-size: 9pt; }
tr, figure, .cell_output img { break-inside: avoid; }
h1, h2, h3 { break-after: avoid; }
section.page-break { break-before: page; }
#jb-print-docs-body { break-after: page; }
#jb-print-toc li { list-style: none; margin: 0.15em 0; }
"""
# Open every fold, list every chapter and lab on the first page (the theme's print contents list
# only the first lab), start each of them on a new page, and report what MathJax did.
PREPARE = """() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const docs = [...document.querySelectorAll('span[id^="document-"] + section')];
  docs.forEach(s => s.classList.add('page-break'));
  const nav = document.querySelector('#jb-print-toc nav');
  if (nav) {
    const list = document.createElement('ul');
    for (const s of docs) {
      const h = s.querySelector(':scope > h1, :scope > h2, :scope > h3');
      if (!h) continue;
      const li = document.createElement('li'), a = document.createElement('a');
      a.href = '#' + s.id;
      a.textContent = h.textContent.replace(/#$/, '');
      if (h.tagName === 'H3') li.style.marginLeft = '1.5em';
      li.appendChild(a);
      list.appendChild(li);
    }
    nav.replaceChildren(list);
  }
  const math = [...document.querySelectorAll('.math')];
  return {docs: docs.length, math: math.length, done: math.filter(m => m.querySelector('mjx-container')).length,
          errors: document.querySelectorAll('mjx-merror').length};
}"""
TYPESET = """() => {
  const math = [...document.querySelectorAll('.math')];
  return math.filter(m => m.querySelector('mjx-container')).length === math.length;
}"""
FOOTER = ('<div style="font-size:8pt;width:100%;text-align:center;color:#555">'
          'The GenAI Engineering Handbook &middot; <span class="pageNumber"></span> / '
          '<span class="totalPages"></span></div>')


def chromium() -> str:
    """HANDBOOK_CHROMIUM, Debian's /usr/bin/chromium or `chromium` on PATH, as the browser test finds it."""
    wanted = os.environ.get("HANDBOOK_CHROMIUM")
    for candidate in [wanted] if wanted else ["/usr/bin/chromium", shutil.which("chromium")]:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    sys.exit("no Chromium found: run scripts/install_browser.sh (Debian's chromium), or set HANDBOOK_CHROMIUM")


def build_singlehtml(out: Path) -> Path:
    """The book on one HTML page, from the committed lab outputs; returns the page."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    sphinx = config.setdefault("sphinx", {})
    # Paths in --config are relative to the config file, which lives in a temporary folder here.
    local = {name: str((ROOT / path).resolve()) for name, path in sphinx.get("local_extensions", {}).items()}
    sphinx["local_extensions"] = {**local, "pdf_singlehtml": str(ROOT / "scripts")}
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "_config.yml"
        cfg.write_text(yaml.safe_dump(config, sort_keys=False))
        subprocess.run([str(BIN / "jupyter-book"), "build", str(ROOT), "--builder", "singlehtml", "--keep-going",
                        "--config", str(cfg), "--path-output", str(out)], check=True)
    page = out / "_build" / "singlehtml" / "intro.html"
    if not page.exists():
        sys.exit(f"the singlehtml build wrote no {page}")
    return page


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def print_pdf(page: Path, pdf: Path) -> dict:
    """Print `page` to `pdf` with headless Chromium once MathJax has finished; returns MathJax's counts."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(page.parent)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    blocked: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_FLAGS)
            tab = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme="light")
            tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith((base, "data:", "blob:"))
                      else (blocked.append(r.request.url), r.abort("internetdisconnected")))
            tab.goto(base + page.name, wait_until="load", timeout=120_000)
            tab.wait_for_load_state("networkidle", timeout=120_000)
            tab.wait_for_function(TYPESET, timeout=300_000, polling=500)
            tab.add_style_tag(content=PRINT_CSS)
            math = tab.evaluate(PREPARE)
            tab.emulate_media(media="print")
            tab.wait_for_load_state("networkidle")  # fonts MathJax asks for
            pdf.parent.mkdir(parents=True, exist_ok=True)
            tab.pdf(path=str(pdf), format="A4", print_background=True, display_header_footer=True,
                    header_template="<span></span>", footer_template=FOOTER, prefer_css_page_size=True)
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    if blocked:
        print(f"note: {len(blocked)} request(s) to other hosts were blocked, e.g. {blocked[0]}", file=sys.stderr)
    return math


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="folder whose _build/ receives the build (default: repo)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    page = build_singlehtml(args.out.resolve())
    pdf = args.out.resolve() / "_build" / "pdf" / "handbook.pdf"
    math = print_pdf(page, pdf)
    if math["errors"]:
        print(f"error: MathJax reported {math['errors']} formula error(s)", file=sys.stderr)
        return 1
    site = args.out.resolve() / "_build" / "html"
    if (site / "index.html").exists():  # the website offers it too, next to the zip of the labs
        (site / "_downloads").mkdir(exist_ok=True)
        shutil.copyfile(pdf, site / "_downloads" / "handbook.pdf")
    print(f"wrote {pdf} ({pdf.stat().st_size / 1e6:.1f} MB; {math['done']} of {math['math']} formulas typeset) "
          f"in {time.perf_counter() - start:.0f} s; {math['docs']} chapters and labs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
