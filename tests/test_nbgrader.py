"""The nbgrader course (tools/editions.py nbgrader, nbgrader 0.9).

Fast tests export fixture notebooks and look at the nbgrader metadata of
every cell. The round trip uses the course that the student edition's
session fixture wrote (``nbgrader generate_assignment`` on all four
chapters: no solution, code or prose, reaches the student version), then
runs ``nbgrader autograde`` on chapter 1 (the quick one) for three
submissions: the reference solutions, the untouched student copy and a
copy with one wrong answer; and ``nbgrader generate_feedback`` for the
wrong one, whose feedback must show the check's message.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path

import editions  # tools/editions.py
import nbformat
import pytest
from editions import EditionError
from test_student_edition import leaked, make_notebook, student_edition

import book  # tools/book.py
from d2lite.exercises import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
#: The chapter autograded end to end: the first of _toc.yml (the fastest).
CHAPTER_1 = next(
    p.split("/")[1] for p in book.toc_pages() if p.startswith("notebooks/")
)
#: The answer the "wrong" submission gets wrong, and how.
WRONG_ID = "conv-ex2"
WRONG_FROM, WRONG_TO = "7 * 7 * 3 * 64", "(7 * 7 * 3 + 1) * 64"
WRONG_MESSAGE = "received 9472, which is too high"


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def by_grade_id(nb) -> dict:
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells}


# ---------------------------------------------------------------------------
# Points and the export of one notebook
# ---------------------------------------------------------------------------


def exercise_points() -> dict[str, int]:
    """Points per exercise: its stars in book/instructors.md."""
    return {k: v[1] for k, v in editions.load_book().exercises.items()}


def test_points_are_the_stars_of_the_instructors_tables():
    points = exercise_points()
    assert points["conv-ex1"] == 1 and points["conv-ex2"] == 2
    assert set(REGISTRY.ids()) <= set(points), (
        "checked exercises without a row in book/instructors.md: "
        f"{sorted(set(REGISTRY.ids()) - set(points))}"
    )
    assert set(points.values()) <= {1, 2, 3}


FIXTURE = [
    ("code", "import d2lite as dl"),
    ("markdown", ":::{exercise} Size\n:label: conv-ex1\nWrite it.\n:::"),
    (
        "markdown",
        "```{solution-start} conv-ex1\n:class: dropdown\n```\n"
        "Count the window's positions, which is the whole idea.",
    ),
    (
        "code",
        "def conv_out(n, k, p=0, s=1):\n    ### BEGIN SOLUTION\n"
        "    return (n + 2 * p - k) // s + 1\n    ### END SOLUTION",
    ),
    ("markdown", "An explanation between the cells, also a solution."),
    ("markdown", "```{solution-end}\n```"),
    ("code", 'dl.check("conv-ex1", conv_out)'),
    ("markdown", ":::{exercise} Count\n:label: conv-ex2\nCount.\n:::"),
    ("markdown", "```{solution-start} conv-ex2\n```"),
    (
        "code",
        "### BEGIN SOLUTION\nanswer = {'params': 9408, 'size': 112}\n"
        "### END SOLUTION",
    ),
    ("markdown", "```{solution-end}\n```"),
    ("code", "dl.check('conv-ex2', answer)"),
    ("markdown", ":::{exercise} Why\n:label: conv-ex6\nWhy?\n:::"),
    (
        "markdown",
        "::::{solution} conv-ex6\n:class: dropdown\n\nPooling has "
        "no weights: it is a fixed function.\n::::",
    ),
    ("markdown", "The end, value 1.5."),
]
POINTS = {"conv-ex1": 1, "conv-ex2": 2, "conv-ex6": 3}


def export(nb, points=POINTS) -> nbformat.NotebookNode:
    exercises = {k: ("1.1", points.get(k, 0)) for k in POINTS}
    return editions.convert(
        nb,
        editions.Book("https://example.org/", exercises=exercises),
        "notebooks/demo",
        mode="nbgrader",
        name="demo.ipynb",
    )


@pytest.fixture()
def exported() -> nbformat.NotebookNode:
    return export(make_notebook(FIXTURE))


def test_fixture_cells_get_their_roles(exported):
    cells = by_grade_id(exported)
    assert nbgrader_meta(cells["conv-ex1"]) == {
        "grade": False,
        "grade_id": "conv-ex1",
        "locked": False,
        "schema_version": 3,
        "solution": True,
        "task": False,
    }
    check = nbgrader_meta(cells["conv-ex2-check"])
    assert (check["grade"], check["locked"], check["points"]) == (
        True,
        True,
        2,
    )
    assert cells["conv-ex2-check"].source == "dl.check('conv-ex2', answer);"
    answer = cells["conv-ex6-answer"]
    assert answer.cell_type == "markdown"
    assert answer.source == "Pooling has no weights: it is a fixed function."
    assert nbgrader_meta(answer)["points"] == 3
    assert nbgrader_meta(answer)["solution"] and nbgrader_meta(answer)["grade"]
    others = [
        c
        for c in exported.cells
        if not (nbgrader_meta(c)["solution"] or nbgrader_meta(c)["grade"])
    ]
    assert others and all(nbgrader_meta(c)["locked"] for c in others)


def test_fixture_solution_prose_is_gone_and_outputs_cleared(exported):
    text = "\n".join(c.source for c in exported.cells)
    assert "{solution" not in text and "window's positions" not in text
    assert "An explanation between" not in text and "{glue" not in text
    assert all(
        c.outputs == [] for c in exported.cells if c.cell_type == "code"
    )
    assert len(exported.cells) == len(FIXTURE) - 5  # start/end x2, prose


def test_top_level_solution_names_its_answer_before_the_region(exported):
    source = by_grade_id(exported)["conv-ex2"].source
    assert source.startswith("answer = ...\n### BEGIN SOLUTION\n")


def test_instructor_notebook_is_not_modified():
    nb = make_notebook(FIXTURE)
    before = nbformat.writes(nb)
    export(nb)
    assert nbformat.writes(nb) == before


@pytest.mark.parametrize(
    "cells, points, match",
    [
        (FIXTURE, {"conv-ex1": 1, "conv-ex6": 1}, "conv-ex2 has no stars"),
        (
            [
                FIXTURE[0],
                ("markdown", "```{solution-start} conv-ex1\n```"),
                (
                    "code",
                    "pair = (\n    ### BEGIN SOLUTION\n    24, 2\n"
                    "    ### END SOLUTION\n)",
                ),
                ("markdown", "```{solution-end}\n```"),
            ],
            POINTS,
            "inside brackets",
        ),
        (
            [("code", 'dl.check("conv-ex1", f)\ndl.check("conv-ex2", a)')],
            POINTS,
            "must check one exercise",
        ),
        (
            [("markdown", "```{solution-start} conv-ex1\n```")],
            POINTS,
            "has no end",
        ),
    ],
)
def test_malformed_notebooks_are_refused(cells, points, match):
    with pytest.raises(EditionError, match=match):
        export(make_notebook(cells), points)


def test_existing_folder_is_replaced_only_if_ours(tmp_path):
    other = tmp_path / "precious"
    other.mkdir()
    (other / "grades.csv").write_text("keep me")
    with pytest.raises(EditionError, match="not written by"):
        editions.write_course(other)
    with pytest.raises(EditionError, match="overwrite"):
        editions.write_course(ROOT / "notebooks" / "x")


# ---------------------------------------------------------------------------
# The real course
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course() -> Path:
    """The course folder of the student edition, its release generated."""
    return student_edition() / "_nbgrader"


def _source(course: Path, stem: str) -> nbformat.NotebookNode:
    return nbformat.read(
        course / "source" / stem / f"{stem}.ipynb", as_version=4
    )


def _release(course: Path, stem: str) -> nbformat.NotebookNode:
    return nbformat.read(
        course / "release" / stem / f"{stem}.ipynb", as_version=4
    )


def test_every_chapter_is_an_assignment(course):
    for path in NOTEBOOKS:
        assert (course / "source" / path.stem / path.name).is_file()
        assert (course / "release" / path.stem / path.name).is_file()
    assert (course / "nbgrader_config.py").is_file()


def test_every_check_is_graded_and_every_solution_a_solution_cell(course):
    points = exercise_points()
    grade_ids = {}
    for path in NOTEBOOKS:
        grade_ids.update(by_grade_id(_source(course, path.stem)))
    missing = [
        i
        for i in REGISTRY.ids()
        if i not in grade_ids or f"{i}-check" not in grade_ids
    ]
    assert not missing, (
        f"checked exercises without a solution cell or a "
        f"check cell in the notebooks: {missing}"
    )
    for exercise_id in REGISTRY.ids():
        assert nbgrader_meta(grade_ids[exercise_id])["solution"]
        check = nbgrader_meta(grade_ids[f"{exercise_id}-check"])
        assert check["grade"] and check["points"] == points[exercise_id]
    for cell in grade_ids.values():
        meta = nbgrader_meta(cell)
        assert meta["solution"] or meta["grade"] or meta["locked"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_release_has_no_solution(course, path):
    instructor = nbformat.read(path, as_version=4)
    release = _release(course, path.stem)
    text = "\n".join(c.source for c in release.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "{solution"):
        assert marker not in text, marker
    lines = leaked(instructor, text)
    assert not lines, f"{path.name}: solution lines in the release: {lines}"
    answers = [
        c
        for c in release.cells
        if c.cell_type == "markdown" and nbgrader_meta(c).get("solution")
    ]
    assert all(c.source == "YOUR ANSWER HERE" for c in answers)


# ---------------------------------------------------------------------------
# Autograde and feedback: chapter 1, three submissions
# ---------------------------------------------------------------------------


def _submit(course: Path, student: str, nb: nbformat.NotebookNode) -> None:
    folder = course / "submitted" / student / CHAPTER_1
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{CHAPTER_1}.ipynb")


def _answered(course: Path, wrong: bool) -> nbformat.NotebookNode:
    """The student copy with every answer filled in from the source."""
    answers = {
        gid: c.source
        for gid, c in by_grade_id(_source(course, CHAPTER_1)).items()
        if nbgrader_meta(c)["solution"]
    }
    nb = copy.deepcopy(_release(course, CHAPTER_1))
    for cell in nb.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
            if wrong and gid == WRONG_ID:
                assert WRONG_FROM in cell.source
                cell.source = cell.source.replace(WRONG_FROM, WRONG_TO)
    return nb


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    return editions.run(["nbgrader", *args], course)


@pytest.fixture(scope="module")
def graded(course) -> dict:
    """Autograde the three submissions; return the gradebook's figures."""
    from nbgrader.api import Gradebook

    _submit(course, "reference", _source(course, CHAPTER_1))
    _submit(course, "untouched", _release(course, CHAPTER_1))
    _submit(course, "one-wrong", _answered(course, wrong=True))
    _nbgrader(course, "autograde", CHAPTER_1)
    _nbgrader(course, "generate_feedback", CHAPTER_1, "--student", "one-wrong")
    results = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ("reference", "untouched", "one-wrong"):
            sub = gb.find_submission(CHAPTER_1, student)
            grades = {g.name: g for g in sub.notebooks[0].grades}
            results[student] = {
                "auto": {n: g.auto_score for n, g in grades.items()},
                "max": {n: g.max_score for n, g in grades.items()},
                "manual": sorted(
                    n for n, g in grades.items() if g.needs_manual_grade
                ),
            }
            # The instructor's step: full points for a complete prose
            # answer (formgrader writes the same manual_score).
            for name in results[student]["manual"]:
                grades[name].manual_score = grades[name].max_score
            gb.db.commit()
            results[student]["score"] = sub.score
            results[student]["max_score"] = sub.max_score
            print(
                f"nbgrader {student}: autograded "
                f"{sum(v or 0 for v in results[student]['auto'].values())}"
                f", total {sub.score} of {sub.max_score}"
            )
    return results


