"""The student edition (tools/make_student.py): no solutions, runnable, builds.

Fast tests write the edition of the real course into a temporary folder
and check what it lacks (solution markers, solution lines, outputs) and
what it keeps (every code cell, the check cells); a fixture notebook covers
every form of solution and every malformed input the tool must refuse, and
runs in a kernel. Slow tests run the real student notebooks top to bottom
(errors allowed only as NotImplementedError, only in stub or check cells)
and build the student book with every warning an error.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402  (tools/make_student.py)
from make_student import StudentEditionError  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "{solution")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(nb: nbformat.NotebookNode) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def solution_lines(source: str) -> list[str]:
    """The stripped lines between the markers that are long enough to
    identify a solution (12 characters or more)."""
    lines, inside = [], False
    for line in source.splitlines():
        if "BEGIN SOLUTION" in line:
            inside = True
        elif "END SOLUTION" in line:
            inside = False
        elif inside and len(line.strip()) >= 12:
            lines.append(line.strip())
    return lines


def prose_solution_lines(nb: nbformat.NotebookNode) -> list[str]:
    """Long lines of the markdown cells that only solutions hold."""
    lines, inside = [], False
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        directive = make_student.solution_directive(cell.source)
        kind = directive[0] if directive else None
        if kind == "solution-start":
            inside = True
        if kind in ("solution", "solution-start") or inside:
            lines += [
                ln.strip()
                for ln in cell.source.splitlines()
                if len(ln.strip()) >= 30
                and not ln.strip().startswith((":", "`"))
            ]
        if kind == "solution-end":
            inside = False
    return lines


def _taught_lines(nb: nbformat.NotebookNode) -> set[str]:
    """Stripped lines of the cells that are neither solutions nor answers."""
    lines, inside = set(), False
    for cell in nb.cells:
        directive = make_student.solution_directive(cell.source)
        kind = directive[0] if directive else None
        if kind == "solution-start":
            inside = True
        is_solution = (
            kind in ("solution", "solution-start", "solution-end")
            or inside
            or "### BEGIN SOLUTION" in cell.source
        )
        if not is_solution:
            lines.update(ln.strip() for ln in cell.source.splitlines())
        if kind == "solution-end":
            inside = False
    return lines


def _all_text(nb: nbformat.NotebookNode) -> str:
    return "\n".join(cell.source for cell in nb.cells)


# ---------------------------------------------------------------------------
# The real course
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    """The student edition of the repository, written once."""
    return make_student.write_student_edition(
        tmp_path_factory.mktemp("edition") / "student"
    )


def test_edition_has_every_source(edition):
    for name in (
        "_config.yml",
        "_toc.yml",
        "README.md",
        "book/intro.md",
        "book/references.bib",
    ):
        assert (edition / name).is_file(), name
    assert sorted(p.name for p in (edition / "notebooks").glob("*.ipynb")) == [
        p.name for p in NOTEBOOKS
    ]
    toc = (ROOT / "_toc.yml").read_text()
    assert "book/instructors" in toc
    assert (edition / "_toc.yml").read_text() == "\n".join(
        line for line in toc.split("\n") if "book/instructors" not in line
    )


def _edition_text(edition: Path) -> str:
    """Every page and every markdown cell of the edition, joined."""
    parts = [p.read_text() for p in (edition / "book").rglob("*.md")]
    for path in (edition / "notebooks").glob("*.ipynb"):
        parts += [
            c.source for c in _read(path).cells if c.cell_type == "markdown"
        ]
    return "\n".join(parts)


def test_edition_has_no_instructors_page_and_no_link_to_it(edition):
    assert not (edition / "book" / "instructors.md").exists()
    assert not list(edition.rglob("instructors*"))
    assert "instructors" not in (edition / "_toc.yml").read_text()
    labels = make_student.page_labels(
        (ROOT / "book" / "instructors.md").read_text()
    )
    assert "instructors-grading" in labels
    text = _edition_text(edition)
    assert not re.search(r"\binstructors(\.md|>|`|\))", text)
    for label in labels:
        assert label not in text, label
    # the intro's table keeps its other rows
    intro = (edition / "book" / "intro.md").read_text()
    assert "{doc}`results`" in intro and "{doc}`setup`" in intro


LINKS = make_student._links_to(["instructors-grading"])


@pytest.mark.parametrize(
    "text, kept",
    [
        (
            "* - {doc}`results`\n  - Figures.\n* - {doc}`instructors`\n"
            "  - Notes for\n    teachers.\n```",
            "* - {doc}`results`\n  - Figures.\n```",
        ),
        (
            "Intro.\n\n- see {ref}`points <instructors-grading>`\n- other\n",
            "Intro.\n\n- other\n",
        ),
        ("1. [teachers](instructors.md)\n2. {doc}`../book/instructors`\n", ""),
    ],
)
def test_list_items_linking_to_the_instructors_page_are_dropped(text, kept):
    assert make_student.drop_links(text, LINKS, where="p") == kept


def test_a_link_in_prose_is_refused():
    with pytest.raises(
        StudentEditionError,
        match=r"p, line 3: a link to "
        "the instructors' page",
    ):
        make_student.drop_links(
            "a\n\nSee {doc}`instructors` now.", LINKS, where="p"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_has_no_solution(edition, path):
    student = _read(edition / "notebooks" / path.name)
    text = _all_text(student)
    for marker in MARKERS:
        assert marker not in text, f"{path.name} still holds {marker!r}"
    instructor = _read(path)
    # A line the chapter itself teaches outside any solution (an idiom the
    # solution reuses, such as `with torch.device("meta"):`) is no leak.
    taught = _taught_lines(instructor)
    # A solution line leaks when the edition has it as a line of its own
    # (a longer taught line that merely contains it is no leak).
    shown = {line.strip() for line in text.splitlines()}
    leaked = [
        line
        for cell in _code_cells(instructor)
        for line in solution_lines(cell.source)
        if line in shown and line not in taught
    ]
    leaked += [
        line
        for line in prose_solution_lines(instructor)
        if line in shown and line not in taught
    ]
    assert not leaked, f"{path.name}: solution lines left: {leaked}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_keeps_code_and_clears_outputs(edition, path):
    instructor = _code_cells(_read(path))
    student = _code_cells(_read(edition / "notebooks" / path.name))
    assert len(student) == len(instructor)
    for before, after in zip(instructor, student):
        assert after.outputs == [] and after.execution_count is None
        if not make_student.has_markers(before.source):
            assert after.source == before.source
        else:
            assert "NotImplementedError" in after.source or re.search(
                r"= \.\.\.$|^\s*\.\.\.  #", after.source, re.MULTILINE
            ), after.source


def test_config_intro_and_readme(edition):
    config = yaml.safe_load((edition / "_config.yml").read_text())
    original = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["title"] == original["title"] + " (student edition)"
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["repository"]["branch"] == "student"
    assert config["repository"]["url"] == original["repository"]["url"]
    assert "hide_solutions" not in str(config)  # sphinx-exercise#89
    intro = (edition / "book" / "intro.md").read_text()
    assert intro.startswith(
        (ROOT / "book" / "intro.md").read_text().split("\n")[0] + "\n"
    )
    assert "{admonition} Student edition" in intro
    readme = (edition / "README.md").read_text()
    assert "dl.check" in readme and original["repository"]["url"] in readme
    import d2lite

    assert f'{original["repository"]["url"]}@v{d2lite.__version__}"' in readme


def test_rewrite_replaces_its_own_output_only(edition, tmp_path):
    (edition / "notebooks" / "stale.ipynb").write_text("{}")
    make_student.write_student_edition(edition)
    assert not (edition / "notebooks" / "stale.ipynb").exists()
    other = tmp_path / "precious"
    other.mkdir()
    (other / "thesis.tex").write_text("keep me")
    with pytest.raises(StudentEditionError, match="not written by"):
        make_student.write_student_edition(other)
    for bad in (ROOT, ROOT / "notebooks" / "x", ROOT.parent):
        with pytest.raises(StudentEditionError, match="overwrite"):
            make_student.write_student_edition(bad)


def test_command_line(tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "make_student.py"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stdout
    assert (out / "notebooks").is_dir()


# ---------------------------------------------------------------------------
# A fixture course: every form of solution, every malformed input
# ---------------------------------------------------------------------------

REGISTER = """import d2lite as dl
from d2lite.exercises.registry import Case, exercise

