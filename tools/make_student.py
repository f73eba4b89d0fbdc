"""Write the student edition of the course: the book without solutions.

Usage (from anywhere; paths are relative to the repository root)::

    python tools/make_student.py                  # writes _student/
    python tools/make_student.py --out DIR        # somewhere else
    python tools/make_student.py --build          # and build its book

The student edition is a copy of ``_config.yml``, ``_toc.yml``, ``book/``
and ``notebooks/`` (and the files ``_config.yml`` names, such as its local
Sphinx extensions) in which every notebook

* loses its solutions: markdown cells that start with a ``{solution}``
  directive (colon or backtick fence), the ``{solution-start}`` and
  ``{solution-end}`` cells and any markdown between them;
* keeps the code cell between ``{solution-start}`` and ``{solution-end}``
  with the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
  replaced by a stub: ``raise NotImplementedError("Exercise conv-ex1: ...")``
  at the marker's indentation inside a function; ``name = ...`` for a
  top-level assignment (so the check cell reports "no answer yet" instead
  of a NameError); ``...`` inside brackets;
* has no outputs and no execution counts (students run it).

``book/intro.md`` gets a "Student edition" note; the instructors' page
(``book/instructors.md``: grading points, solutions in prose) is left out,
with its line in ``_toc.yml`` and every list item or table row that links
to it (a link elsewhere in prose stops the tool); glued figures
(``{glue}``) read "run the notebook", and ``_config.yml`` gets the title
suffix
" (student edition)", ``execute_notebooks: off`` and the ``student``
branch for its launch buttons. ``--build`` runs
``jupyter-book build <out> -W -n --keep-going --all`` (sphinx-exercise's
``hide_solutions`` is not used: it fails on the start/end form,
executablebooks/sphinx-exercise#89). Malformed sources (a BEGIN without
END, a ``solution-start`` without ``solution-end``, solution code outside
markers) stop the tool with a :class:`StudentEditionError`.
"""

from __future__ import annotations

import argparse
import ast
import copy
import io
import re
import shutil
import subprocess
import sys
import textwrap
import tokenize
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
#: The page the student edition leaves out (relative to the root).
INSTRUCTORS = Path("book") / "instructors.md"
#: What the student edition copies from the repository root.
SOURCES = ("_config.yml", "_toc.yml", "book", "notebooks")
#: A file marking a folder as written by this tool (safe to replace).
MARKER = ".d2lite-student-edition"
#: The branch the student edition is published on (launch buttons).
STUDENT_BRANCH = "student"
TITLE_SUFFIX = " (student edition)"
RUN_IT = "*(run the notebook to compute it)*"

_DIRECTIVE = re.compile(
    r"\A\s*(?P<fence>:{3,}|`{3,})\s*\{(?P<name>solution(?:-start|-end)?)\}"
    r"[ \t]*(?P<arg>[^\n]*)"
)
_ANY_SOLUTION = re.compile(r"\{solution(?:-start|-end)?\}")
_BEGIN = re.compile(r"^(?P<indent>[ \t]*)#+[ \t]*BEGIN SOLUTION\b")
_END = re.compile(r"^[ \t]*#+[ \t]*END SOLUTION\b")
_GLUE_ROLE = re.compile(
    r"(?<!`)\{glue(?::[a-z]*)?\}`[^`]+`"
)  # not `{glue}` quoted
_GLUE_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})[ \t]*\{glue(?::[a-z]*)?\}[^\n]*\n"
    r"(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_NAME_OPTION = re.compile(r"^:name:[ \t]*(\S+)", re.MULTILINE)
_LABEL = re.compile(r"^\([A-Za-z0-9_.:-]+\)=[ \t]*$")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,}|:{3,})")
_ITEM = re.compile(r"^[ \t]*(?:[*+-]|\d+[.)])[ \t]")


class StudentEditionError(ValueError):
    """A source cannot be turned into its student version (and why)."""


# ---------------------------------------------------------------------------
# Code cells: the solution markers
# ---------------------------------------------------------------------------


def solution_directive(source: str) -> tuple[str, str] | None:
    """Return ``(name, argument)`` when ``source`` starts a solution.

    Args:
        source: A markdown cell's text.

    Returns:
        ``("solution", "conv-ex3")``, ``("solution-start", "conv-ex1")``,
        ``("solution-end", "")``, or ``None`` for any other cell.
    """
    match = _DIRECTIVE.match(source)
    if match is None:
        return None
    return match["name"], match["arg"].strip()


