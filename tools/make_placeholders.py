"""Write a placeholder for each chapter notebook that does not exist yet.

A placeholder holds the chapter's title, the Colab cell every notebook
starts with, ``import d2lite as dl`` and one paragraph. Its notebook metadata
carries ``"placeholder": true`` so the format tests know it is unfinished.
An existing notebook is never overwritten.

Usage: python tools/make_placeholders.py
"""
from __future__ import annotations

from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

COLAB_CELL = (
    "# On Colab, install d2lite from the course repository; "
    "elsewhere do nothing.\n"
    "import sys\n"
    "\n"
    'if "google.colab" in sys.modules:\n'
    '    %pip install -q "d2lite @ git+https://github.com/d2lite/d2lite@main"'
)

CHAPTERS = {
    "01_convolution_arithmetic": "Convolution arithmetic",
    "02_lenet": "LeNet",
    "03_vgg": "VGG",
    "04_training": "Training on Fashion-MNIST",
}


def placeholder(title: str) -> nbformat.NotebookNode:
    """Return a minimal, executed-looking placeholder notebook."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["placeholder"] = True
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title}"),
        nbformat.v4.new_code_cell(COLAB_CELL, execution_count=1),
        nbformat.v4.new_code_cell("import d2lite as dl", execution_count=2),
        nbformat.v4.new_markdown_cell(
            "This chapter is being written. Its notebook will run on the "
            "real Fashion-MNIST data and end with checked exercises."
        ),
    ]
    return nb


def main() -> None:
    """Create each missing chapter notebook; leave existing ones alone."""
    for stem, title in CHAPTERS.items():
        path = ROOT / "notebooks" / f"{stem}.ipynb"
        if path.exists():
            print(f"kept     {path.relative_to(ROOT)}")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        nb = placeholder(title)
        nbformat.validate(nb)
        with open(path, "x", encoding="utf-8") as f:
            nbformat.write(nb, f)
        print(f"created  {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
