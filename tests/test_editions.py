"""The reader edition (tools/editions.py) and the book's launch buttons.

A fixture course (a numbered chapter, a page, a bibliography, star rows)
shows each MyST construct turned into what Jupyter and Colab render, and
each construct the converter does not know refused with the notebook, the
cell and the fragment. Then the real chapters: the committed reader/ is
what the generator writes now, and it holds no MyST.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import editions  # tools/editions.py
import nbformat
import polib
import pytest
import reader_buttons  # tools/reader_buttons.py
from editions import EditionError
from test_student_edition import make_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
URL = "https://example.org/course/"

CHAPTER = [
    (
        "markdown",
        "# Demo\n\nAs {cite}`lecun1998gradient` and "
        "{cite:t}`he2016deep,lecun1998gradient` show; see {doc}`../book/page` "
        "and {ref}`page-part`, or {numref}`exercise %s <demo-ex2>`.",
    ),
    ("code", "%pip install d2lite"),
    ("code", "assert 1 + 1 == 2"),
    (
        "markdown",
        ":::{note}\nA {ref}`remark <page-part>`.\n:::\n\n"
        "(demo-label)=\n## Exercises\n\n```{math}\na = b\n```",
    ),
    ("markdown", ":::{exercise} Square\n:label: demo-ex1\nSquare x.\n:::"),
    (
        "markdown",
        "```{solution-start} demo-ex1\n:class: dropdown\n```\n"
        "Multiply x by itself.",
    ),
    (
        "code",
        "def sq(x):\n    ### BEGIN SOLUTION\n    return x * x\n"
        "    ### END SOLUTION",
    ),
    ("markdown", "```{solution-end}\n```"),
    ("code", 'dl.check("demo-ex1", sq)'),
    ("markdown", ":::{exercise}\n:label: demo-ex2\nWhy?\n:::"),
    ("markdown", "::::{solution} demo-ex2\n:class: dropdown\nBecause.\n::::"),
]
BIB = """\
@article{lecun1998gradient, author = {LeCun, Yann and Bottou, L{\\'e}on and
  Bengio, Yoshua}, title = {Gradient-Based Learning}, journal = {Proc.
  IEEE}, year = {1998}}
@inproceedings{he2016deep, author = {He, Kaiming and Sun, Jian}, title =
  {Deep Residual Learning}, booktitle = {CVPR}, year = {2016}}
"""


@pytest.fixture()
def course(tmp_path) -> Path:
    """A one-chapter course: config, toc, a page, stars and references."""
    (tmp_path / "_config.yml").write_text(f"html:\n  baseurl: {URL}\n")
    (tmp_path / "_toc.yml").write_text(
        textwrap.dedent("""\
        format: jb-book
        root: book/intro
        parts:
          - chapters: [{file: book/page}]
          - numbered: true
            chapters: [{file: notebooks/01_demo}]
        """)
    )
    book = tmp_path / "book"
    book.mkdir()
    (book / "intro.md").write_text("# Intro\n")
    (book / "page.md").write_text("# A page\n\n(page-part)=\n## Part two\n")
    (book / "references.bib").write_text(BIB)
    (book / "instructors.md").write_text(
        "| {ref}`demo-ex1 <demo-ex1>` | square | ★ | 5 |\n"
        "| {ref}`demo-ex2 <demo-ex2>` | why | ★★ | 5 |\n"
    )
    (tmp_path / "notebooks").mkdir()
    nbformat.write(
        make_notebook(CHAPTER), tmp_path / "notebooks" / "01_demo.ipynb"
    )
    return tmp_path


def reader_text(course: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    (path,) = editions.write_reader(root=course)
    nb = nbformat.read(path, as_version=4)
    return nb, [c.source for c in nb.cells]


def test_reader_edition_renders_every_construct(course):
    nb, cells = reader_text(course)
    assert cells[0] == (
        "# Demo\n\nAs (LeCun et al., 1998) and He and Sun (2016); "
        "LeCun et al. (1998) show; see "
        f"[A page]({URL}book/page.html) and "
        f"[Part two]({URL}book/page.html#page-part), or "
        f"[exercise 1.2]({URL}notebooks/01_demo.html#demo-ex2)."
    )
    assert cells[3] == (
        f"> **Note**\n>\n> A [remark]({URL}book/page.html#page-part).\n\n"
        "## Exercises\n\n$$\na = b\n$$"
    )
    assert cells[4] == "### Exercise 1.1 (Square) ★\n\nSquare x."
    assert cells[5] == (
        "<details><summary>Solution</summary>\n\nMultiply x by itself."
        "\n\nIts code is the next cell.\n\n</details>"
    )
    assert cells[6] == "def sq(x):\n    return x * x"
    assert nb.cells[6].metadata["jupyter"] == {"source_hidden": True}
    assert cells[7] == 'dl.check("demo-ex1", sq)'
    assert cells[8].startswith("### Exercise 1.2 ★★\n")
    assert cells[9] == (
        "<details><summary>Solution</summary>\n\nBecause.\n\n</details>"
    )
    assert cells[10] == (
        "## References\n\n- He, K., Sun, J. (2016). Deep Residual "
        "Learning. *CVPR*.\n- LeCun, Y., Bottou, L., Bengio, Y. (1998). "
        "Gradient-Based Learning. *Proc. IEEE*."
    )
    assert cells[1] == "%pip install d2lite"  # the install cell first
    assert nb.cells[1].outputs  # the stored outputs are kept
    assert not editions.check_plain(nb, "x")


ZH = {  # English message -> a translation, as a catalog holds them
    "Demo": "演示",
    "A {ref}`remark <page-part>`.": "一个{ref}`说明 <page-part>`。",
    "Exercises": "练习",
    "Square x.": "求 x 的平方。",
    "Because.": "因为。",
    "A page": "一页",
    "Part two": "第二部分",
    "A dark square.": "一个深色方块。",
}


def test_chinese_reader_edition_translates_each_message(course, capsys):
    messages = course / "locale" / "zh_CN" / "LC_MESSAGES"
    for doc in ("notebooks/01_demo", "book/page"):
        po = polib.POFile()
        po += [polib.POEntry(msgid=k, msgstr=v) for k, v in ZH.items()]
        po.append(
            polib.POEntry(msgid="Why?", msgstr="为何？", flags=["fuzzy"])
        )
        (messages / doc).parent.mkdir(parents=True, exist_ok=True)
        po.save(str(messages / f"{doc}.po"))
    path = course / "notebooks" / "01_demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].metadata["mystnb"] = {"image": {"alt": "A dark square."}}
    nbformat.write(nb, path)
    (path,) = editions.write_reader(root=course, lang="zh_CN")
    assert path == course / "reader" / "zh" / "01_demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    cells = [c.source for c in nb.cells]
    zh = f"{URL}zh/"
    assert cells[0].startswith("# 演示\n\nAs (LeCun et al., 1998)")
    assert f"[一页]({zh}book/page.html)" in cells[0]
    assert f"[第二部分]({zh}book/page.html#page-part)" in cells[0]
    assert f"[exercise 1.2]({zh}notebooks/01_demo.html#demo-ex2)" in cells[0]
    assert cells[1].startswith('import os\n\nos.environ["D2LITE_LANG"] = "zh"')
    assert cells[1].endswith("\n%pip install d2lite")
    assert nb.cells[2].metadata.mystnb.image.alt == "一个深色方块。"
    assert cells[3] == (
        f"> **Note**\n>\n> 一个[说明]({zh}book/page.html#page-part)\u3002"
        "\n\n## 练习\n\n$$\na = b\n$$"
    )
    assert cells[4] == "### 练习 1.1 (Square) ★\n\n求 x 的平方。"
    assert "<summary>解答</summary>" in cells[5]
    assert cells[8] == "### 练习 1.2 ★★\n\nWhy?"  # fuzzy: English kept
    assert "\n\n因为。\n\n" in cells[9] and "参考文献" in cells[10]
    err = capsys.readouterr().err
    assert "01_demo.ipynb: 3 untranslated" in err, err
    assert "cell 0: 'As {cite}" in err and "cell 5: 'Multiply" in err


@pytest.mark.parametrize(
    "fragment",
    [
        "{glue:text}`lenet_total_params:,`",
        "{cite}`nobody2020`",
        "{doc}`../book/missing`",
        "{term}`kernel`",
        "{ref}`no-such-label`",
    ],
)
def test_an_unknown_role_names_notebook_cell_and_fragment(course, fragment):
    path = course / "notebooks" / "01_demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].source += f"\n\nLeNet has {fragment} parameters."
    nbformat.write(nb, path)
    with pytest.raises(EditionError) as err:
        editions.write_reader(root=course)
    assert "01_demo.ipynb, cell 3: " in str(err.value)
    assert fragment.split("`")[1] in str(err.value)
    assert not (course / "reader").exists()  # nothing half written


def test_an_unknown_directive_is_refused(course):
    path = course / "notebooks" / "01_demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\n\n```{glue:figure} fig\n```"
    nbformat.write(nb, path)
    with pytest.raises(
        EditionError,
        match=r"cell 0: unknown directive "
        r"\{glue:figure\} fig",
    ):
        editions.write_reader(root=course)


def test_quoted_roles_are_text():
    book = editions.Book(URL)
    text = "The `{glue:text}` role; ``{cite}`x` `` too."
    assert editions.convert_text(text, book, "notebooks/x", []) == text
    assert editions.raw_myst(text) == []


def test_check_plain_names_notebook_cell_and_fragment():
    nb = make_notebook(
        [
            ("markdown", "fine"),
            (
                "markdown",
                "has *(run the notebook to compute it)* and {ref}`x`",
            ),
            ("code", "{ref}`in code`"),
        ]
    )
    assert editions.check_plain(nb, "02_lenet.ipynb") == [
        "02_lenet.ipynb, cell 1: '{ref}`x`'",
        "02_lenet.ipynb, cell 1: 'run the notebook to compute it'",
    ]


# ---------------------------------------------------------------------------
# The real chapters
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", [None, "zh_CN"])
def test_committed_reader_edition_is_up_to_date(tmp_path, lang):
    fresh = editions.write_reader(tmp_path, lang=lang)
    folder = "reader/zh" if lang else "reader"
    committed = sorted((ROOT / folder).glob("*.ipynb"))
    assert [p.name for p in committed] == [p.name for p in fresh], (
        f"{folder}/ does not hold one notebook per chapter; run `make reader`"
    )
    stale = []
    for path in fresh:
        new = nbformat.read(path, as_version=4).cells
        old = nbformat.read(ROOT / folder / path.name, as_version=4).cells
        stale += [
            f"{folder}/{path.name}, cell {i}"
            for i in range(max(len(new), len(old)))
            if i >= min(len(new), len(old)) or new[i] != old[i]
        ][:3]
    assert not stale, (
        f"the committed {folder}/ differs from what notebooks/ (and the "
        "catalogs) give (first cells that differ: " + ", ".join(stale) + "); "
        f"run `make reader` and commit {folder}/"
    )


@pytest.mark.parametrize("folder", ["reader", "reader/zh"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_reader_notebook_holds_no_myst(path, folder):
    reader = ROOT / folder / path.name
    assert reader.is_file(), f"{reader} is missing"
    nb = nbformat.read(reader, as_version=4)
    assert editions.check_plain(nb, f"{folder}/{path.name}") == []
    text = "\n".join(c.source for c in nb.cells)
    assert "BEGIN SOLUTION" not in text and "{solution" not in text
    exercises = re.findall(r"^### (?:Exercise|练习) (\d+)\.(\d+)", text, re.M)
    assert exercises and all(
        int(n) == i + 1 for i, (_, n) in enumerate(exercises)
    ), exercises
    first = next(c.source for c in nb.cells if c.cell_type == "code")
    zh = 'os.environ["D2LITE_LANG"] = "zh"' in first
    assert zh == folder.endswith("zh"), first[:200]


def test_launch_urls_point_at_the_reader_edition_at_the_tag():
    colab = "https://colab.research.google.com/github/o/r/blob/main/"
    binder = "https://mybinder.org/v2/gh/o/r/main?urlpath=tree/"
    page = "notebooks/02_lenet"
    assert (
        reader_buttons.reader_url(
            f"{colab}notebooks/02_lenet.ipynb", "main", "v0.3.0", page
        )
        == colab.replace("main", "v0.3.0") + "reader/02_lenet.ipynb"
    )
    assert (
        reader_buttons.reader_url(
            f"{binder}notebooks/02_lenet.ipynb", "main", "v0.3.0", page
        )
        == binder.replace("main", "v0.3.0") + "reader/02_lenet.ipynb"
    )
    assert reader_buttons.reader_url(
        f"{colab}notebooks/02_lenet.ipynb", "main", "v0.3.0", page, "zh/"
    ) == colab.replace("main", "v0.3.0") + ("reader/zh/02_lenet.ipynb")
    import d2lite

    assert reader_buttons.release_tag(ROOT) == f"v{d2lite.__version__}"


def test_stars_in_a_title_must_match_the_instructors_table(course):
    path = course / "notebooks" / "01_demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[4].source = nb.cells[4].source.replace("Square", "Square ★")
    nbformat.write(nb, path)
    assert editions.write_reader(root=course)  # the same stars: fine
    nb.cells[4].source = nb.cells[4].source.replace("★", "★★★")
    nbformat.write(nb, path)
    with pytest.raises(
        EditionError,
        match="cell 4: demo-ex1 shows ★★★, its row in book/instructors.md ★",
    ):
        editions.write_reader(root=course)


START = ("markdown", "```{solution-start} demo-ex1\n```")
END = ("markdown", "```{solution-end}\n```")
CODE = (
    "code",
    "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
)


@pytest.mark.parametrize(
    "cells, match",
    [
        (
            [START, ("code", "### BEGIN SOLUTION\nx = 1"), END],
            "without its END",
        ),
        ([START, ("code", "x = 1\n### END SOLUTION"), END], "without its END"),
        (
            [
                START,
                ("code", "### BEGIN SOLUTION\n" * 2 + "x\n### END SOLUTION"),
                END,
            ],
            "do not nest",
        ),
        ([START, CODE], "has no end"),
        ([CODE, END], "cell 0: SOLUTION markers outside a solution"),
        ([END], "cell 0: a solution-end without its start"),
        ([START, START, CODE, END, END], "cell 1: a solution inside that of"),
        (
            [START, ("code", "x = 1"), END],
            "cell 1: a code cell in the solution",
        ),
        ([("markdown", "```{solution-start}\n```"), CODE, END], "names no"),
    ],
)
@pytest.mark.parametrize("mode", ["reader", "nbgrader"])
def test_malformed_solutions_are_refused(cells, match, mode):
    book = editions.Book(URL, exercises={"demo-ex1": ("1.1", 1)})
    with pytest.raises(EditionError, match=f"demo.ipynb[,:] .*{match}"):
        editions.convert(
            make_notebook(cells),
            book,
            "notebooks/demo",
            mode=mode,
            name="demo.ipynb",
        )
