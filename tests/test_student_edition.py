"""The student edition: nbgrader's release of the course, and its book.

``tools/editions.py student`` writes the nbgrader course, lets
``nbgrader generate_assignment`` write the student notebooks and puts the
book around them. Written once per session (:func:`student_edition`, also
the course of ``test_nbgrader.py``). The real student notebooks are checked
statically (nbval runs the chapters themselves): no solution line, every
code cell kept, every solution a stub that compiles, a check after it, no
output, no MyST, no placeholder. A fixture notebook's student version runs
in a kernel; the student book builds with every warning an error.
"""

from __future__ import annotations

import ast
import functools
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import editions  # tools/editions.py
import nbformat
import pytest
import yaml

import book  # tools/book.py

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "{solution", "<details>")


@functools.cache
def student_edition() -> Path:
    """The student edition of the repository, written once per session."""
    out = Path(tempfile.mkdtemp(prefix="d2lite-student-")) / "student"
    return editions.write_student(out)


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _kind(cell) -> str | None:
    found = editions._solution(cell)
    return found[0] if found else None


def solution_lines(source: str) -> list[str]:
    """Lines between the markers long enough to identify a solution."""
    lines, inside = [], False
    for line in source.splitlines():
        if "BEGIN SOLUTION" in line or "END SOLUTION" in line:
            inside = "BEGIN" in line
        elif inside and len(line.strip()) >= 12:
            lines.append(line.strip())
    return lines


def prose_solution_lines(nb: nbformat.NotebookNode) -> list[str]:
    """Long lines of the markdown cells that only solutions hold."""
    lines, inside = [], False
    for cell in nb.cells:
        kind = _kind(cell)
        inside = kind == "solution-start" or (inside and kind is None)
        if cell.cell_type == "markdown" and (kind == "solution" or inside):
            lines += [
                ln.strip()
                for ln in cell.source.splitlines()
                if len(ln.strip()) >= 30 and ln.strip()[0] not in ":`"
            ]
    return lines


def _taught_lines(nb: nbformat.NotebookNode) -> set[str]:
    """Stripped lines of the cells that are neither solutions nor answers."""
    lines, inside = set(), False
    for cell in nb.cells:
        kind = _kind(cell)
        inside = kind == "solution-start" or (inside and kind is None)
        if not (kind or inside or "### BEGIN SOLUTION" in cell.source):
            lines.update(ln.strip() for ln in cell.source.splitlines())
    return lines


def leaked(instructor: nbformat.NotebookNode, text: str) -> list[str]:
    """Solution lines (code and prose) that ``text`` shows as lines."""
    taught = _taught_lines(instructor)
    shown = {line.strip() for line in text.splitlines()}
    lines = prose_solution_lines(instructor) + [
        line
        for cell in instructor.cells
        if cell.cell_type == "code"
        for line in solution_lines(cell.source)
    ]
    return [x for x in lines if x in shown and x not in taught]


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
            out = nbformat.v4.new_output("stream", text="out\n")
            nb.cells.append(
                nbformat.v4.new_code_cell(
                    source, execution_count=index + 1, outputs=[out]
                )
            )
        else:
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
    return nb


# ---------------------------------------------------------------------------
# The real course
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edition() -> Path:
    return student_edition()