def has_markers(source: str) -> bool:
    """Whether a code cell holds a BEGIN or END SOLUTION marker."""
    return any(
        _BEGIN.match(line) or _END.match(line) for line in source.splitlines()
    )


def stub_statement(exercise_id: str, indent: str = "") -> list[str]:
    """Return the ``raise NotImplementedError`` stub, at most 79 columns."""
    message = f'"Exercise {exercise_id}: replace this line with your answer"'
    line = f"{indent}raise NotImplementedError({message})"
    if len(line) <= 79:
        return [line]
    return [f"{indent}raise NotImplementedError(", f"{indent}    {message})"]


def _bracket_depth(code: str) -> int:
    """Return how many brackets are open at the end of ``code``."""
    depth = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # the code stops inside an open statement: depth is known
    return max(depth, 0)


def _bound_names(body: list[str]) -> list[str]:
    """Return the names a top-level solution binds (imports excepted)."""
    try:
        tree = ast.parse(textwrap.dedent("\n".join(body)))
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        elif isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        ):
            names.append(node.name)
        for target in targets:
            elts = target.elts if isinstance(target, ast.Tuple) else [target]
            names += [t.id for t in elts if isinstance(t, ast.Name)]
    return list(dict.fromkeys(names))


def _stub_for(
    before: str, body: list[str], indent: str, exercise_id: str
) -> list[str]:
    """Return the lines replacing one solution region."""
    if _bracket_depth(before) > 0:
        return [f"{indent}...  # Exercise {exercise_id}: your answer here"]
    names = _bound_names(body) if not indent else []
    if names:
        which = "each ..." if len(names) > 1 else "the ..."
        return [
            f"# Exercise {exercise_id}: replace {which} with your answer."
        ] + [f"{name} = ..." for name in names]
    return stub_statement(exercise_id, indent)


def stub_solution(
    source: str, exercise_id: str, *, where: str = "a code cell"
) -> str:
    """Replace every BEGIN/END SOLUTION region of ``source`` with a stub.

    Args:
        source: A code cell's text (the instructor version).
        exercise_id: The exercise the cell answers, e.g. ``"conv-ex1"``.
        where: Names the cell in error messages.

    Returns:
        The student version of the cell.

    Raises:
        StudentEditionError: A BEGIN without END, an END without BEGIN, or
            a BEGIN inside a region.
    """
    lines = source.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        begin = _BEGIN.match(lines[index])
        if _END.match(lines[index]):
            raise StudentEditionError(
                f"{where}: line {index + 1} is an END SOLUTION marker "
                "without a BEGIN SOLUTION before it; add "
                "'### BEGIN SOLUTION' above the solution lines"
            )
        if begin is None:
            out.append(lines[index])
            index += 1
            continue
        end = _region_end(lines, index, where=where)
        out += _stub_for(
            "\n".join(out),
            lines[index + 1 : end],
            begin["indent"],
            exercise_id,
        )
        index = end + 1
    return "\n".join(out)


def _region_end(lines: list[str], begin: int, *, where: str) -> int:
    """Return the index of the END marker closing the region at ``begin``."""
    for index in range(begin + 1, len(lines)):
        if _END.match(lines[index]):
            return index
        if _BEGIN.match(lines[index]):
            break
    raise StudentEditionError(
        f"{where}: the BEGIN SOLUTION marker of line {begin + 1} has no "
        "END SOLUTION marker after it; close the region with "
        "'### END SOLUTION' (regions do not nest)"
    )


# ---------------------------------------------------------------------------
# Notebooks
# ---------------------------------------------------------------------------


def neutralize_glue(text: str) -> str:
    """Replace ``{glue}`` roles and directives: students compute them.

    The student notebooks have no outputs, so nothing is glued; a pasted
    value becomes "(run the notebook to compute it)" and a glued figure a
    note saying so (its ``:name:`` label kept).
    """

    def block(match: re.Match) -> str:
        fence = match["fence"]
        label = _NAME_OPTION.search(match["body"])
        target = f"({label[1]})=\n" if label else ""
        return (
            f"{target}{fence}{{note}}\nThis figure appears when you run "
            f"the notebook.\n{fence}"
        )

    return _GLUE_ROLE.sub(RUN_IT, _GLUE_BLOCK.sub(block, text))


