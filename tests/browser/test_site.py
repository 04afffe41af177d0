"""The built site in a real browser: headless Debian Chromium, network off, every page.

Every page must load with no console error, no uncaught exception, no failed
request to this site and no request to any other host (the book must work in a
room without internet). Where a page has math, MathJax must have typeset all of
it; where it has ipywidgets, each must have rendered. At 1280 px no code block, printed
output or output table may be wider than its column (the reader would scroll
sideways), and every chapter shows at least two figures that loaded and have
alt text. Search must find pages, a solution must open when clicked, dark mode
must switch, a lab offers Colab (not Binder) and the zip of all labs is served.
Screenshots of a chapter and a lab go to docs/screenshots/ for the README.

Run after building: `make book-noexec && make browser` (HANDBOOK_SITE=DIR checks
a site built elsewhere). Without Chromium, or without a built site, the tests
skip with a banner at the end of the run (conftest.py); HANDBOOK_REQUIRE_BROWSER=1
turns that into a failure.
"""

from __future__ import annotations

import io
import posixpath
import re
import urllib.request
import zipfile
from html.parser import HTMLParser

import pytest

from .conftest import SCREENSHOTS, SITE, require_or_skip

SKIP_DIRS = {"_static", "_sources", "_images", "_sphinx_design_static"}
PAGES = sorted(
    p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html") if not SKIP_DIRS & set(p.relative_to(SITE).parts)
) if SITE.is_dir() else []
CHAPTER = re.compile(r"^chapters/(\d\d)-[\w-]+\.html$")
LAB = re.compile(r"^labs/lab(\d+)-[\w-]+\.html$")


class Visit:
    """One page load with everything that went wrong on it."""

    def __init__(self, context, base: str, path: str):
        self.problems: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"uncaught exception: {e}"))
        self.page.on("requestfailed", lambda r: r.url.startswith(base) and
                     self.problems.append(f"request failed: {r.url} ({r.failure})"))
        self.page.on("response", lambda r: r.url.startswith(base) and r.status >= 400 and
                     self.problems.append(f"HTTP {r.status}: {r.url}"))

        def only_this_site(route):
            url = route.request.url
            if url.startswith((base, "data:", "blob:")):
                route.continue_()
            else:
                self.problems.append(f"request to another host: {url}")
                route.abort("internetdisconnected")

        self.page.route("**/*", only_this_site)
        self.page.goto(base + path, wait_until="load")
        self.page.wait_for_load_state("networkidle")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.page.close()


def _need_pages():
    if not PAGES:
        require_or_skip(f"no built pages under {SITE}; build them first with `make book-noexec`")


def _first(pattern: re.Pattern, what: str) -> str:
    found = [p for p in PAGES if pattern.match(p)]
    if not found:
        pytest.fail(f"the built site has no {what} page ({pattern.pattern})")
    return found[0]


def _pages_containing(marker: str) -> list[str]:
    return [p for p in PAGES if marker in (SITE / p).read_text(errors="replace")]


TYPESET = """() => {
  const math = [...document.querySelectorAll('.math')];
  return {math: math.length, done: math.filter(m => m.querySelector('mjx-container')).length,
          errors: document.querySelectorAll('mjx-merror').length};
}"""
WIDGETS = """() => {
  const views = [...document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]')];
  return {views: views.length, rendered: views.filter(v => v.parentElement.querySelector('.jupyter-widgets')).length};
}"""


@pytest.mark.parametrize("path", PAGES or ["(no site)"])
def test_every_page_loads_offline_without_errors(browser_context, site_url, path):
    """No console error, no exception, no 4xx, no other host; math and widgets rendered where present."""
    _need_pages()
    with Visit(browser_context, site_url, path) as visit:
        if visit.page.locator(".math").count():
            visit.page.wait_for_function(f"({TYPESET})().done === ({TYPESET})().math")
            math = visit.page.evaluate(TYPESET)
            assert math["errors"] == 0, f"{path}: {math['errors']} MathJax error(s) (bad TeX)"
        if visit.page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count():
            visit.page.wait_for_function(f"({WIDGETS})().rendered === ({WIDGETS})().views")
        visit.page.wait_for_load_state("networkidle")  # fonts fetched by MathJax or widgets
        assert not visit.problems, f"{path}:\n  " + "\n  ".join(visit.problems)


def test_math_is_typeset(browser_context, site_url):
    _need_pages()
    pages = _pages_containing('class="math')
    assert pages, "no built page contains math; the glossary and chapter 1 should"
    with Visit(browser_context, site_url, pages[0]) as visit:
        visit.page.wait_for_function(f"({TYPESET})().done === ({TYPESET})().math")
        math = visit.page.evaluate(TYPESET)
        assert math["math"] > 0 and math["done"] == math["math"] and math["errors"] == 0, math
        assert visit.page.locator("mjx-container[jax='CHTML']").first.is_visible()


