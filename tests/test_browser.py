"""Read the built book in a real browser, offline, as a student would.

Headless Chromium (Debian's ``chromium``) driven by Playwright's Python
package opens every page of ``_toc.yml`` from a local HTTP server. Any
request to a host other than the loopback one is aborted and counted as a
failure: the book must work without a network. On every page: no console
error and no failed request, every image decoded and (in the page content)
with a non-empty alt text, every formula typeset by
the shipped MathJax, code cells and their outputs visible. Chapter pages
must have the Colab launch link, the search page must find each chapter,
and a screenshot of each page's first screen goes to ``_build/screenshots/``
(of the whole page with ``D2LITE_FULL_SCREENSHOTS=1``: a few seconds more a
long chapter, so not by default).

Without Chromium or Playwright the tests are skipped, except under CI
(``CI`` set), where that is a failure that says how to install them.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, urlsplit

import nbformat
import pytest
from test_book import (  # noqa: F401  (the build fixtures)
    ROOT,
    book,
    built_book,
    built_zh_book,
    launch_urls,
)

SCREENSHOTS = ROOT / "_build" / "screenshots"
FULL_PAGE = os.environ.get("D2LITE_FULL_SCREENSHOTS", "") not in ("", "0")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "The browser test needs Debian's Chromium and Playwright's Python "
    "package: as root `apt-get install chromium` (or run "
    "`tools/system_deps.sh browser`) and `.venv/bin/pip install -r "
    "requirements.txt`. Set D2LITE_CHROMIUM to use another Chromium binary. "
    "Never `playwright install`: it downloads a browser."
)

TOC_PAGES = book.toc_pages()
CHAPTERS = [p for p in TOC_PAGES if p.startswith("notebooks/")]
ZH_PAGES = [*TOC_PAGES, "book/glossary"]  # the glossary: Chinese book only


def _chromium_path() -> str | None:
    explicit = os.environ.get("D2LITE_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def _missing_or_skip(what: str) -> None:
    message = f"{what} is missing. {INSTALL_HINT}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 (random port); yield its URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def site(built_book: Path):  # noqa: F811  (the fixture imported above)
    """The English book, served."""
    yield from _serve(built_book)


@pytest.fixture(scope="module")
def zh_site(built_zh_book: Path):  # noqa: F811  (the fixture imported above)
    """The Chinese book, served."""
    yield from _serve(built_zh_book)


@pytest.fixture(scope="module")
def browser():
    """A headless Debian Chromium driven by Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing_or_skip("Playwright's Python package (`playwright`)")
    executable = _chromium_path()
    if executable is None:
        _missing_or_skip("Chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Visit:
    """What one page load showed."""

    console_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    remote: list[str] = field(default_factory=list)
    result: dict = field(default_factory=dict)


def _open(browser, url: str, visit: Visit):
    """Open ``url`` in a fresh context that records and blocks the network."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(route_, request) -> None:
        host = urlsplit(request.url).hostname or ""
        if (
            request.url.startswith(("data:", "blob:", "about:"))
            or host in LOOPBACK
        ):
            route_.continue_()
        else:
            visit.remote.append(request.url)
            route_.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console",
        lambda m: (
            visit.console_errors.append(m.text) if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda e: visit.console_errors.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: visit.failed.append(f"{r.url} ({r.failure})"),
    )
    page.on(
        "response",
        lambda r: (
            visit.failed.append(f"{r.url} (HTTP {r.status})")
            if r.status >= 400
            else None
        ),
    )
    page.goto(url, wait_until="load")
    return context, page


_PAGE_CHECKS = """
async () => {
  const imgs = [...document.images];
  imgs.forEach(i => { if (i.loading === 'lazy') i.loading = 'eager'; });
  await Promise.all(imgs.map(i => i.complete ? null : new Promise(r => {
    i.addEventListener('load', r); i.addEventListener('error', r); })));
  const broken = imgs.filter(i => !(i.naturalWidth > 0))
                     .map(i => i.currentSrc || i.src);
  // Figures in the page's content must say what they show.
  const content = document.querySelector('main, article, .bd-article')
                  || document.body;
  const noAlt = [...content.querySelectorAll('img')]
    .filter(i => !(i.getAttribute('alt') || '').trim())
    .map(i => (i.currentSrc || i.src).split('/').pop());

  const math = [...document.querySelectorAll('.math')];
  let mathjax = null;
  if (math.length) {
    const t0 = Date.now();
    while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)
           && Date.now() - t0 < 20000) {
      await new Promise(r => setTimeout(r, 50));
    }
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      await MathJax.startup.promise;
      mathjax = MathJax.version;
    }
  }
  const untypeset = [], raw = [];
  for (const el of math) {
    if (!el.querySelector('mjx-container')) {
      untypeset.push(el.textContent.slice(0, 80));
    }
    const rest = el.cloneNode(true);
    rest.querySelectorAll('mjx-container').forEach(c => c.remove());
    if (/\\\\\\(|\\\\\\[|\\$/.test(rest.textContent)) {
      raw.push(rest.textContent.trim().slice(0, 80));
    }
  }
  const visible = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden'
           && s.display !== 'none';
  };
  const cells = [...document.querySelectorAll('div.cell')];
  const hidden = [];
  cells.forEach((c, k) => {
    // Solutions sit in collapsed dropdowns until the reader opens them.
    if (c.closest('.dropdown, details')) return;
    const tags = c.className;
    const inp = c.querySelector('.cell_input');
    if (inp && !/tag_(hide|remove)-(input|cell)/.test(tags) && !visible(inp))
      hidden.push(`cell ${k + 1} input`);
    const out = c.querySelector('.cell_output');
    if (out && out.children.length
        && !/tag_(hide|remove)-(output|cell)/.test(tags) && !visible(out))
      hidden.push(`cell ${k + 1} output`);
  });
  // MyST the build did not render (roles, directives, targets), outside code.
  const prose = content.cloneNode(true);
  prose.querySelectorAll('pre, code, .highlight').forEach(c => c.remove());
  const myst = (prose.textContent.match(
    /\\{[a-z][\\w:-]*\\}`[^`]*`|^\\s*(:::+|```+)\\{[^}]+\\}|^\\(\\S+\\)=$/gm) || [])
    .map(m => m.trim().slice(0, 80));
  const colab = [...document.querySelectorAll(
    '.dropdown-launch-buttons a')].map(a => a.href)
    .filter(h => h.includes('colab'));
  return {images: imgs.length, broken, noAlt, math: math.length, mathjax,
          untypeset, raw, merror: document.querySelectorAll('mjx-merror')
          .length, cells: cells.length, hidden, colab, myst,
          lang: document.documentElement.lang};
}
"""


def _visit_all(browser, site: str, pages, shots: Path) -> dict[str, Visit]:
    """Open every page once; screenshot it; return what each showed."""
    shots.mkdir(parents=True, exist_ok=True)
    results = {}
    for name in pages:
        visit = Visit()
        context, page = _open(browser, f"{site}/{name}.html", visit)
        try:
            visit.result = page.evaluate(_PAGE_CHECKS)
            # MathJax's web fonts load after typesetting: wait for them.
            page.evaluate("document.fonts.ready.then(() => true)")
            page.screenshot(
                path=str(shots / f"{name.replace('/', '__')}.png"),
                full_page=FULL_PAGE,
            )
        finally:
            context.close()
        results[name] = visit
    return results


@pytest.fixture(scope="module")
def visits(browser, site) -> dict[str, Visit]:
    """What every page of the English book showed."""
    return _visit_all(browser, site, TOC_PAGES, SCREENSHOTS)


@pytest.fixture(scope="module")
def zh_visits(browser, zh_site) -> dict[str, Visit]:
    """What every page of the Chinese book showed."""
    return _visit_all(browser, zh_site, ZH_PAGES, SCREENSHOTS / "zh")


@pytest.mark.parametrize("name", TOC_PAGES)
def test_page_loads_offline_without_errors(visits, name: str) -> None:
    visit = visits[name]
    assert not visit.remote, f"{name} requested other hosts: {visit.remote}"
    assert not visit.failed, f"{name} had failed requests: {visit.failed}"
    assert not visit.console_errors, (
        f"{name} logged console errors: {visit.console_errors}"
    )
    assert not visit.result["myst"], (
        f"{name}: raw MyST: {visit.result['myst']}"
    )


@pytest.mark.parametrize("name", TOC_PAGES)
def test_images_decode(visits, name: str) -> None:
    assert not visits[name].result["broken"], (
        f"{name}: images that did not load: {visits[name].result['broken']}"
    )


@pytest.mark.parametrize("name", TOC_PAGES)
def test_images_have_alt_text(visits, name: str) -> None:
    """Every <img> in the page content has a non-empty alt attribute."""
    assert not visits[name].result["noAlt"], (
        f"{name}: images without alt text: {visits[name].result['noAlt']}; "
        'give the figure cell metadata {"mystnb": {"image": {"alt": ...}}}'
    )


@pytest.mark.parametrize("name", TOC_PAGES)
def test_math_is_typeset(visits, name: str) -> None:
    result = visits[name].result
    if result["math"]:
        assert result["mathjax"], f"{name}: has math but MathJax never ran"
    assert not result["untypeset"], (
        f"{name}: formulas MathJax did not typeset: {result['untypeset']}"
    )
    assert not result["raw"], f"{name}: raw TeX left: {result['raw']}"
    assert result["merror"] == 0, f"{name}: {result['merror']} TeX errors"


def test_the_intro_formula_is_typeset(visits) -> None:
    """The check above is not vacuous: the intro has display math."""
    result = visits[TOC_PAGES[0]].result
    assert result["math"] >= 1 and result["mathjax"], result


@pytest.mark.parametrize("name", TOC_PAGES)
def test_code_cells_and_outputs_visible(visits, name: str) -> None:
    result = visits[name].result
    if name in CHAPTERS:
        assert result["cells"] >= 1, f"{name}: no code cell rendered"
    assert not result["hidden"], f"{name}: invisible: {result['hidden']}"


@pytest.mark.parametrize("name", CHAPTERS)
def test_colab_launch_button(visits, name: str) -> None:
    expected = launch_urls(name)["colab"]
    assert visits[name].result["colab"] == [expected], (
        f"{name}: Colab launch links {visits[name].result['colab']}, "
        f"expected [{expected}]"
    )


def test_screenshots_saved(visits) -> None:
    for name in CHAPTERS:
        shot = SCREENSHOTS / f"{name.replace('/', '__')}.png"
        assert shot.is_file() and shot.stat().st_size > 1000, shot


def _search_word(name: str) -> str:
    """The longest word of the chapter's title (its first heading)."""
    nb = nbformat.read(ROOT / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, flags=re.M)
            if match:
                words = re.findall(r"[A-Za-z]{3,}", match.group(1))
                if words:
                    return max(words, key=len)
    raise AssertionError(f"{name}: no title heading to search for")


