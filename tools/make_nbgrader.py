"""Export the course as an nbgrader course folder, and generate its release.

Usage (from anywhere; paths are relative to the repository root)::

    python tools/make_nbgrader.py                    # writes _build/nbgrader
    python tools/make_nbgrader.py --generate         # and the student version
    python tools/make_nbgrader.py --out DIR --generate

The folder is an nbgrader course (nbgrader 0.9): ``nbgrader_config.py`` and
``source/<chapter>/<chapter>.ipynb``, one assignment per chapter notebook.
Each instructor notebook becomes an nbgrader *source* notebook in which

* every code cell with ``### BEGIN SOLUTION`` / ``### END SOLUTION`` (the
  one between ``{solution-start}`` and ``{solution-end}``) is a solution
  cell (grade id: the exercise's label); a top-level solution gets
  ``name = ...`` before its region, so that a student who has not answered
  sees the check's "no answer yet" rather than a ``NameError``;
* every cell calling ``dl.check("<id>", ...)`` is an autograded test cell (grade id ``<id>-check``) worth the
  exercise's points: its stars in ``book/instructors.md`` (one point a
  star). The check raises exactly when the answer is wrong, so nbgrader
  gives all of the points or none, and the feedback shows its message.
  The cell ends with ``;``: nbgrader would read a displayed value as
  partial credit;
* every prose solution (a ``{solution}`` cell) is a manually graded answer
  cell (grade id ``<id>-answer``) holding the solution as the model
  answer, worth the exercise's points; nbgrader replaces it by "YOUR
  ANSWER HERE" in the student version. Its grading points are in
  ``book/instructors.md``;
* the ``{solution-start}`` / ``{solution-end}`` cells and the worked
  explanation between them are left out (the book shows them);
* every other cell is read-only; outputs are cleared.

``--generate`` then runs ``nbgrader generate_assignment`` in the folder,
which writes the student version to ``release/<chapter>/``. Autograde
submissions with ``nbgrader autograde <chapter>`` from the folder (see
``tests/test_nbgrader.py`` and the instructors' page).
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_student  # noqa: E402  (tools/make_student.py)
from make_student import StudentEditionError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Where ``make nbgrader`` writes the course (ignored by git and the book).
DEFAULT_OUT = ROOT / "_build" / "nbgrader"
#: A file marking a folder as written by this tool (safe to replace).
MARKER = ".d2lite-nbgrader-course"
SCHEMA_VERSION = 3
#: The stub nbgrader puts in place of a code solution region.
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"

CONFIG = """\
# nbgrader configuration of the d2lite course, written by
# tools/make_nbgrader.py. Run nbgrader from this folder.
c = get_config()  # noqa: F821 (nbgrader provides it)