def test_edition_is_the_release_with_the_book_around_it(edition):
    release = edition / "_nbgrader" / "release"
    for path in NOTEBOOKS:
        student = edition / "notebooks" / path.name
        assert (
            student.read_bytes()
            == (release / path.stem / path.name).read_bytes()
        )
    config = yaml.safe_load((edition / "_config.yml").read_text())
    original = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["title"] == original["title"] + " (student edition)"
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["repository"]["branch"] == "student"
    assert (
        "{important} This is the student edition"
        in (edition / "book" / "intro.md").read_text()
    )
    assert not (edition / "book" / "instructors.md").exists()
    toc = (edition / "_toc.yml").read_text()
    assert "instructors" not in toc and "notebooks/02_lenet" in toc
    pages = "\n".join(p.read_text() for p in edition.glob("book/*.md"))
    assert "instructors" not in pages


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_has_no_solution_and_no_myst(edition, path):
    student = _read(edition / "notebooks" / path.name)
    text = "\n".join(cell.source for cell in student.cells)
    for marker in MARKERS:
        assert marker not in text, f"{path.name} still holds {marker!r}"
    assert not leaked(_read(path), text), f"{path.name}: solution lines"
    assert editions.check_plain(student, path.name) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_student_notebook_stubs_compile_and_are_checked(edition, path):
    """The static check that replaces running the student notebooks."""
    from IPython.core.inputtransformer2 import TransformerManager

    instructor = [c for c in _read(path).cells if c.cell_type == "code"]
    student = [
        c
        for c in _read(edition / "notebooks" / path.name).cells
        if c.cell_type == "code"
    ]
    assert len(student) == len(instructor)
    checked = []
    for index, (before, after) in enumerate(zip(instructor, student)):
        assert after.outputs == [] and after.execution_count is None
        ast.parse(TransformerManager().transform_cell(after.source))
        meta = after.metadata["nbgrader"]
        if meta["solution"]:
            assert "raise NotImplementedError()" in after.source
            exercise = meta["grade_id"]
            nxt = student[index + 1].source
            assert f'dl.check("{exercise}"' in nxt, (path.name, exercise)
            checked.append(exercise)
        elif not meta["grade"]:
            assert after.source == before.source
    assert checked, f"{path.name} has no code exercise"


def test_fixture_student_notebook_runs(tmp_path, monkeypatch):
    """Stubs raise NotImplementedError, checks then fail, nothing else."""
    from nbclient import NotebookClient

    release = student_edition() / "_nbgrader" / "release"
    path = sorted(release.glob("*/*.ipynb"))[0]
    nb = _read(path)
    nb.cells = [
        c
        for c in nb.cells
        if c.cell_type == "code"
        and (
            c.metadata["nbgrader"]["solution"]
            or "import" in c.source
            or c.metadata["nbgrader"]["grade"]
        )
    ]
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv(
        "PATH",
        f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    )
    NotebookClient(nb, timeout=120, allow_errors=True).execute()
    seen = set()
    for cell in nb.cells:
        errors = [o.ename for o in cell.outputs if o.output_type == "error"]
        meta = cell.metadata["nbgrader"]
        if meta["solution"]:  # a top-level stub raises, a def does not
            assert errors in ([], ["NotImplementedError"]), cell.source
        elif meta["grade"]:  # the check reports the missing answer
            assert errors in (["NotImplementedError"], ["CheckFailed"])
        else:
            assert errors == [], (cell.source, errors)
        seen.update(errors)
    assert "NotImplementedError" in seen, seen


@pytest.mark.slow
def test_student_book_builds_without_warnings():
    edition = student_edition()
    proc = subprocess.run(
        book.jupyter_book_command(stored=False, root=edition),
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-6000:]
    html = edition / "_build" / "html"
    intro = (html / "book" / "intro.html").read_text(encoding="utf-8")
    assert "This is the student edition" in intro
    assert "(student edition)" in intro
    pages = [p for p in html.rglob("*.html") if "_static" not in p.parts]
    linking = [p.name for p in pages if "instructors.html" in p.read_text()]
    assert not linking, f"pages linking to the instructors' page: {linking}"
    for path in NOTEBOOKS:
        page = (html / "notebooks" / f"{path.stem}.html").read_text()
        assert re.search(r"Exercise \d\.1\b", page)
        for line in prose_solution_lines(_read(path))[:5]:
            words = " ".join(re.findall(r"[A-Za-z]{4,}", line)[:6])
            assert not words or words not in page, (path.stem, line)