exercise("demo-ex1", title="Square")(
    lambda: [Case(args=(x,), expected=x * x) for x in (2, 5)])
exercise("demo-ex2", title="Count", kind="value")(lambda: 61_706)
exercise("demo-ex3", title="Pair", kind="value")(lambda: (24, 2))"""

FIXTURE = [
    ("code", REGISTER),
    (
        "markdown",
        "# Demo\n\nThe count is {glue:text}`demo_count:,` and "
        "{glue}`demo_other`.",
    ),
    ("code", 'dl.glue("demo_count", 61_706)'),
    ("markdown", ":::{exercise} Square\n:label: demo-ex1\nSquare x.\n:::"),
    (
        "markdown",
        "```{solution-start} demo-ex1\n:class: dropdown\n```\n"
        "Multiply x by itself, which is all the reference does.",
    ),
    (
        "code",
        'def my_square(x):\n    """Return x squared."""\n'
        "    ### BEGIN SOLUTION\n    result = x * x  # multiply it\n"
        "    return result\n    ### END SOLUTION",
    ),
    ("markdown", "A second paragraph of the solution explains even more."),
    ("markdown", "```{solution-end}\n```"),
    ("code", 'dl.check("demo-ex1", my_square)'),
    ("markdown", ":::{exercise} Count\n:label: demo-ex2\nCount.\n:::"),
    ("markdown", "````{solution-start} demo-ex2\n:class: dropdown\n````"),
    (
        "code",
        "### BEGIN SOLUTION\nparts = [60_000, 1_706]\n"
        "count = sum(parts)\n### END SOLUTION",
    ),
    ("markdown", "```{solution-end}\n```"),
    ("code", 'dl.check("demo-ex2", count)'),
    ("markdown", ":::{exercise} Pair\n:label: demo-ex3\nA pair.\n:::"),
    ("markdown", "```{solution-start} demo-ex3\n```"),
    (
        "code",
        "pair = (\n    ### BEGIN SOLUTION\n    28 - 5 + 1, "
        "(5 - 1) // 2\n    ### END SOLUTION\n)",
    ),
    ("markdown", "```{solution-end}\n```"),
    ("code", 'dl.check("demo-ex3", pair)'),
    ("markdown", ":::{exercise} Why\n:label: demo-ex4\nWhy?\n:::"),
    (
        "markdown",
        "::::{solution} demo-ex4\n:class: dropdown\nPooling has "
        "no weights at all: it is a fixed function.\n::::",
    ),
    (
        "markdown",
        ":::{solution} demo-ex5\nAnother prose answer, written "
        "with three colons here.\n:::",
    ),
    (
        "markdown",
        "```{solution} demo-ex6\nA backtick-fenced prose answer "
        "that must go as well.\n```",
    ),
    (
        "markdown",
        "```{glue:figure} demo_fig\n:name: fig-demo\n\nA caption.\n```",
    ),
    ("code", "print(my_square.__doc__)"),
]


def make_notebook(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """A notebook of (kind, source) cells, code cells with fake outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    for index, (kind, source) in enumerate(cells):
        if kind == "code":
            nb.cells.append(
                nbformat.v4.new_code_cell(
                    source,
                    execution_count=index + 1,
                    outputs=[nbformat.v4.new_output("stream", text="out\n")],
                )
            )
            nb.cells[-1].metadata["execution"] = {"iopub.status.idle": "x"}
        else:
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
    return nb


