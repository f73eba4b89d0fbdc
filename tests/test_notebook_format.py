"""Every chapter notebook follows the course's format.

Parametrized over ``notebooks/*.ipynb``: a valid notebook stored with the
outputs of one fresh top-to-bottom run (execution counts 1..N, no error),
starting with the Colab cell whose URL is ``_config.yml``'s repository,
code lines of at most 79 characters, ``import d2lite`` and never
``import *``, and at least six labelled exercises at the end.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

import d2lite

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import book  # noqa: E402  (tools/book.py)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_LINE = 79
MIN_EXERCISES = 6
EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise(?:-start)?\}", re.M)
LABEL = re.compile(r"^:label:\s*(\S+)\s*$", re.M)
SOLUTION = re.compile(
    r"^(?:`{3,}|:{3,})\{solution(?:-start)?\}\s+(\S+)\s*$", re.M
)
STAR_IMPORT = re.compile(r"^\s*from\s+\S+\s+import\s+\*", re.M)
D2LITE_IMPORT = re.compile(r"^\s*import\s+d2lite(\s+as\s+dl)?\s*$", re.M)


def colab_cell(config: dict, version: str | None = None) -> str:
    """The exact first code cell: the release tag and ``_config.yml``'s repo.

    On Colab it installs the d2lite release the chapter was run with;
    elsewhere it prints the command that installs d2lite when the import
    fails, instead of leaving a ``ModuleNotFoundError`` for the next cell.
    """
    owner, name, _ = book.repository(config)
    version = version or d2lite.__version__
    return (
        "# On Colab, install the d2lite release this chapter was run with; "
        "elsewhere,\n"
        "# say how to install d2lite if this Python cannot import it.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install -q "d2lite @ git+https://github.com/{owner}/'
        f'{name}@v{version}"\n'
        "else:\n"
        "    try:\n"
        "        import d2lite  # noqa: F401\n"
        "    except ModuleNotFoundError:\n"
        '        print("d2lite is not installed for this Python. From the '
        'root of the "\n'
        '              "course repository, run:\\n"\n'
        '              f"    {sys.executable} -m pip install -e .\\n"\n'
        '              "(or `make book`, which also creates .venv and '
        'installs it).")'
    )


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def _code(nb: nbformat.NotebookNode) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request) -> tuple[Path, nbformat.NotebookNode]:
    return request.param, _read(request.param)


def test_every_notebook_is_a_chapter_of_the_toc() -> None:
    """A notebook missing from _toc.yml would be skipped by the book."""
    chapters = {p for p in book.toc_pages() if p.startswith("notebooks/")}
    stems = {f"notebooks/{p.stem}" for p in NOTEBOOKS}
    assert stems and stems == chapters, (stems, chapters)


def test_each_chapter_has_its_own_exercise_prefix() -> None:
    """`conv-ex1`, `lenet-ex2`, ...: one prefix per notebook, none shared."""
    prefixes = {}
    for path in NOTEBOOKS:
        text = "\n".join(c.source for c in _read(path).cells)
        labels = LABEL.findall(text)
        found = {lab.split("-ex")[0] for lab in labels if "-ex" in lab}
        assert len(found) == 1, f"{path.name}: exercise prefixes {found}"
        prefixes[path.stem] = found.pop()
    assert len(set(prefixes.values())) == len(prefixes), prefixes


def test_valid_nbformat(notebook) -> None:
    path, nb = notebook
    assert nb.nbformat == 4, f"{path.name}: nbformat {nb.nbformat}, want 4"
    nbformat.validate(nb)


def test_stored_from_one_fresh_run(notebook) -> None:
    path, nb = notebook
    counts = [c.execution_count for c in _code(nb)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts}; rerun the notebook from a "
        "fresh kernel, top to bottom, and save it"
    )


def test_no_error_outputs(notebook) -> None:
    path, nb = notebook
    errors = [
        (k, out.get("ename"))
        for k, cell in enumerate(nb.cells)
        for out in cell.get("outputs", [])
        if out.output_type == "error"
    ]
    assert not errors, f"{path.name}: error outputs in cells {errors}"


def test_first_code_cell_is_the_colab_cell(notebook) -> None:
    path, nb = notebook
    code = _code(nb)
    assert code, f"{path.name}: no code cell"
    expected = colab_cell(book.load_config())
    assert code[0].source == expected, (
        f"{path.name}: the first code cell must be exactly\n{expected}\n"
        f"got\n{code[0].source}"
    )


def test_colab_cell_matches_the_config() -> None:
    """The Colab cell's URL is the one `_config.yml` names, nowhere else."""
    config = book.load_config()
    owner, name, _ = book.repository(config)
    assert f"https://github.com/{owner}/{name}" == config["repository"][
        "url"
    ].rstrip("/")
    assert (
        f"git+https://github.com/{owner}/{name}@v{d2lite.__version__}"
        in colab_cell(config)
    )


def test_code_lines_fit_79_characters(notebook) -> None:
    path, nb = notebook
    long_lines = [
        (k, len(line))
        for k, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if len(line) > MAX_LINE
    ]
    assert not long_lines, (
        f"{path.name}: (cell, length) of lines over {MAX_LINE}: {long_lines}"
    )