def _search(browser, site: str, word: str) -> set[str]:
    """The pages the book's search page lists for ``word``."""
    visit = Visit()
    context, page = _open(
        browser, f"{site}/search.html?q={quote(word)}", visit
    )
    try:
        page.wait_for_function(  # the summary is written when it is done
            "() => { const s = document.querySelector("
            "'#search-results .search-summary');"
            " return s && s.textContent.trim().length > 0; }",
            timeout=30000,
        )
        hrefs = page.eval_on_selector_all(
            "#search-results ul.search li a",
            "els => els.map(a => a.getAttribute('href'))",
        )
    finally:
        context.close()
    assert (
        not visit.remote and not visit.failed and not visit.console_errors
    ), visit
    return {urlsplit(h).path.removesuffix(".html").lstrip("/") for h in hrefs}


@pytest.mark.parametrize("name", CHAPTERS)
def test_search_finds_each_chapter(browser, site, name: str) -> None:
    word = _search_word(name)
    pages = _search(browser, site, word)
    assert name in pages, f"searching {word!r} found {sorted(pages)}"


# ---------------------------------------------------------------------------
# The Chinese book (tools/i18n.py build, shared with test_translations)
# ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ZH_PAGES)
def test_chinese_page_is_clean(zh_visits, name: str) -> None:
    """Offline, no console error, no raw MyST, math typeset, in Chinese."""
    visit, result = zh_visits[name], zh_visits[name].result
    assert not visit.remote, f"{name} requested other hosts: {visit.remote}"
    assert not visit.failed, f"{name} had failed requests: {visit.failed}"
    assert not visit.console_errors, f"{name}: {visit.console_errors}"
    assert result["lang"] == "zh-CN", f"{name}: lang={result['lang']!r}"
    assert not result["myst"], f"{name}: raw MyST: {result['myst']}"
    assert not result["broken"], f"{name}: images: {result['broken']}"
    assert not result["noAlt"], f"{name}: no alt text: {result['noAlt']}"
    if result["math"]:
        assert result["mathjax"], f"{name}: has math but MathJax never ran"
    assert not result["untypeset"], f"{name}: {result['untypeset']}"
    assert not result["raw"], f"{name}: raw TeX left: {result['raw']}"
    assert result["merror"] == 0, f"{name}: {result['merror']} TeX errors"
    if name in CHAPTERS:
        colab = launch_urls(name, "zh/")["colab"]
        assert result["colab"] == [colab], (name, result["colab"])


@pytest.mark.slow
def test_chinese_formulas_are_typeset(zh_visits) -> None:
    """The check above is not vacuous: chapter 1 has math, typeset."""
    result = zh_visits[CHAPTERS[0]].result
    assert result["math"] >= 1 and result["mathjax"], result


@pytest.mark.slow
@pytest.mark.parametrize("page", ["book/glossary", CHAPTERS[0]])
def test_chinese_search_finds_convolution(browser, zh_site, page) -> None:
    """卷积 (convolution) finds the glossary and chapter 1 (jieba)."""
    pages = _search(browser, zh_site, "卷积")
    assert page in pages, f"searching 卷积 found {sorted(pages)}"
