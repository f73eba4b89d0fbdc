"""The Chinese edition: its catalogs, its glossary and its book.

One test per catalog (``locale/zh_CN/LC_MESSAGES/<page>.po``) and check, so
one page can be checked alone: ``pytest tests/test_translations.py -k
intro``. Every message must be translated, not fuzzy, keep the English
message's numbers and markup, use the glossary's terms, and match a fresh
extraction of the English text (``make translations`` refreshes the
catalogs after an English edit). The Chinese book builds strictly.
"""

from __future__ import annotations

import csv
import html
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = ROOT / "locale" / "zh_CN" / "LC_MESSAGES"
GLOSSARY = ROOT / "locale" / "glossary.csv"
ZH_HTML = ROOT / "_build" / "zh" / "html"
PAGES = sorted(
    p.relative_to(MESSAGES).with_suffix("").as_posix()
    for p in MESSAGES.rglob("*.po")
)
#: d2l-zh's terms that DESIGN.md names: the glossary must give these.
D2L_ZH = {
    "convolutional layer": "卷积层",
    "pooling layer": "汇聚层",
    "padding": "填充",
    "stride": "步幅",
    "channel": "通道",
    "receptive field": "感受野",
    "fully connected layer": "全连接层",
    "batch normalization": "批量规范化",
    "dropout": "暂退法",
    "data augmentation": "数据增广",
    "learning rate": "学习率",
    "minibatch stochastic gradient descent": "小批量随机梯度下降",
    "overfitting": "过拟合",
    "validation set": "验证集",
    "test set": "测试集",
}
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
#: Markup a translation copies exactly: roles, inline code, inline math.
MARKUP = re.compile(r"(?:\{[\w:-]+\})?`[^`]+`|\$[^$]+\$")
#: The words of a numref's title ("exercise %s") are prose: translated.
NUMREF_WORDS = re.compile(r"(\{numref\}`)[^`<]*?(%s)?[^`<%]*<")


def markup(text: str) -> set[str]:
    """Roles, inline code and math of ``text``, numref titles without words."""
    return {NUMREF_WORDS.sub(r"\1\2<", m) for m in MARKUP.findall(text)}


def catalog(page: str) -> polib.POFile:
    """The page's catalog, without obsolete (``#~``) entries."""
    po = polib.pofile(str(MESSAGES / f"{page}.po"))
    po[:] = [e for e in po if not e.obsolete]
    return po


def short(text: str, width: int = 90) -> str:
    """One line of ``text`` for a failure message."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def report(page: str, problems: list[str], what: str) -> str:
    """A failure message naming the file and each message."""
    where = f"locale/zh_CN/LC_MESSAGES/{page}.po"
    return f"{where}: {len(problems)} {what}:\n" + "\n".join(problems)


def glossary() -> list[dict[str, str]]:
    """The glossary's rows: English, 中文 (alternatives split by '/'), note."""
    with GLOSSARY.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_glossary_is_one_sound_list() -> None:
    rows = glossary()
    assert rows and list(rows[0]) == ["English", "中文", "note"]
    counts = Counter(row["English"].lower() for row in rows)
    assert not [t for t, n in counts.items() if n > 1], "duplicated terms"
    terms = {row["English"]: row["中文"].split("/")[0] for row in rows}
    wrong = {
        en: (terms.get(en), zh)
        for en, zh in D2L_ZH.items()
        if terms.get(en) != zh
    }
    assert not wrong, f"glossary (got, d2l-zh's term): {wrong}"


@pytest.mark.parametrize("page", PAGES)
def test_every_message_translated(page: str) -> None:
    po = catalog(page)
    problems = [
        f"{'fuzzy' if e.fuzzy else 'untranslated'}: {short(e.msgid)}"
        for e in po
        if e.fuzzy or not e.msgstr
    ]
    assert not problems, report(page, problems, "messages to translate")


@pytest.mark.parametrize("page", PAGES)
def test_numbers_and_markup_copied(page: str) -> None:
    problems = []
    for e in catalog(page).translated_entries():
        missing = markup(e.msgid) - markup(e.msgstr)
        numbers = set(NUMBER.findall(MARKUP.sub(" ", e.msgid)))
        missing |= numbers - set(NUMBER.findall(MARKUP.sub(" ", e.msgstr)))
        if missing:
            problems.append(f"{sorted(missing)} not in: {short(e.msgstr)}")
    assert not problems, report(page, problems, "translations changed")