def test_ipywidgets_render(browser_context, site_url):
    _need_pages()
    pages = _pages_containing("application/vnd.jupyter.widget-view+json")
    assert pages, "no built page contains an ipywidgets widget; lab 1 should (its saved widget state)"
    with Visit(browser_context, site_url, pages[0]) as visit:
        visit.page.wait_for_function(f"({WIDGETS})().rendered === ({WIDGETS})().views")
        assert visit.page.locator(".jupyter-widgets").first.is_visible()
        assert not visit.problems, visit.problems


# Open every fold first (hidden lab cells, solutions): what a reader can reveal must fit too.
UNFOLD = """() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  document.querySelectorAll('.toggle-hidden').forEach(e => e.classList.remove('toggle-hidden'));
}"""
# Every code block, printed output and output table wider than its column, with its first
# line that does not fit (measured in the element's own font).
OVERFLOW = r"""() => {
  const canvas = document.createElement('canvas').getContext('2d');
  const found = [];
  const firstWideLine = (el, room) => {
    const style = getComputedStyle(el);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    return el.innerText.split('\n').find(line => canvas.measureText(line).width > room) || '';
  };
  for (const pre of document.querySelectorAll('article div.highlight pre, article .cell_output pre')) {
    if (pre.scrollWidth > pre.clientWidth + 1) {
      const style = getComputedStyle(pre);
      const room = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      found.push({kind: pre.closest('.cell_output') ? 'output' : 'code', px: pre.scrollWidth - pre.clientWidth,
                  line: firstWideLine(pre, room)});
    }
  }
  for (const table of document.querySelectorAll('article .cell_output table, article .output table')) {
    const column = table.closest('.cell_output, .output');
    if (table.offsetWidth > column.clientWidth + 1) {
      const head = table.querySelector('tr');
      found.push({kind: 'table', px: table.offsetWidth - column.clientWidth,
                  line: head ? head.innerText.replace(/\s+/g, ' ').trim() : ''});
    }
  }
  return found;
}"""
FIGURES = """async () => {
  const images = [...document.querySelectorAll('article figure img')];
  for (const img of images) {
    img.loading = 'eager';
    img.scrollIntoView();
    if (!img.complete) await new Promise(r => { img.onload = img.onerror = r; setTimeout(r, 5000); });
  }
  window.scrollTo(0, 0);
  return images.map(img => ({src: img.getAttribute('src'), width: img.naturalWidth,
                             alt: (img.getAttribute('alt') || '').trim()}));
}"""
READABLE = [p for p in PAGES if CHAPTER.match(p) or LAB.match(p)] or ["(no site)"]


@pytest.mark.parametrize("path", READABLE)
def test_code_and_outputs_fit_their_column(browser_context, site_url, path):
    """At 1280 px, nothing in a chapter or lab scrolls sideways: lines of at most ~88 characters."""
    _need_pages()
    with Visit(browser_context, site_url, path) as visit:
        visit.page.evaluate(UNFOLD)
        wide = visit.page.evaluate(OVERFLOW)
    listing = "\n  ".join(f"{w['kind']} {w['px']} px too wide: {w['line'][:140]!r}" for w in wide[:10])
    assert not wide, f"{path}: {len(wide)} block(s) overflow their column at 1280 px; first line that does " \
                     f"not fit:\n  {listing}"


@pytest.mark.parametrize("path", [p for p in PAGES if re.match(r"^chapters/0\d-", p)] or ["(no site)"])
def test_every_chapter_shows_two_figures(browser_context, site_url, path):
    """At least two figures whose image loaded (naturalWidth > 0) and that say what they show (alt)."""
    _need_pages()
    with Visit(browser_context, site_url, path) as visit:
        figures = visit.page.evaluate(FIGURES)
    good = [f for f in figures if f["width"] > 0 and f["alt"]]
    bad = [f"{f['src']} ({'not loaded' if not f['width'] else 'no alt text'})" for f in figures if f not in good]
    assert len(good) >= 2, f"{path}: {len(good)} figure(s) with a loaded image and alt text, need 2" + \
        (f"; broken: {', '.join(bad)}" if bad else "")
    assert not bad, f"{path}: figures without a loaded image or alt text: {', '.join(bad)}"


@pytest.mark.parametrize("query", ["endpoint", "glossary"])
def test_search_returns_results(browser_context, site_url, query):
    _need_pages()
    with Visit(browser_context, site_url, f"search.html?q={query}") as visit:
        results = visit.page.locator("#search-results ul.search li")
        results.first.wait_for()
        assert results.count() > 0
        assert "matching the search query" in visit.page.locator("#search-results").inner_text()