def solution_cells(nb: nbformat.NotebookNode) -> list[tuple[str | None, int]]:
    """Return ``(exercise id, cell index)`` of each code cell with markers.

    The id is the one of the enclosing ``{solution-start}`` cell, ``None``
    for markers outside any (which :func:`student_notebook` refuses).
    """
    found, current = [], None
    for index, cell in enumerate(nb.cells):
        directive = (
            solution_directive(cell.source)
            if cell.cell_type == "markdown"
            else None
        )
        if directive and directive[0] == "solution-start":
            current = directive[1]
        elif directive and directive[0] == "solution-end":
            current = None
        elif cell.cell_type == "code" and has_markers(cell.source):
            found.append((current, index))
    return found


def _clear(cell: nbformat.NotebookNode) -> None:
    """Remove a code cell's outputs, execution count and timing metadata."""
    cell.outputs = []
    cell.execution_count = None
    cell.metadata.pop("execution", None)


def student_notebook(
    nb: nbformat.NotebookNode, *, name: str = "notebook"
) -> nbformat.NotebookNode:
    """Return the student version of a notebook (the input is not changed).

    Args:
        nb: An instructor notebook (nbformat 4).
        name: Names the notebook in error messages.

    Raises:
        StudentEditionError: Unpaired solution-start/-end cells or markers,
            solution code outside markers, a solution directive not at the
            start of its cell.
    """
    nb = copy.deepcopy(nb)
    cells = []
    current: tuple[str, int] | None = None  # (exercise id, start cell)
    for index, cell in enumerate(nb.cells):
        where = f"{name}, cell {index}"
        if cell.cell_type == "markdown":
            current = _markdown(cell, current, index, where, cells)
        elif cell.cell_type == "code":
            _code(cell, current, where)
            cells.append(cell)
        elif current is None:
            cells.append(cell)
    if current is not None:
        raise StudentEditionError(
            f"{name}: the solution-start of {current[0]} (cell {current[1]}) "
            "has no solution-end cell after it; add a markdown cell "
            "'```{solution-end}\\n```' after the solution's code cell"
        )
    nb.cells = cells
    return nb


def _markdown(
    cell: nbformat.NotebookNode,
    current: tuple[str, int] | None,
    index: int,
    where: str,
    cells: list,
) -> tuple[str, int] | None:
    """Handle one markdown cell; return the solution block we are in."""
    directive = solution_directive(cell.source)
    kind = directive[0] if directive else None
    if kind == "solution-start":
        if current is not None:
            raise StudentEditionError(
                f"{where}: a solution-start inside the solution of "
                f"{current[0]} (cell {current[1]}); close that one first "
                "with a solution-end cell"
            )
        if not directive[1]:
            raise StudentEditionError(
                f"{where}: the solution-start names no exercise; write "
                "'```{solution-start} conv-ex1'"
            )
        return directive[1], index
    if kind == "solution-end":
        if current is None:
            raise StudentEditionError(
                f"{where}: a solution-end without a solution-start before "
                "it; add the solution-start cell or remove this one"
            )
        return None
    if kind == "solution" and current is not None:
        raise StudentEditionError(
            f"{where}: a prose solution inside the solution of "
            f"{current[0]} (cell {current[1]}); move it out"
        )
    if kind == "solution" or current is not None:
        return current  # solution prose: dropped
    if _ANY_SOLUTION.search(cell.source):
        raise StudentEditionError(
            f"{where}: a solution directive that does not start its cell; "
            "put each solution in a markdown cell of its own"
        )
    cell.source = neutralize_glue(cell.source)
    cells.append(cell)
    return current


def _code(
    cell: nbformat.NotebookNode, current: tuple[str, int] | None, where: str
) -> None:
    """Stub one code cell's solution regions and clear its outputs."""
    marked = has_markers(cell.source)
    if marked and current is None:
        raise StudentEditionError(
            f"{where}: SOLUTION markers outside a solution; put the cell "
            "between a '{solution-start} <id>' and a '{solution-end}' cell"
        )
    if current is not None and not marked:
        raise StudentEditionError(
            f"{where}: a code cell inside the solution of {current[0]} "
            "without '### BEGIN SOLUTION' / '### END SOLUTION' markers: "
            "students would see all of it; add the markers or move the "
            "cell out of the solution"
        )
    if marked:
        cell.source = stub_solution(cell.source, current[0], where=where)
    _clear(cell)