@pytest.mark.parametrize("page", PAGES)
def test_glossary_terms_used(page: str) -> None:
    terms = [
        (re.compile(rf"\b{re.escape(r['English'])}(?:e?s)?\b", re.I), r)
        for r in glossary()
    ]
    problems = []
    for e in catalog(page).translated_entries():
        english = MARKUP.sub(" ", e.msgid)
        for pattern, row in terms:
            if pattern.search(english) and not any(
                zh in e.msgstr for zh in row["中文"].split("/")
            ):
                problems.append(
                    f"{row['English']} -> {row['中文']}: {short(e.msgstr)}"
                )
    assert not problems, report(page, problems, "glossary terms not used")


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The English text's catalogs, extracted now (about a minute)."""
    out = tmp_path_factory.mktemp("i18n") / "gettext"
    cmd = [sys.executable, str(ROOT / "tools" / "i18n.py"), "extract"]
    done = subprocess.run(
        [*cmd, str(out)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_catalog_matches_the_english_text(page: str, fresh_pot: Path) -> None:
    pot = fresh_pot / f"{page}.pot"
    assert pot.is_file(), f"{page} is no longer a page of the book"
    english = {e.msgid for e in polib.pofile(str(pot)) if e.msgid}
    po = {e.msgid: e for e in catalog(page)}
    problems = [
        f"new or changed English: {short(m)}"
        for m in sorted(english - po.keys())
    ]
    problems += [
        f"no longer in the English text: {short(m)}"
        for m in sorted(po.keys() - english)
    ]
    assert not problems, report(page, problems, "messages out of date") + (
        "\n(run `make translations`, then translate what it marks fuzzy)"
    )


@pytest.mark.slow
def test_every_page_has_a_catalog(fresh_pot: Path) -> None:
    pots = {
        p.relative_to(fresh_pot).with_suffix("").as_posix()
        for p in fresh_pot.rglob("*.pot")
    }
    assert pots - set(PAGES) == set(), "run `make translations`"


@pytest.fixture(scope="module")
def zh_book() -> Path:
    """The Chinese book, built strictly from the stored outputs."""
    cmd = [sys.executable, str(ROOT / "tools" / "i18n.py"), "build"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return ZH_HTML


@pytest.mark.slow
def test_chinese_book_builds(zh_book: Path) -> None:
    missing = [p for p in PAGES if not (zh_book / f"{p}.html").is_file()]
    assert not missing, f"pages missing from the Chinese book: {missing}"
    intro = (zh_book / "book" / "intro.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in intro
    config = yaml.safe_load((ROOT / "_config.yml").read_text("utf-8"))
    site = config["html"]["baseurl"].rstrip("/")  # the English book's
    assert f'href="{site}/book/intro.html" hreflang="en"' in intro
    chapter = zh_book / "notebooks" / "01_convolution_arithmetic.html"
    assert "练习" in chapter.read_text(encoding="utf-8")


@pytest.mark.slow
def test_chinese_alt_text(zh_book: Path) -> None:
    """Alt text (cell metadata) reaches the page from the page's catalog."""
    problems = []
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        page = f"notebooks/{notebook.stem}"
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        alts = {
            c["metadata"].get("mystnb", {}).get("image", {}).get("alt")
            for c in cells
        }
        text = (zh_book / f"{page}.html").read_text(encoding="utf-8")
        shown = {html.unescape(a) for a in re.findall(r'alt="([^"]*)"', text)}
        problems += [
            f"{page}: {short(e.msgstr)}"
            for e in catalog(page).translated_entries()
            if e.msgid in alts and e.msgstr not in shown
        ]
    assert not problems, "translated alt text not shown:\n" + "\n".join(
        problems
    )


@pytest.mark.slow
def test_chinese_glossary_page_and_search(zh_book: Path) -> None:
    page = (zh_book / "book" / "glossary.html").read_text(encoding="utf-8")
    assert "中英术语对照" in page
    missing = [r["English"] for r in glossary() if r["中文"] not in page]
    assert not missing, f"glossary page lacks: {missing}"
    index = (zh_book / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(index[index.index("(") + 1 : index.rindex(")")])
    # jieba splits Chinese into words; without it no Chinese word is indexed.
    assert "卷积" in terms["terms"], "no Chinese word in the search index"