c.CourseDirectory.course_id = "d2lite"
# The longest cell of a chapter trains a small network on the CPU.
c.Execute.timeout = 600
c.ClearSolutions.code_stub = {{"python": {stub!r}}}
"""

_STARS = re.compile(
    r"^\|\s*\{ref\}`(?P<id>[a-z][a-z0-9-]*) <(?P=id)>`\s*\|"
    r"[^|]*\|\s*(?P<stars>★+)\s*\|",
    re.MULTILINE,
)


class NbgraderExportError(StudentEditionError):
    """A notebook cannot be exported as an nbgrader source (and why)."""


# ---------------------------------------------------------------------------
# Points and check cells
# ---------------------------------------------------------------------------


def exercise_points(instructors_page: str) -> dict[str, int]:
    """Return ``{exercise id: points}``: one point per star of its row."""
    return {
        m["id"]: len(m["stars"]) for m in _STARS.finditer(instructors_page)
    }


def checked_ids(source: str) -> list[str]:
    """Return the exercise ids a code cell checks with ``dl.check``."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        ):
            continue
        func = node.func
        if (
            func.attr == "check"
            and isinstance(func.value, ast.Name)
            and func.value.id == "dl"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append(node.args[0].value)
    return found


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------


def _meta(
    cell: nbformat.NotebookNode,
    grade_id: str,
    *,
    solution: bool,
    grade: bool,
    locked: bool,
    points: int | None = None,
) -> None:
    """Write nbgrader's cell metadata (schema 3)."""
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta


def solution_source(source: str, exercise_id: str, *, where: str) -> str:
    """Prepare a solution cell for nbgrader's stub.

    A region at the top level of the cell gets ``name = ...`` for each name
    it binds, before its BEGIN marker; a region inside brackets is refused
    (nbgrader's stub, a ``raise`` statement, cannot stand there).
    """
    make_student.stub_solution(source, exercise_id, where=where)  # checks
    lines = source.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        begin = make_student._BEGIN.match(lines[index])
        if begin is None:
            out.append(lines[index])
            index += 1
            continue
        end = make_student._region_end(lines, index, where=where)
        if make_student._bracket_depth("\n".join(out)) > 0:
            raise NbgraderExportError(
                f"{where}: the solution region of {exercise_id} (line "
                f"{index + 1}) sits inside brackets, where nbgrader's stub "
                "(a raise statement) cannot go; put the whole statement "
                "between the markers"
            )
        if not begin["indent"]:
            names = make_student._bound_names(lines[index + 1 : end])
            out += [f"{name} = ..." for name in names]
        out += lines[index : end + 1]
        index = end + 1
    return "\n".join(out)


def quiet(source: str) -> str:
    """End a check cell with ``;`` so that it displays no ``True``.

    nbgrader reads a number displayed by a test cell as partial credit;
    the congratulation (printed) stays.
    """
    lines = source.rstrip().split("\n")
    if "#" not in lines[-1] and not lines[-1].endswith(";"):
        lines[-1] += ";"
    return "\n".join(lines)


def prose_answer(source: str) -> str:
    """Return the text of a ``{solution}`` cell without its fences."""
    lines = source.strip().split("\n")
    body = lines[1:]
    fence = make_student._DIRECTIVE.match(source)["fence"]
    if body and body[-1].strip() == fence:
        body = body[:-1]
    while body and body[0].startswith(":"):
        body = body[1:]
    return "\n".join(body).strip()


def nbgrader_notebook(
    nb: nbformat.NotebookNode,
    points: dict[str, int],
    *,
    name: str = "notebook",
) -> nbformat.NotebookNode:
    """Return the nbgrader source version of an instructor notebook.

    Args:
        nb: An instructor notebook (nbformat 4); it is not changed.
        points: Points per exercise id (see :func:`exercise_points`).
        name: Names the notebook in grade ids and error messages.

    Raises:
        NbgraderExportError: Malformed solutions (as for the student
            edition), a check or solution without points, a region in
            brackets.
    """
    make_student.student_notebook(nb, name=name)  # refuses malformed ones
    nb = copy.deepcopy(nb)
    prefix = re.sub(r"[^a-z0-9]+", "-", Path(name).stem.lower()).strip("-")
    cells, current = [], None
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        directive = (
            make_student.solution_directive(cell.source)
            if cell.cell_type == "markdown"
            else None
        )
        kind = directive[0] if directive else None
        if kind == "solution-start":
            current = directive[1]
            continue
        if kind == "solution-end":
            current = None
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        if kind == "solution":
            exercise_id = directive[1]
            cell.source = prose_answer(cell.source)
            _meta(
                cell,
                f"{exercise_id}-answer",
                solution=True,
                grade=True,
                locked=False,
                points=_points(points, exercise_id, where),
            )
        elif current is not None and cell.cell_type == "markdown":
            continue  # the worked explanation of a code solution
        elif current is not None:
            cell.source = solution_source(cell.source, current, where=where)
            _meta(cell, current, solution=True, grade=False, locked=False)
        elif cell.cell_type == "code" and checked_ids(cell.source):
            ids = checked_ids(cell.source)
            if len(ids) != 1:
                raise NbgraderExportError(
                    f"{where}: a check cell must check one exercise, this "
                    f"one checks {ids}; split it into one cell each"
                )
            cell.source = quiet(cell.source)
            _meta(
                cell,
                f"{ids[0]}-check",
                solution=False,
                grade=True,
                locked=True,
                points=_points(points, ids[0], where),
            )
        else:
            if cell.cell_type == "markdown":
                cell.source = make_student.neutralize_glue(cell.source)
            _meta(
                cell,
                f"{prefix}-cell-{index:03d}",
                solution=False,
                grade=False,
                locked=True,
            )
        cells.append(cell)
    nb.cells = cells
    return nb


def _points(points: dict[str, int], exercise_id: str, where: str) -> int:
    if exercise_id not in points:
        raise NbgraderExportError(
            f"{where}: exercise {exercise_id} has no points: give it a row "
            "with its difficulty (★, ★★ or ★★★) in the tables of "
            "book/instructors.md"
        )
    return points[exercise_id]


# ---------------------------------------------------------------------------
# The course folder
# ---------------------------------------------------------------------------


def _prepare(out: Path, root: Path) -> None:
    """Empty ``out`` (only if this tool wrote it) and create it."""
    if (
        out == root
        or root.is_relative_to(out)
        or any(out.is_relative_to(root / s) for s in make_student.SOURCES)
    ):
        raise NbgraderExportError(
            f"out={out} would overwrite the course's sources; choose a "
            "folder of its own, e.g. --out _build/nbgrader"
        )
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise NbgraderExportError(
                f"out={out} exists and was not written by make_nbgrader "
                f"(no {MARKER} file); choose an empty or new folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(
        "written by tools/make_nbgrader.py\n", encoding="utf-8"
    )


def write_course(out: Path, *, root: Path = ROOT) -> list[str]:
    """Write the nbgrader course folder; return its assignment names."""
    root, out = Path(root).resolve(), Path(out).resolve()
    page = root / "book" / "instructors.md"
    if not page.is_file():
        raise NbgraderExportError(
            f"root={root} has no book/instructors.md (the exercises' points)"
        )
    points = exercise_points(page.read_text(encoding="utf-8"))
    notebooks = sorted((root / "notebooks").glob("*.ipynb"))
    if not notebooks:
        raise NbgraderExportError(f"root={root} has no notebooks/*.ipynb")
    sources = {
        path: nbgrader_notebook(
            nbformat.read(path, as_version=4), points, name=path.name
        )
        for path in notebooks
    }  # every error before writing
    _prepare(out, root)
    (out / "nbgrader_config.py").write_text(
        CONFIG.format(stub=CODE_STUB), encoding="utf-8"
    )
    for path, nb in sources.items():
        folder = out / "source" / path.stem
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / path.name)
    return [path.stem for path in notebooks]