# ---------------------------------------------------------------------------
# Book pages and configuration
# ---------------------------------------------------------------------------


def student_config(text: str, *, branch: str = STUDENT_BRANCH) -> str:
    """Return the student ``_config.yml``: title, no execution, branch."""
    config = yaml.safe_load(text)
    config["title"] = str(config.get("title", "d2lite")) + TITLE_SUFFIX
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    config.setdefault("repository", {})["branch"] = branch
    header = (
        "# Student edition, written by tools/make_student.py from the "
        "course's _config.yml:\n# notebooks are not executed (their "
        "outputs are cleared), launch buttons\n# open the "
        f"'{branch}' branch.\n"
    )
    return header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


STUDENT_NOTE = """
:::{admonition} Student edition
:class: important
This is the student edition of the course. The exercises at the end of each
chapter come without their solutions: where an answer is code or a number,
the notebook has a cell to complete (it raises `NotImplementedError` or
holds a `...` until you do) and the next cell checks your answer with
`dl.check`. The notebooks come without outputs: run them top to bottom to
see every table, figure and figure of merit.
:::
"""


def student_intro(text: str) -> str:
    """Insert the "Student edition" note after the page's title."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("# "):
            return "\n".join(
                lines[: index + 1]
                + STUDENT_NOTE.split("\n")
                + lines[index + 1 :]
            )
    return STUDENT_NOTE.lstrip() + "\n" + text


def page_labels(text: str) -> list[str]:
    """Return the MyST targets ``(label)=`` a page defines."""
    return [
        line.strip()[1:-2]
        for line in text.split("\n")
        if _LABEL.match(line.strip())
    ]


def _links_to(labels: list[str], doc: str = "instructors") -> re.Pattern:
    """A pattern for links to the page ``doc`` or to its ``labels``."""
    names = "|".join(re.escape(x) for x in labels) or "(?!)"
    return re.compile(
        r"\{doc\}`(?:[^`<]*<)?[./]*(?:book/)?"
        + re.escape(doc)
        + r"(?:\.md)?>?`"
        + r"|\{(?:ref|numref)\}`(?:[^`<]*<)?(?:"
        + names
        + r")>?`"
        + r"|\]\((?:[./]*(?:book/)?"
        + re.escape(doc)
        + r"(?:\.md)?"
        + r"(?:#[^)]*)?|#(?:"
        + names
        + r"))\)"
    )


def _item_start(lines: list[str], index: int) -> int | None:
    """Return the line starting the list item (or table row) of ``index``."""
    for start in range(index, -1, -1):
        line = lines[start]
        if _ITEM.match(line):
            indent = len(line) - len(line.lstrip())
            inside = all(
                len(x) - len(x.lstrip()) > indent
                for x in lines[start + 1 : index + 1]
            )
            return start if inside else None
        if not line.strip():
            return None
    return None


def _item_end(lines: list[str], start: int) -> int:
    """Return the index after the last line of the item at ``start``."""
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = start + 1
    while (
        end < len(lines)
        and lines[end].strip()
        and (len(lines[end]) - len(lines[end].lstrip()) > indent)
    ):
        end += 1
    return end


def drop_links(text: str, links: re.Pattern, *, where: str) -> str:
    """Remove the list items and table rows holding a link in ``links``.

    Raises:
        StudentEditionError: A link outside any list item (a sentence the
            tool cannot shorten); the message names the line.
    """
    lines = text.split("\n")
    index = removed = 0
    while index < len(lines):
        if not links.search(lines[index]):
            index += 1
            continue
        start = _item_start(lines, index)
        if start is None:
            raise StudentEditionError(
                f"{where}, line {index + removed + 1}: a link to the instructors' "
                "page, which the student edition leaves out; put the link "
                "in a list item of its own (the tool drops the item) or "
                f"remove it: {lines[index].strip()!r}"
            )
        end = _item_end(lines, start)
        removed += end - start
        del lines[start:end]
        index = start
    return "\n".join(lines)


def student_toc(text: str) -> str:
    """Return ``_toc.yml`` without the instructors' page."""
    entry = re.compile(
        r"^\s*-\s*file:\s*"
        + re.escape(INSTRUCTORS.with_suffix("").as_posix())
        + r"(?:\.md)?\s*$"
    )
    return "\n".join(
        line for line in text.split("\n") if not entry.match(line)
    )