@pytest.fixture()
def fixture_student() -> nbformat.NotebookNode:
    return make_student.student_notebook(make_notebook(FIXTURE))


def test_fixture_solutions_are_removed(fixture_student):
    kept = [c.source for c in fixture_student.cells]
    dropped = [
        src
        for kind, src in FIXTURE
        if "solution" in src and kind == "markdown"
    ] + [FIXTURE[6][1]]
    assert not set(dropped) & set(kept)
    text = _all_text(fixture_student)
    for marker in MARKERS + ("multiply it", "sum(parts)", "28 - 5 + 1"):
        assert marker not in text
    assert len(_code_cells(fixture_student)) == sum(
        kind == "code" for kind, _ in FIXTURE
    )


def test_fixture_stubs(fixture_student):
    code = [c.source for c in _code_cells(fixture_student)]
    assert code[2] == (
        'def my_square(x):\n    """Return x squared."""\n'
        "    raise NotImplementedError(\n"
        '        "Exercise demo-ex1: replace this line with your answer")'
    )
    assert code[4] == (
        "# Exercise demo-ex2: replace each ... with your "
        "answer.\nparts = ...\ncount = ..."
    )
    assert code[6] == (
        "pair = (\n    ...  # Exercise demo-ex3: your answer here\n)"
    )
    assert code[3] == 'dl.check("demo-ex1", my_square)'  # checks stay