def nbgrader_command() -> str:
    """Return the nbgrader executable next to this Python, or on PATH."""
    exe = Path(sys.executable).parent / "nbgrader"
    return str(exe) if exe.exists() else "nbgrader"


def nbgrader_env() -> dict[str, str]:
    """The environment for nbgrader: this Python's bin folder first.

    nbgrader runs ``alembic`` (its database migrations) from ``PATH``.
    """
    env = dict(os.environ)
    env["PATH"] = (
        str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    )
    return env


def generate(out: Path) -> int:
    """Run ``nbgrader generate_assignment`` for every assignment."""
    cmd = [
        nbgrader_command(),
        "generate_assignment",
        "*",
        "--create",
        "--force",
    ]
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(
        cmd, cwd=out, env=nbgrader_env(), check=False
    ).returncode


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, write the course, maybe generate it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="folder to write (default: _build/nbgrader)",
    )
    parser.add_argument(
        "--generate",
        action="store_true",
        help="then run nbgrader generate_assignment",
    )
    args = parser.parse_args(argv)
    try:
        names = write_course(args.out)
    except StudentEditionError as err:
        print(f"make_nbgrader: {err}", file=sys.stderr)
        return 2
    out = args.out.resolve()
    print(f"make_nbgrader: wrote {out} ({', '.join(names)})")
    if not args.generate:
        return 0
    status = generate(out)
    if status == 0:
        print(f"make_nbgrader: student version in {out / 'release'}")
    else:
        print(
            f"make_nbgrader: nbgrader failed with status {status}",
            file=sys.stderr,
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