def student_page(
    path: Path, text: str, *, links: re.Pattern | None = None
) -> str:
    """Return the student version of one markdown page of ``book/``.

    Args:
        path: The page (names it in errors).
        text: Its MyST Markdown.
        links: Links to drop with their list item (to the instructors'
            page, which the edition leaves out); default: none.
    """
    if links is not None:
        text = drop_links(text, links, where=str(path))
    if _ANY_SOLUTION.search(text):
        raise StudentEditionError(
            f"{path}: a book page holds a solution directive; solutions "
            "belong in the notebooks, after their exercise"
        )
    if path.name == "intro.md":
        text = student_intro(text)
    return neutralize_glue(text)


STUDENT_README = """# d2lite: student edition

This folder is the student edition of the d2lite course: the four chapter
notebooks in `notebooks/` and the book around them, without the
exercises' solutions.

## Working on the exercises

1. Install the course package (it brings PyTorch and the checks):
   `pip install "d2lite @ git+{url}@v{version}"` (the release the
   notebooks were made with).
   On Colab the first cell of each notebook does it for you.
2. Open a notebook and run it from the top. The outputs are not stored:
   every table and figure appears as you run the cells.
3. Each chapter ends with exercises. Where the answer is code or a number,
   a cell holds `raise NotImplementedError(...)` (inside a function) or
   `answer = ...`: replace it with your answer and run the next cell,
   which checks it:

   ```python
   dl.check("conv-ex1", my_answer)
   ```

   It prints `conv-ex1 ✓ ... Well done!` when every hidden test case
   passes, and otherwise says which case failed, what your answer gave and
   what is wrong with it (too high, too low, which element), without
   giving the answer away. `dl.check.list()` lists every check.
4. Exercises whose answer is prose have no check: your instructor grades
   them.

## The book

`jupyter-book build .` renders this edition to `_build/html` (the
notebooks are not executed: they have no outputs yet).
"""


# ---------------------------------------------------------------------------
# The whole edition
# ---------------------------------------------------------------------------


def _prepare(out: Path, root: Path) -> None:
    """Empty ``out`` (only if this tool wrote it) and create it."""
    if (
        out == root
        or root.is_relative_to(out)
        or any(out.is_relative_to(root / s) for s in SOURCES)
    ):
        raise StudentEditionError(
            f"out={out} would overwrite the course's sources; choose a "
            "folder of its own, e.g. --out _student"
        )
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            raise StudentEditionError(
                f"out={out} exists and was not written by make_student "
                f"(no {MARKER} file); choose an empty or new folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(
        "written by tools/make_student.py\n", encoding="utf-8"
    )


def _notebook_links(
    nb: nbformat.NotebookNode, links: re.Pattern, *, name: str
) -> None:
    """Drop the list items linking to the instructors' page, in place."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            cell.source = drop_links(
                cell.source, links, where=f"{name}, cell {index}"
            )


def _copy_tree(
    source: Path,
    target: Path,
    *,
    skip: Path | None = None,
    links: re.Pattern | None = None,
) -> None:
    """Copy ``book/`` or ``notebooks/`` into the edition, transformed.

    ``skip`` is left out; list items holding one of ``links`` are dropped.
    """
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if (
            path.is_dir()
            or path == skip
            or any(
                p.startswith((".ipynb_checkpoints", "__pycache__", "_build"))
                for p in rel.parts
            )
        ):
            continue
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb":
            nb = student_notebook(
                nbformat.read(path, as_version=4), name=str(path)
            )
            if links is not None:
                _notebook_links(nb, links, name=str(path))
            nbformat.write(nb, dest)
        elif path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
            dest.write_text(
                student_page(path, text, links=links), encoding="utf-8"
            )
        else:
            shutil.copy2(path, dest)


def config_files(config: dict, *, root: Path) -> list[Path]:
    """Return the files outside book/ and notebooks/ the build needs.

    These are the modules of ``sphinx.local_extensions`` (e.g.
    ``tools/book_offline.py``), ``logo``, ``html.favicon`` and the folders
    named by ``sphinx.config`` options ending in ``_path`` (static files,
    templates); only those that exist under ``root``.
    """
    sphinx = config.get("sphinx") or {}
    found = []
    for name, folder in (sphinx.get("local_extensions") or {}).items():
        found += [Path(folder) / f"{name}.py", Path(folder) / name]
    found += [
        Path(p)
        for p in (
            config.get("logo"),
            (config.get("html") or {}).get("favicon"),
        )
        if p
    ]
    for key, value in (sphinx.get("config") or {}).items():
        if key.endswith("_path") and isinstance(value, (list, str)):
            found += [
                Path(v)
                for v in ([value] if isinstance(value, str) else value)
                if isinstance(v, str)
            ]
    return [
        p
        for p in found
        if str(p) not in ("", ".")
        and (root / p).exists()
        and not p.is_absolute()
    ]


def _copy_path(source: Path, dest: Path) -> None:
    """Copy one file or folder (no caches) into the edition."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(
            source,
            dest,
            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"),
        )
    else:
        shutil.copy2(source, dest)


