"""Every number the prose states is checked by code the tests run.

The chapters hold their numbers as literals in the markdown. A number in a
chapter's prose is covered when the chapter's code holds it: as a literal
of ``dl.says("61,706", total)`` (which nbval runs against the computed
value), or as a numeric literal of the code (a setting such as ``lr =
0.1``, or the right side of an ``assert``). The book's pages that
summarize the chapters may state only numbers a chapter states. What is
left unchecked: years, structure (chapter, exercise and list numbers),
single digits, which the text defines (kernel sizes, strides, epochs of a
toy example), and each notebook's short list in its metadata
``d2lite.prose_allowed`` (number -> why).
"""

from __future__ import annotations

import ast
import re
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SUMMARY_PAGES = [ROOT / "book" / "results.md", ROOT / "book" / "intro.md"]


# A number in prose; after a hyphen it is part of a name (LeNet-5, VGG-16).
_NUMBER = re.compile(r"(?<![\w.\-/#])\d+(?:,\d{3})*(?:\.\d+)?(?![\w/])")
_STRIP = [
    re.compile(r"```.*?```", re.S),  # fenced code
    re.compile(r"`[^`\n]*`"),  # code spans and role targets
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"<!--.*?-->", re.S),  # comments
    re.compile(r"<[^>\n]+>"),  # html tags
    re.compile(r"^\(\S+\)=\s*$", re.M),  # labels
    re.compile(r"^:[\w-]+:.*$", re.M),  # directive options
    re.compile(r"^\s*(?:\d+\.|#+)\s", re.M),  # list numbers, headings
    re.compile(
        r"\b(?:[Cc]hapters?|[Ee]xercises?|[Ss]ections?|[Ff]igures?|"
        r"[Ss]teps?|[Pp]arts?)\s+\d+(?:\.\d+)?(?:(?:,| and| or| to)"
        r"\s+\d+(?:\.\d+)?)*"
    ),
]


def _value(text: str) -> Decimal:
    return Decimal(text.replace(",", "").replace("_", "")).normalize()


def prose_numbers(markdown: str) -> list[str]:
    """The numbers a markdown text states, as written (without structure)."""
    markdown = markdown.replace("{,}", ",")  # LaTeX's 48{,}040
    for pattern in _STRIP:
        markdown = pattern.sub(" ", markdown)
    found = []
    for number in _NUMBER.findall(markdown):
        if "." not in number and "," not in number and len(number) == 1:
            continue  # single digits: defined by the text
        if re.fullmatch(r"(19|20)\d\d", number):
            continue  # years
        found.append(number)
    return found


def _code(source: str) -> str:
    lines = source.splitlines()  # IPython magics become `pass`
    return "\n".join(
        ln[: len(ln) - len(ln.lstrip())] + "pass"
        if ln.lstrip()[:1] in ("%", "!")
        else ln
        for ln in lines
    )


def code_numbers(source: str) -> tuple[set[Decimal], set[Decimal]]:
    """(numeric literals of the code, numbers of its dl.says literals)."""
    literals, stated = set(), set()
    for node in ast.walk(ast.parse(_code(source))):
        if isinstance(node, ast.Constant) and type(node.value) in (
            int,
            float,
        ):
            literals.add(Decimal(repr(node.value)).normalize())
            literals.add(Decimal(repr(abs(node.value))).normalize())
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", ""))
            == "says"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            for number in _NUMBER.findall(node.args[0].value):
                stated.add(_value(number))
    return literals, stated


def _chapter(path: Path):
    nb = nbformat.read(path, as_version=4)
    allowed = nb.metadata.get("d2lite", {}).get("prose_allowed", {})
    literals = {_value(number) for number in allowed}
    stated, prose = set(), []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            prose += [(index, n) for n in prose_numbers(cell.source)]
        elif cell.cell_type == "code":
            lits, says = code_numbers(cell.source)
            literals |= lits
            stated |= says
    return prose, literals, stated


def _unchecked(prose, covered):
    return [
        f"cell {index}: {number}"
        for index, number in prose
        if _value(number) not in covered
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_number_in_a_chapters_prose_is_checked(path):
    prose, literals, stated = _chapter(path)
    unchecked = _unchecked(prose, literals | stated)
    assert not unchecked, (
        f"{path.name}: numbers in the prose that no code checks "
        f"({len(unchecked)}): {'; '.join(unchecked)}. Add "
        f'dl.says("<the number as written>", <computed value>) to the '
        f"chapter's check cell after it; for a setting, use the number in "
        f"the code; for a year or a number the text defines, add it to the "
        f"notebook's metadata d2lite.prose_allowed with the reason."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_says_literal_is_in_the_prose(path):
    prose, _, stated = _chapter(path)
    in_prose = {_value(number) for _, number in prose}
    stale = sorted(str(v) for v in stated - in_prose if abs(v) >= 10)
    assert not stale, (
        f"{path.name}: dl.says checks numbers the prose no longer states: "
        f"{', '.join(stale)}; remove those checks or restore the prose"
    )


@pytest.mark.parametrize("page", SUMMARY_PAGES, ids=lambda p: p.name)
def test_summary_pages_state_only_the_chapters_numbers(page):
    chapters = set()
    for path in NOTEBOOKS:
        prose, literals, stated = _chapter(path)
        chapters |= {_value(n) for _, n in prose} | stated
    prose = [(0, n) for n in prose_numbers(page.read_text())]
    unchecked = _unchecked(prose, chapters)
    assert not unchecked, (
        f"book/{page.name}: numbers no chapter states (and checks): "
        f"{'; '.join(n.split(': ')[1] for n in unchecked)}"
    )


@pytest.mark.parametrize(
    "markdown, expected",
    [
        ("LeNet has 61,706 parameters (4.2%).", ["61,706", "4.2"]),
        ("See chapter 3 and exercises 2 and 4; in 1998.", []),
        ("Use `conv2d(x, 16)` and [it](page.html#a-12) for LeNet-5.", []),
        ("1. first\n## 2 Heading\na $28\\times 28$ image", ["28", "28"]),
        (":::{exercise} Title\n:label: ex-12\n:::", []),
    ],
)
def test_prose_numbers_finds_numbers_not_structure(markdown, expected):
    assert prose_numbers(markdown) == expected


def test_an_unchecked_number_is_named_with_its_cell():
    assert _unchecked([(7, "61,706")], {_value("61706")}) == []
    assert _unchecked([(7, "61,707")], {_value("61706")}) == ["cell 7: 61,707"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_prose_holds_its_numbers_not_glue_roles(path):
    nb = nbformat.read(path, as_version=4)
    glued = [
        f"cell {i}: {m}"
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "markdown"
        for m in re.findall(r"\{glue:text\}`[^`]*`", cell.source)
    ]
    assert not glued, (
        f"{path.name}: numbers pasted by glue, which Jupyter, Colab and "
        f"the translation do not resolve: {'; '.join(glued)}; write the "
        f"number in the prose and check it with dl.says"
    )
