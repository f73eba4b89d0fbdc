"""The Chinese edition: ``extract`` .pot, ``update`` .po, ``build`` html;
as a Sphinx extension, alt text through the catalogs and twin-page links."""

from __future__ import annotations

import gettext
import json
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import yaml
from docutils import nodes

sys.path.insert(0, str(Path(__file__).parent))  # tools/book.py, lazily
ROOT = Path(__file__).resolve().parents[1]
LOCALE, LANG = ROOT / "locale", "zh_CN"
POT_DIR = ROOT / "_build" / "i18n" / "gettext"
ZH_HTML = ROOT / "_build" / "zh" / "html"
#: dl.check's messages; gettext reads the .mo that ``update`` compiles.
CHECK_PO = ROOT / "d2lite/locale/zh_CN/LC_MESSAGES/d2lite.po"
GLOSSARY = "book/glossary"
TITLE_ZH = "d2lite：卷积神经网络，步步检验"
#: Twin link text, place on the web site (``html.baseurl``) or in _build.
TWIN = {"en": ("中文", "zh/", "../zh/html/")}
TWIN[LANG] = ("English", "", "../../html/")


def run_sphinx(builder: str, outdir: Path) -> int:
    """Build ``outdir`` strictly from stored outputs (html: Chinese)."""
    from jupyter_book.sphinx import build_sphinx

    import book

    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir(parents=True)
    path = book.write_stored_config(outdir.parent / "_config.yml")
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    toc_path = outdir.parent / "_toc.yml"
    over = dict(locale_dirs=[str(LOCALE)], external_toc_path=str(toc_path))
    over.update(gettext_compact=False, gettext_location=False, nitpicky=True)
    over["latex_individualpages"] = False
    if builder == "html":
        part = toc["parts"][-1] if "parts" in toc else toc
        part["chapters"].append({"file": GLOSSARY})
        over.update(language=LANG, html_title=TITLE_ZH, project=TITLE_ZH)
        over["html_theme_options"] = {"search_bar_text": "搜索本书……"}
        base = (book.load_config().get("html") or {}).get("baseurl")
        over["html_baseurl"] = base.rstrip("/") + "/zh/" if base else ""
    toc_path.write_text(yaml.safe_dump(toc), "utf-8")
    strict = dict(warningiserror=True, keep_going=True, freshenv=True)
    kw = dict(noconfig=True, path_config=str(path), confoverrides=over)
    status = build_sphinx(ROOT, outdir, builder=builder, **kw, **strict)
    return status if isinstance(status, int) else 1


def alt_texts(app, doctree: nodes.document, docname: str) -> None:
    """MyST-NB makes output images after Sphinx extracts and translates
    text: the gettext build adds each ``mystnb.image.alt`` of a notebook to
    the page's messages, the Chinese build translates the images' alt."""
    source = Path(app.env.doc2path(docname))
    if source.suffix != ".ipynb":
        return
    if app.builder.name == "gettext":
        for cell in json.loads(source.read_text(encoding="utf-8"))["cells"]:
            alt = cell["metadata"].get("mystnb", {}).get("image", {})
            if alt.get("alt"):
                image = nodes.image(uri="", alt=alt["alt"])
                image.source, image.line = str(source), 1
                image.uid = ""  # gettext skips a node without a uid
                doctree.append(image)
    elif app.config.language == LANG:
        tr = gettext.translation(docname, str(LOCALE), [LANG], fallback=True)
        for image in doctree.findall(nodes.image):
            if image.get("alt"):
                image["alt"] = tr.gettext(image["alt"])


def twin_link(app, pagename: str, templatename, context, doctree) -> None:
    """Put a link to the other language's page at the top of the body."""
    lang = LANG if app.config.language == LANG else "en"
    if doctree is None or "body" not in context or pagename == GLOSSARY:
        return  # a generated page (search, index) or one without a twin
    text, web, local = TWIN[lang]
    site = app.config.html_baseurl.removesuffix("zh/").rstrip("/")
    up = "../" * pagename.count("/")
    href = (f"{site}/{web}" if site else up + local) + f"{pagename}.html"
    hreflang = "zh-CN" if lang == "en" else "en"
    link = f'<a href="{href}" hreflang="{hreflang}">{text}</a>'
    context["body"] = f'<p class="d2lite-twin">{link}</p>\n' + context["body"]


def setup(app) -> dict:
    app.connect("doctree-resolved", alt_texts)
    app.connect("html-page-context", twin_link)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main(argv: list[str]) -> int:
    """``extract``; ``update`` (sphinx-intl); ``build``, reused if fresh."""
    import book

    if argv[:1] == ["extract"] and len(argv) <= 2:
        return run_sphinx("gettext", Path(argv[1]) if argv[1:] else POT_DIR)
    if argv == ["update"]:
        cmd = [sys.executable, "-m", "sphinx_intl", "update", "-w", "0"]
        cmd += ["-p", str(POT_DIR), "-d", str(LOCALE), "-l", LANG]
        status = run_sphinx("gettext", POT_DIR)
        status = status or subprocess.run(cmd, cwd=ROOT).returncode
        for path in LOCALE.rglob("*.po"):  # babel: "95% of" is no %-format
            po = polib.pofile(str(path), wrapwidth=0)
            for e in po:
                py = "python-format"
                e.flags = [f"no-{f}" if f == py else f for f in e.flags]
            po.save()
        polib.pofile(str(CHECK_PO)).save_as_mofile(str(CHECK_PO)[:-2] + "mo")
        return status
    if argv == ["build"]:
        sources = [*book.SOURCES, "locale/**/*.po", "locale/glossary.csv"]
        build = lambda: run_sphinx("html", ZH_HTML)  # noqa: E731
        return book.stamped(ZH_HTML, LANG, sources, build, reuse=True)
    print("usage: i18n.py extract [DIR] | update | build", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