def package_version(root: Path) -> str:
    """Return ``d2lite.__version__`` as written in the package's source."""
    text = (root / "d2lite" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if match is None:
        raise StudentEditionError(
            f"{root / 'd2lite' / '__init__.py'} has "
            'no line __version__ = "<version>"'
        )
    return match[1]


def write_student_edition(
    out: Path, *, root: Path = ROOT, branch: str = STUDENT_BRANCH
) -> Path:
    """Write the student edition of the course under ``out``.

    Args:
        out: The folder to write (replaced when this tool wrote it before).
        root: The repository root holding the course's sources.
        branch: The branch the launch buttons of the edition open.

    Returns:
        ``out``, resolved.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    missing = [s for s in SOURCES if not (root / s).exists()]
    if missing:
        raise StudentEditionError(
            f"root={root} lacks {missing}; run from the course repository"
        )
    _prepare(out, root)
    config = (root / "_config.yml").read_text(encoding="utf-8")
    (out / "_config.yml").write_text(
        student_config(config, branch=branch), encoding="utf-8"
    )
    toc = (root / "_toc.yml").read_text(encoding="utf-8")
    (out / "_toc.yml").write_text(student_toc(toc), encoding="utf-8")
    instructors = root / INSTRUCTORS
    labels = (
        page_labels(instructors.read_text(encoding="utf-8"))
        if instructors.is_file()
        else []
    )
    links = _links_to(labels, INSTRUCTORS.stem)
    for folder in ("book", "notebooks"):
        _copy_tree(root / folder, out / folder, skip=instructors, links=links)
    for rel in config_files(yaml.safe_load(config), root=root):
        if not (out / rel).exists():
            _copy_path(root / rel, out / rel)
    url = (
        yaml.safe_load(config)
        .get("repository", {})
        .get("url", "https://github.com/d2lite/d2lite")
    )
    (out / "README.md").write_text(
        STUDENT_README.format(url=url, version=package_version(root)),
        encoding="utf-8",
    )
    return out


def build(out: Path) -> int:
    """Build the edition's book strictly; return jupyter-book's status."""
    from book import jupyter_book_command  # tools/book.py, beside this file

    cmd = jupyter_book_command(stored=False, root=out)
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, write the edition, maybe build it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "_student",
        help="folder to write (default: _student)",
    )
    parser.add_argument(
        "--branch",
        default=STUDENT_BRANCH,
        help="branch the launch buttons open (default: student)",
    )
    parser.add_argument(
        "--build",
        action="store_true",
        help="then build its book (jupyter-book, -W -n)",
    )
    args = parser.parse_args(argv)
    try:
        out = write_student_edition(args.out, branch=args.branch)
    except StudentEditionError as err:
        print(f"make_student: {err}", file=sys.stderr)
        return 2
    print(f"make_student: wrote {out}")
    if not args.build:
        return 0
    status = build(out)
    if status == 0:
        print(f"make_student: built {out / '_build' / 'html' / 'index.html'}")
    else:
        print(
            f"make_student: jupyter-book failed with status {status}; "
            "every warning counts (-W -n)",
            file=sys.stderr,
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