def _chapter_points() -> tuple[dict, dict]:
    exported = _source(student_edition() / "_nbgrader", CHAPTER_1)
    checks = {
        gid: nbgrader_meta(c)["points"]
        for gid, c in by_grade_id(exported).items()
        if gid.endswith("-check")
    }
    prose = {
        gid: nbgrader_meta(c)["points"]
        for gid, c in by_grade_id(exported).items()
        if gid.endswith("-answer")
    }
    return checks, prose


def test_reference_scores_full_marks(graded):
    checks, prose = _chapter_points()
    ref = graded["reference"]
    assert {n: ref["auto"][n] for n in checks} == checks
    assert ref["manual"] == sorted(prose)  # waiting for the instructor
    total = sum(checks.values()) + sum(prose.values())
    assert ref["score"] == ref["max_score"] == total


def test_untouched_copy_scores_zero(graded):
    blank = graded["untouched"]
    assert blank["score"] == 0 and blank["manual"] == []
    assert set(blank["auto"].values()) == {0}


def test_one_wrong_answer_loses_exactly_its_points(graded):
    checks, prose = _chapter_points()
    wrong = graded["one-wrong"]
    expected = {
        n: (0 if n == f"{WRONG_ID}-check" else p) for n, p in checks.items()
    }
    assert {n: wrong["auto"][n] for n in checks} == expected
    assert wrong["score"] == wrong["max_score"] - checks[f"{WRONG_ID}-check"]
    assert (
        graded["reference"]["score"] - wrong["score"]
        == checks[f"{WRONG_ID}-check"]
        > 0
    )


def test_feedback_shows_the_check_message(course, graded):
    page = (
        course / "feedback" / "one-wrong" / CHAPTER_1 / f"{CHAPTER_1}.html"
    ).read_text(encoding="utf-8")
    assert WRONG_MESSAGE in page
    assert "CheckFailed" in page and "9408" not in page
    assert f"{WRONG_ID} ✓" not in page and "conv-ex1 ✓ all" in page


def test_course_folder_can_be_rewritten(course, tmp_path):
    copy_dir = tmp_path / "again"
    shutil.copytree(course / "source", copy_dir / "source")
    (copy_dir / ".d2lite-nbgrader-course").write_text("x")
    editions.write_course(copy_dir)
    assert (copy_dir / "source" / CHAPTER_1).is_dir()