def test_fixture_outputs_cleared(fixture_student):
    for cell in _code_cells(fixture_student):
        assert cell.outputs == [] and cell.execution_count is None
        assert "execution" not in cell.metadata


def test_fixture_glue_is_neutralized(fixture_student):
    text = _all_text(fixture_student)
    assert "{glue" not in text
    assert text.count(make_student.RUN_IT) == 2
    assert "(fig-demo)=\n```{note}" in text


def test_instructor_notebook_is_not_modified():
    nb = make_notebook(FIXTURE)
    before = nbformat.writes(nb)
    make_student.student_notebook(nb)
    assert nbformat.writes(nb) == before


def test_stub_fits_in_79_columns():
    assert make_student.stub_statement("x-ex1") == [
        'raise NotImplementedError("Exercise x-ex1: replace this line '
        'with your answer")'
    ]
    assert all(
        len(line) <= 79
        for line in make_student.stub_statement("lenet-ex12", " " * 8)
    )


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
            [
                START,
                ("code", "def f():\n    ### BEGIN SOLUTION\n    return 1"),
                END,
            ],
            "has no END SOLUTION",
        ),
        (
            [START, ("code", "x = 1\n### END SOLUTION"), END],
            "without a BEGIN SOLUTION",
        ),
        (
            [
                START,
                (
                    "code",
                    "### BEGIN SOLUTION\n### BEGIN SOLUTION\nx = 1\n"
                    "### END SOLUTION",
                ),
                END,
            ],
            "has no END SOLUTION",
        ),
        ([START, CODE], "has no solution-end"),
        ([CODE, END], "outside a solution"),
        ([END], "without a solution-start"),
        ([START, START, CODE, END, END], "inside the solution of demo-ex1"),
        ([START, ("code", "x = 1"), END], "without '### BEGIN SOLUTION'"),
        (
            [("markdown", "```{solution-start}\n```"), CODE, END],
            "names no exercise",
        ),
        (
            [("markdown", "Intro.\n\n:::{solution} demo-ex2\nx\n:::")],
            "does not start its cell",
        ),
    ],
)
def test_malformed_notebooks_are_refused(cells, match):
    with pytest.raises(StudentEditionError, match=match):
        make_student.student_notebook(make_notebook(cells), name="demo")


def test_malformed_course_is_refused(tmp_path):
    root = tmp_path / "course"
    (root / "book").mkdir(parents=True)
    (root / "notebooks").mkdir()
    for name in ("_config.yml", "_toc.yml"):
        (root / name).write_text((ROOT / name).read_text())
    nbformat.write(
        make_notebook([START, CODE]), root / "notebooks" / "bad.ipynb"
    )
    with pytest.raises(
        StudentEditionError,
        match=r"bad\.ipynb: the "
        r"solution-start of demo-ex1 \(cell 0\) has no ",
    ):
        make_student.write_student_edition(tmp_path / "out", root=root)


