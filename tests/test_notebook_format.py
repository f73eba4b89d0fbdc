"""Every chapter notebook follows the course's format.

Parametrized over ``notebooks/*.ipynb``: a valid notebook stored with the
outputs of one fresh top-to-bottom run (execution counts 1..N, no error),
starting with the Colab cell whose URL is ``_config.yml``'s repository,
code lines of at most 79 characters, ``import d2lite`` and never
``import *``, and at least four labelled exercises at the end. A notebook
whose metadata says ``"placeholder": true`` (written by
``tools/make_placeholders.py`` until its chapter lands) may fail the
exercise check: it is marked xfail, not strict.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import book  # noqa: E402  (tools/book.py)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAX_LINE = 79
MIN_EXERCISES = 4
#: Exercise label prefix of each chapter: `conv-ex1`, `lenet-ex2`, ...
CHAPTER_PREFIX = {
    "01_convolution_arithmetic": "conv",
    "02_lenet": "lenet",
    "03_vgg": "vgg",
    "04_training": "train",
}
EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise(?:-start)?\}", re.M)
LABEL = re.compile(r"^:label:\s*(\S+)\s*$", re.M)
SOLUTION = re.compile(
    r"^(?:`{3,}|:{3,})\{solution(?:-start)?\}\s+(\S+)\s*$", re.M)
STAR_IMPORT = re.compile(r"^\s*from\s+\S+\s+import\s+\*", re.M)
D2LITE_IMPORT = re.compile(r"^\s*import\s+d2lite(\s+as\s+dl)?\s*$", re.M)


def colab_cell(config: dict) -> str:
    """The exact first code cell, built from ``_config.yml``'s repository."""
    owner, name, branch = book.repository(config)
    return (
        "# On Colab, install d2lite from the course repository; "
        "elsewhere do nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install -q "d2lite @ git+https://github.com/{owner}/'
        f'{name}@{branch}"'
    )


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=nbformat.NO_CONVERT)


def _code(nb: nbformat.NotebookNode) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def _is_placeholder(nb: nbformat.NotebookNode) -> bool:
    return bool(nb.metadata.get("placeholder"))


@pytest.fixture(params=NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def notebook(request) -> tuple[Path, nbformat.NotebookNode]:
    return request.param, _read(request.param)


def test_the_four_chapters_exist() -> None:
    stems = {p.stem for p in NOTEBOOKS}
    assert set(CHAPTER_PREFIX) <= stems, (
        f"missing chapters: {set(CHAPTER_PREFIX) - stems}")


def test_valid_nbformat(notebook) -> None:
    path, nb = notebook
    assert nb.nbformat == 4, f"{path.name}: nbformat {nb.nbformat}, want 4"
    nbformat.validate(nb)


def test_stored_from_one_fresh_run(notebook) -> None:
    path, nb = notebook
    counts = [c.execution_count for c in _code(nb)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts}; rerun the notebook from a "
        "fresh kernel, top to bottom, and save it")


def test_no_error_outputs(notebook) -> None:
    path, nb = notebook
    errors = [(k, out.get("ename")) for k, cell in enumerate(nb.cells)
              for out in cell.get("outputs", [])
              if out.output_type == "error"]
    assert not errors, f"{path.name}: error outputs in cells {errors}"


def test_first_code_cell_is_the_colab_cell(notebook) -> None:
    path, nb = notebook
    code = _code(nb)
    assert code, f"{path.name}: no code cell"
    expected = colab_cell(book.load_config())
    assert code[0].source == expected, (
        f"{path.name}: the first code cell must be exactly\n{expected}\n"
        f"got\n{code[0].source}")


def test_colab_cell_matches_the_config() -> None:
    """The Colab cell's URL is the one `_config.yml` names, nowhere else."""
    config = book.load_config()
    owner, name, branch = book.repository(config)
    assert f"https://github.com/{owner}/{name}" == config["repository"][
        "url"].rstrip("/")
    assert f"git+https://github.com/{owner}/{name}@{branch}" in colab_cell(
        config)


def test_code_lines_fit_79_characters(notebook) -> None:
    path, nb = notebook
    long_lines = [(k, len(line)) for k, cell in enumerate(nb.cells)
                  if cell.cell_type == "code"
                  for line in cell.source.splitlines() if len(line) > MAX_LINE]
    assert not long_lines, (
        f"{path.name}: (cell, length) of lines over {MAX_LINE}: {long_lines}")


def test_no_star_imports(notebook) -> None:
    path, nb = notebook
    stars = [k for k, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and STAR_IMPORT.search(cell.source)]
    assert not stars, f"{path.name}: `import *` in cells {stars}"


def test_imports_d2lite(notebook) -> None:
    path, nb = notebook
    assert any(D2LITE_IMPORT.search(c.source) for c in _code(nb)), (
        f"{path.name}: no `import d2lite as dl`")


def test_labelled_exercises(notebook, request) -> None:
    path, nb = notebook
    if _is_placeholder(nb):
        request.applymarker(pytest.mark.xfail(
            reason="placeholder notebook: its chapter has not landed yet",
            strict=False))
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    exercises = [src for src in markdown if EXERCISE.search(src)]
    assert len(exercises) >= MIN_EXERCISES, (
        f"{path.name}: {len(exercises)} exercises, want {MIN_EXERCISES}+")
    labels = []
    for src in exercises:
        match = LABEL.search(src)
        assert match, f"{path.name}: exercise without :label:\n{src[:200]}"
        labels.append(match.group(1))
    prefix = CHAPTER_PREFIX.get(path.stem)
    if prefix:
        bad = [lab for lab in labels
               if not re.fullmatch(rf"{prefix}-ex\d+", lab)]
        assert not bad, f"{path.name}: labels {bad} are not `{prefix}-exN`"
    assert len(set(labels)) == len(labels), f"{path.name}: {labels}"
    solved = [m.group(1) for src in markdown for m in SOLUTION.finditer(src)]
    orphans = sorted(set(solved) - set(labels))
    assert not orphans, f"{path.name}: solutions of no exercise: {orphans}"
