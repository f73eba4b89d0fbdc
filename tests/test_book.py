"""The book builds without a warning and its HTML holds together offline.

One build per test session, with the notebooks' stored outputs
(``python tools/book.py build --stored --reuse``: reused when
``_build/html`` already is a successful build of the current sources).
Then every page of ``_toc.yml`` must exist, every local link, image, script
and stylesheet must resolve (``#anchors`` included), and nothing the pages
load may come from another host: the book must read offline.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import d2lite

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import book  # noqa: E402  (tools/book.py)

HTML_DIR = book.HTML_DIR
#: Schemes of outbound links a reader may follow (launch buttons, sources).
OUTBOUND_SCHEMES = {"http", "https", "mailto"}
#: CSS references to other files: url(...) and @import "...".
CSS_REF = re.compile(
    r"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]"""
)


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the book from stored outputs once; return ``_build/html``."""
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "book.py"),
            "build",
            "--stored",
            "--reuse",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(
            "`python tools/book.py build --stored` failed (every Sphinx "
            "warning is an error):\n"
            + proc.stdout[-6000:]
            + proc.stderr[-6000:],
            pytrace=False,
        )
    return HTML_DIR


@pytest.fixture(scope="session")
def built_zh_book() -> Path:
    """The Chinese book (``tools/i18n.py build``: reused when its stamp
    matches the sources and catalogs); return ``_build/zh/html``."""
    cmd = [sys.executable, str(ROOT / "tools" / "i18n.py"), "build"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(
            "`python tools/i18n.py build` failed (strict):\n"
            + proc.stdout[-6000:]
            + proc.stderr[-6000:],
            pytrace=False,
        )
    return ROOT / "_build" / "zh" / "html"


class _Refs(HTMLParser):
    """Collect ids and the references of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []  # <a href>
        self.loads: list[tuple[str, str]] = []  # (what, url) the page loads
        self.styles: list[str] = []  # inline <style> text and style=
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attr = {k: (v or "") for k, v in attrs}
        for key in ("id", "name") if tag == "a" else ("id",):
            if attr.get(key):
                self.ids.add(attr[key])
        if attr.get("style"):
            self.styles.append(attr["style"])
        if tag == "a" and "href" in attr:
            self.links.append(attr["href"])
        elif tag == "link" and attr.get("rel") == "canonical":
            self.links.append(attr["href"])  # names the page, loads nothing
        elif tag == "link" and attr.get("href"):
            self.loads.append(
                (f"<link rel={attr.get('rel', '')}>", attr["href"])
            )
        elif tag in (
            "script",
            "img",
            "iframe",
            "source",
            "audio",
            "video",
            "embed",
        ) and attr.get("src"):
            self.loads.append((f"<{tag}>", attr["src"]))
        elif tag == "object" and attr.get("data"):
            self.loads.append(("<object>", attr["data"]))
        if tag == "img" and attr.get("srcset"):
            for part in attr["srcset"].split(","):
                self.loads.append(("<img srcset>", part.split()[0]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _parse(path: Path) -> _Refs:
    refs = _Refs()
    refs.feed(path.read_text(encoding="utf-8"))
    return refs


def _pages(html_dir: Path) -> list[Path]:
    """Every HTML page of the book (not the theme's vendored files)."""
    return sorted(
        p
        for p in html_dir.rglob("*.html")
        if "_static" not in p.relative_to(html_dir).parts
    )


def _resolve(page: Path, url: str, html_dir: Path) -> tuple[Path, str]:
    """Return (target file, fragment) of a local URL found on ``page``."""
    parts = urlsplit(url)
    if parts.path.startswith("/"):
        target = html_dir / unquote(parts.path).lstrip("/")
    elif parts.path:
        target = (page.parent / unquote(parts.path)).resolve()
    else:
        target = page
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def _is_remote(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.scheme or parts.netloc) and parts.scheme not in (
        "data",
        "",
    )


def test_build_succeeds_with_every_toc_page(built_book: Path) -> None:
    missing = [
        page
        for page in book.toc_pages()
        if not (built_book / f"{page}.html").is_file()
    ]
    assert not missing, f"toc pages without HTML: {missing}"
    assert (built_book / "index.html").is_file()


def test_every_toc_page_has_its_source() -> None:
    """Each _toc.yml entry is a Markdown page or a notebook of the repo."""
    pages = book.toc_pages()
    assert pages[0] == "book/intro"
    missing = [
        p
        for p in pages
        if not any((ROOT / f"{p}{ext}").is_file() for ext in (".md", ".ipynb"))
    ]
    assert not missing, f"_toc.yml names pages without a source: {missing}"


def test_internal_links_and_anchors_resolve(built_book: Path) -> None:
    ids_cache: dict[Path, set[str]] = {}
    broken = []
    checked = 0
    for page in _pages(built_book):
        refs = _parse(page)
        ids_cache[page] = refs.ids
        for url in refs.links:
            parts = urlsplit(url)
            if (
                parts.scheme in OUTBOUND_SCHEMES
                or parts.scheme == "javascript"
            ):
                continue
            assert not parts.scheme, f"{page}: unexpected link scheme {url}"
            target, fragment = _resolve(page, url, built_book)
            checked += 1
            if not target.is_file():
                broken.append(
                    f"{page.relative_to(built_book)}: {url} (no such file)"
                )
                continue
            if fragment and target.suffix == ".html":
                if target not in ids_cache:
                    ids_cache[target] = _parse(target).ids
                if fragment not in ids_cache[target]:
                    broken.append(
                        f"{page.relative_to(built_book)}: {url} "
                        f"(no id {fragment!r} in {target.name})"
                    )
    assert checked > 50, f"only {checked} internal links found: parser bug?"
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_cross_references_resolved(built_book: Path) -> None:
    """No reference was left unresolved (Sphinx renders those unlinked)."""
    problems = []
    for page in _pages(built_book):
        text = page.read_text(encoding="utf-8")
        for pattern in (
            r'<span class="xref[^"]*"',
            r"\?\?\]",
            r'class="[^"]*\bproblematic\b',
        ):
            if re.search(pattern, text):
                problems.append(f"{page.relative_to(built_book)}: {pattern}")
    assert not problems, "\n".join(problems)


def test_pages_load_nothing_from_other_hosts(built_book: Path) -> None:
    remote, missing = [], []
    for page in _pages(built_book):
        refs = _parse(page)
        for what, url in refs.loads:
            if _is_remote(url):
                remote.append(f"{page.relative_to(built_book)}: {what} {url}")
                continue
            if urlsplit(url).scheme == "data":
                continue
            target, _ = _resolve(page, url, built_book)
            if not target.is_file():
                missing.append(f"{page.relative_to(built_book)}: {what} {url}")
        for css in refs.styles:
            for match in CSS_REF.finditer(css):
                url = match.group(1) or match.group(2)
                if _is_remote(url):
                    remote.append(f"{page.relative_to(built_book)}: css {url}")
    assert not remote, "pages load from other hosts:\n" + "\n".join(remote)
    assert not missing, "pages load missing files:\n" + "\n".join(missing)


def test_stylesheets_load_nothing_from_other_hosts(built_book: Path) -> None:
    """Fonts and imports of every shipped CSS file are local and exist."""
    remote, missing = [], []
    sheets = sorted((built_book / "_static").rglob("*.css"))
    assert sheets, "no stylesheets shipped"
    for sheet in sheets:
        text = sheet.read_text(encoding="utf-8", errors="replace")
        for match in CSS_REF.finditer(text):
            url = match.group(1) or match.group(2)
            if url.startswith("data:") or url.startswith("#"):
                continue
            if _is_remote(url):
                remote.append(f"{sheet.relative_to(built_book)}: {url}")
            elif not (sheet.parent / unquote(urlsplit(url).path)).exists():
                missing.append(f"{sheet.relative_to(built_book)}: {url}")
    assert not remote, "stylesheets load from other hosts:\n" + "\n".join(
        remote
    )
    assert not missing, "stylesheets name missing files:\n" + "\n".join(
        missing
    )


def test_mathjax_ships_with_the_book(built_book: Path) -> None:
    intro = (built_book / "book" / "intro.html").read_text(encoding="utf-8")
    scripts = re.findall(
        r'<script[^>]*src="([^"]*mathjax[^"]*)"', intro, flags=re.IGNORECASE
    )
    assert scripts, "no MathJax script on the intro page"
    for src in scripts:
        assert not _is_remote(src), f"MathJax from a CDN: {src}"
        target, _ = _resolve(
            built_book / "book" / "intro.html", src, built_book
        )
        assert target.is_file(), f"MathJax script missing: {target}"
    fonts = built_book / "_static" / "mathjax" / "output" / "chtml" / "fonts"
    assert any(fonts.rglob("*.woff")), "MathJax's fonts are not shipped"


def launch_urls(page: str, lang: str = "") -> dict[str, str]:
    """The Colab and Binder links of a chapter: reader/ (or reader/zh/ for
    ``lang="zh/"``) at the tag."""
    owner, name, _ = book.repository()
    tag = f"v{d2lite.__version__}"
    path = f"reader/{lang}{page.split('/')[-1]}.ipynb"
    return {
        "colab": f"https://colab.research.google.com/github/{owner}/{name}"
        f"/blob/{tag}/{path}",
        "binder": f"https://mybinder.org/v2/gh/{owner}/{name}/{tag}"
        f"?urlpath=tree/{path}",
    }


CHAPTERS = [p for p in book.toc_pages() if p.startswith("notebooks/")]


def _launch_buttons_open(html_dir: Path, page: str, lang: str = "") -> None:
    links = _parse(html_dir / f"{page}.html").links
    launch = [u for u in links if "colab" in u or "mybinder" in u]
    assert sorted(launch) == sorted(launch_urls(page, lang).values()), launch
    assert (ROOT / f"reader/{lang}{page.split('/')[-1]}.ipynb").is_file()


@pytest.mark.parametrize("page", CHAPTERS)
def test_launch_buttons_open_the_reader_edition_at_the_tag(
    built_book: Path, page: str
) -> None:
    _launch_buttons_open(built_book, page)


@pytest.mark.slow
@pytest.mark.parametrize("page", CHAPTERS)
def test_chinese_launch_buttons_open_the_chinese_reader_edition(
    built_zh_book: Path, page: str
) -> None:
    _launch_buttons_open(built_zh_book, page, "zh/")


def test_exercises_are_numbered_per_chapter(built_book: Path) -> None:
    """Chapter n's exercises read "Exercise n.1", "n.2", ...; a reference
    to one never reads "exercise Exercise"."""
    for number, page in enumerate(CHAPTERS, 1):
        html = (built_book / f"{page}.html").read_text(encoding="utf-8")
        found = re.findall(r'caption-number">Exercise ([\d.]+) ', html)
        expected = [f"{number}.{i}" for i in range(1, len(found) + 1)]
        assert found and found == expected, (page, found)
    for page in _pages(built_book):
        text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
        assert not re.search(r"(?i)exercises? exercise", text), page.name