def run_student_notebook(path: Path, monkeypatch) -> nbformat.NotebookNode:
    """Execute a notebook top to bottom in a fresh kernel, errors allowed."""
    from nbclient import NotebookClient

    bin_dir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ["PATH"])
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    nb = _read(path)
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return nb


def error_problems(
    instructor: nbformat.NotebookNode, student: nbformat.NotebookNode
) -> list[str]:
    """Errors other than NotImplementedError, or outside stub/check cells."""
    problems = []
    pairs = zip(_code_cells(instructor), _code_cells(student))
    for index, (before, after) in enumerate(pairs):
        stub = make_student.has_markers(before.source)
        checks = "dl.check" in after.source
        for out in after.outputs:
            if out.output_type != "error":
                continue
            if out.ename != "NotImplementedError":
                problems.append(
                    f"code cell {index}: {out.ename}: {out.evalue}"
                )
            elif not (stub or checks):
                problems.append(
                    f"code cell {index}: NotImplementedError "
                    "in a cell that is neither a stub nor a "
                    "check"
                )
    return problems


def test_fixture_student_notebook_runs(tmp_path, monkeypatch):
    instructor = make_notebook(FIXTURE)
    path = tmp_path / "demo.ipynb"
    nbformat.write(make_student.student_notebook(instructor), path)
    student = run_student_notebook(path, monkeypatch)
    assert error_problems(instructor, student) == []
    failed = [
        c.source
        for c in _code_cells(student)
        if any(o.output_type == "error" for o in c.outputs)
    ]
    assert failed == [
        'dl.check("demo-ex1", my_square)',
        'dl.check("demo-ex2", count)',
        'dl.check("demo-ex3", pair)',
    ]
    last = _code_cells(student)[-1].outputs
    assert last[0].text == "Return x squared.\n"


def test_error_problems_flags_other_errors(tmp_path, monkeypatch):
    instructor = make_notebook(
        [("code", "1 / 0"), ("code", "raise NotImplementedError")]
    )
    path = tmp_path / "bad.ipynb"
    nbformat.write(make_student.student_notebook(instructor), path)
    student = run_student_notebook(path, monkeypatch)
    problems = error_problems(instructor, student)
    assert len(problems) == 2
    assert "ZeroDivisionError" in problems[0]
    assert "neither a stub nor a check" in problems[1]


# ---------------------------------------------------------------------------
# Slow: the real student notebooks run, the student book builds
# ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_runs_top_to_bottom(edition, path, monkeypatch):
    student = run_student_notebook(
        edition / "notebooks" / path.name, monkeypatch
    )
    assert error_problems(_read(path), student) == []


@pytest.mark.slow
def test_student_book_builds_without_warnings(tmp_path):
    out = tmp_path / "student"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "make_student.py"),
            "--out",
            str(out),
            "--build",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]
    html = out / "_build" / "html"
    intro = (html / "book" / "intro.html").read_text(encoding="utf-8")
    assert "Student edition" in intro and "(student edition)" in intro
    assert not (html / "book" / "instructors.html").exists()
    linking = [
        p.name
        for p in html.rglob("*.html")
        if "instructors.html" in p.read_text(encoding="utf-8")
    ]
    assert not linking, f"pages linking to the instructors' page: {linking}"
    for path in NOTEBOOKS:
        page = (html / "notebooks" / f"{path.stem}.html").read_text(
            encoding="utf-8"
        )
        for line in prose_solution_lines(_read(path))[:5]:
            words = " ".join(re.findall(r"[A-Za-z]{4,}", line)[:6])
            assert not words or words not in page, (path.stem, line)


def test_quoted_glue_role_in_prose_is_left_alone():
    text = "pastes with `{glue:text}` role; value {glue:text}`key:.1f` here"
    out = make_student.neutralize_glue(text)
    assert out.startswith("pastes with `{glue:text}` role; value ")
    assert "key:.1f" not in out and make_student.RUN_IT in out