def test_solution_toggle_opens(browser_context, site_url):
    _need_pages()
    pages = _pages_containing("solution dropdown")
    assert pages, "no built page has an exercise with a dropdown solution"
    with Visit(browser_context, site_url, pages[0]) as visit:
        solution = visit.page.locator(".solution.dropdown").first
        body = solution.locator("section").first
        assert not body.is_visible(), "the solution is open before it is clicked"
        button = solution.locator("button.toggle-button")  # the "Click to show" control
        assert button.get_attribute("aria-expanded") == "false"
        button.click()
        body.wait_for(state="visible")
        assert button.get_attribute("aria-expanded") == "true" and body.inner_text().strip()


def test_dark_mode_switches(browser_context, site_url):
    _need_pages()
    with Visit(browser_context, site_url, "intro.html" if "intro.html" in PAGES else PAGES[0]) as visit:
        html = visit.page.locator("html")
        assert html.get_attribute("data-theme") == "light"
        light = visit.page.evaluate("getComputedStyle(document.body).backgroundColor")
        for _ in range(3):  # the button cycles auto -> dark -> light
            if html.get_attribute("data-theme") == "dark":
                break
            visit.page.locator(".theme-switch-button").first.click()
        assert html.get_attribute("data-theme") == "dark"
        assert visit.page.evaluate("getComputedStyle(document.body).backgroundColor") != light
        visit.page.evaluate("localStorage.clear()")  # leave the next test in the default mode


def test_book_features_on_a_lab_page(browser_context, site_url):
    """The Colab launch button, the notebook download and the repository link are on every lab.

    No Binder button: a Binder session has too little memory for the local model, and it would
    open the repository without the handbook installed (the setup cell does nothing there).
    """
    _need_pages()
    with Visit(browser_context, site_url, _first(LAB, "lab")) as visit:
        hrefs = visit.page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        assert any("colab.research.google.com" in h for h in hrefs), "no Colab launch button"
        assert not any("mybinder.org" in h for h in hrefs), "a Binder button, which cannot run the labs"
        assert any(h.endswith(".ipynb") for h in hrefs), "no notebook download link"
        assert any("github.com/" in h for h in hrefs), "no repository link"


def test_the_zip_of_all_labs_is_linked_and_served(site_url):
    """How to use this book links _downloads/handbook-labs.zip, and it holds every lab and its data."""
    _need_pages()
    page = "chapters/how-to-use.html"
    assert page in PAGES, "no How to use page"
    assert "../_downloads/handbook-labs.zip" in (SITE / page).read_text(), f"{page} does not link the zip"
    with urllib.request.urlopen(site_url + "_downloads/handbook-labs.zip", timeout=30) as resp:
        names = zipfile.ZipFile(io.BytesIO(resp.read())).namelist()
    labs = sorted(p.name for p in (SITE.parents[1] / "labs").glob("lab*.ipynb")) if (SITE.parents[1] / "labs").is_dir() \
        else []
    assert {n.removeprefix("labs/") for n in names if n.startswith("labs/")} >= set(labs)
    assert any(n.startswith("data/") for n in names) and "README.txt" in names


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article" or self._depth:
            self._depth += tag not in ("br", "img", "hr", "input", "meta", "link")
        if self._depth and tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])

    def handle_endtag(self, tag):
        if self._depth and tag not in ("br", "img", "hr", "input", "meta", "link"):
            self._depth -= 1


def _article_links(path: str) -> set[str]:
    parser = _Links()
    parser.feed((SITE / path).read_text(errors="replace"))
    base = posixpath.dirname(path)
    return {posixpath.normpath(posixpath.join(base, h.split("#")[0]))
            for h in parser.hrefs if not h.startswith(("http", "#", "mailto:"))}


def test_every_lab_and_its_chapter_link_to_each_other():
    _need_pages()
    chapters = {int(m[1]): p for p in PAGES if (m := CHAPTER.match(p))}
    labs = {int(m[1]): p for p in PAGES if (m := LAB.match(p))}
    assert labs, "no lab pages were built"
    for n, lab in labs.items():
        assert n in chapters, f"{lab} has no chapter {n:02d}"
        assert chapters[n] in _article_links(lab), f"{lab} does not link back to {chapters[n]}"
        assert lab in _article_links(chapters[n]), f"{chapters[n]} does not link to {lab}"


@pytest.mark.parametrize(("kind", "pattern"), [("chapter", CHAPTER), ("lab", LAB)], ids=["chapter", "lab"])
def test_screenshots_for_the_readme(browser_context, site_url, kind, pattern):
    _need_pages()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with Visit(browser_context, site_url, _first(pattern, kind)) as visit:
        if visit.page.locator(".math").count():
            visit.page.wait_for_function(f"({TYPESET})().done === ({TYPESET})().math")
        out = SCREENSHOTS / f"{kind}.png"
        visit.page.screenshot(path=str(out), full_page=False)
    assert out.stat().st_size > 10_000, f"{out} looks empty"