def test_no_star_imports(notebook) -> None:
    path, nb = notebook
    stars = [
        k
        for k, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and STAR_IMPORT.search(cell.source)
    ]
    assert not stars, f"{path.name}: `import *` in cells {stars}"


def test_imports_d2lite(notebook) -> None:
    path, nb = notebook
    assert any(D2LITE_IMPORT.search(c.source) for c in _code(nb)), (
        f"{path.name}: no `import d2lite as dl`"
    )


def test_labelled_exercises(notebook) -> None:
    path, nb = notebook
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    exercises = [src for src in markdown if EXERCISE.search(src)]
    assert len(exercises) >= MIN_EXERCISES, (
        f"{path.name}: {len(exercises)} exercises, want {MIN_EXERCISES}+"
    )
    labels = []
    for src in exercises:
        match = LABEL.search(src)
        assert match, f"{path.name}: exercise without :label:\n{src[:200]}"
        labels.append(match.group(1))
    prefix = labels[0].split("-ex")[0]
    bad = [lab for lab in labels if not re.fullmatch(rf"{prefix}-ex\d+", lab)]
    assert not bad, f"{path.name}: labels {bad} are not `{prefix}-exN`"
    assert len(set(labels)) == len(labels), f"{path.name}: {labels}"
    solved = [m.group(1) for src in markdown for m in SOLUTION.finditer(src)]
    orphans = sorted(set(solved) - set(labels))
    assert not orphans, f"{path.name}: solutions of no exercise: {orphans}"


# ---------------------------------------------------------------------------
# Bookkeeping out of the reader's way
# ---------------------------------------------------------------------------

#: nbval's comment markers; the course uses the equivalent cell tags
#: (``nbval-ignore-output``, ``nbval-skip``, ``raises-exception``, ...).
NBVAL_COMMENT = re.compile(
    r"^\s*#\s*(NBVAL_[A-Z_]+|PYTEST_VALIDATE_IGNORE_OUTPUT)\s*$", re.M
)


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def test_no_nbval_comment_markers(notebook) -> None:
    path, nb = notebook
    marked = [
        (k, m.group(1))
        for k, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for m in NBVAL_COMMENT.finditer(cell.source)
    ]
    assert not marked, (
        f"{path.name}: nbval comment markers in (cell, marker) {marked}; "
        "use the cell tag instead (e.g. `nbval-ignore-output`)"
    )


def _image_cells(nb) -> list[int]:
    return [
        k
        for k, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and any(
            "image/png" in out.get("data", {})
            or "image/svg+xml" in out.get("data", {})
            for out in cell.get("outputs", [])
        )
    ]


def test_figures_have_alt_text(notebook) -> None:
    """Every figure says what it shows (myst-nb's cell-level image alt)."""
    path, nb = notebook
    missing = []
    for k in _image_cells(nb):
        meta = nb.cells[k].metadata.get("mystnb", {}).get("image", {})
        alt = str(meta.get("alt", "")).strip()
        if len(alt.split()) < 5:
            missing.append(k)
    assert not missing, (
        f"{path.name}: figure cells {missing} have no alt text of at least "
        'five words; set metadata {"mystnb": {"image": {"alt": "..."}}}'
    )


# ---------------------------------------------------------------------------
# The first five minutes: run time and downloads stated near the top
# ---------------------------------------------------------------------------

RUN_TIME = re.compile(
    r"runs? in (about|under) (\d+) (seconds?|minutes?) on a 2-core CPU"
)


def _stored_run_seconds(nb) -> float | None:
    """Wall time of the stored run, from the cells' execution timestamps."""
    from datetime import datetime

    stamps = []
    for cell in _code(nb):
        execution = cell.metadata.get("execution", {})
        for key in ("iopub.execute_input", "shell.execute_reply"):
            if key in execution:
                stamps.append(
                    datetime.fromisoformat(
                        execution[key].replace("Z", "+00:00")
                    )
                )
    if len(stamps) < 2:
        return None
    return (max(stamps) - min(stamps)).total_seconds()


def test_run_time_and_downloads_stated_near_the_top(notebook) -> None:
    path, nb = notebook
    top = "\n".join(
        c.source for c in nb.cells[:3] if c.cell_type == "markdown"
    )
    match = RUN_TIME.search(" ".join(top.split()))
    assert match, (
        f"{path.name}: the opening cells must say how long the chapter "
        "runs, as 'runs in about|under N seconds|minutes on a 2-core CPU'"
    )
    assert re.search(r"download", top, re.I), (
        f"{path.name}: the opening cells must say what the first run "
        "downloads when online"
    )
    seconds = _stored_run_seconds(nb)
    assert seconds is not None, f"{path.name}: no execution timestamps"
    stated = int(match.group(2)) * (60 if match.group(3)[0] == "m" else 1)
    if match.group(1) == "under":
        assert seconds <= stated, (path.name, seconds, stated)
    else:
        assert 0.5 * stated <= seconds <= 1.5 * stated, (
            f"{path.name}: the stored run took {seconds:.0f} s; the text "
            f"says about {stated} s"
        )
