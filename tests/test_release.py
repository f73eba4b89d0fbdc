"""The release: version in step everywhere, a wheel that works on its own.

``python -m build`` makes a wheel and an sdist of the repository that
``twine check`` accepts. The wheel holds every file of ``d2lite/``; it is
installed into an empty folder outside the repository and, from another
folder, imports d2lite, runs an exercise check and loads the real data
through ``$D2LITE_DATA``. Every notebook's first cell pins the release's
tag (``v`` + ``d2lite.__version__``) on ``_config.yml``'s repository, and
pyproject, CHANGELOG and the package agree on the version.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

import d2lite

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: no TOML reader in the stdlib
    tomllib = None

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
VERSION = d2lite.__version__

#: The first code cell of every chapter, with {url} and {version}.
INSTALL_CELL = """\
# On Colab, install the d2lite release this chapter was run with; elsewhere,
# say how to install d2lite if this Python cannot import it.
import sys

if "google.colab" in sys.modules:
    %pip install -q "d2lite @ git+{url}@v{version}"
else:
    try:
        import d2lite  # noqa: F401
    except ModuleNotFoundError:
        print("d2lite is not installed for this Python. From the root of the "
              "course repository, run:\\n"
              f"    {{sys.executable}} -m pip install -e .\\n"
              "(or `make book`, which also creates .venv and installs it).")"""


def repository_url() -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"]


# ---------------------------------------------------------------------------
# One version, one repository
# ---------------------------------------------------------------------------


def test_version_is_a_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), VERSION
    assert VERSION == "0.3.0"


def test_pyproject_takes_the_version_from_the_package():
    if tomllib is None:
        pytest.skip("reading pyproject.toml needs tomllib (Python 3.11+)")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    dynamic = project["tool"]["setuptools"]["dynamic"]["version"]
    assert dynamic == {"attr": "d2lite.__version__"}
    assert project["project"]["urls"]["Source"] == repository_url()


def test_changelog_has_this_release_first():
    text = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## (\S+)", text, re.MULTILINE)
    releases = [r for r in releases if r != "Unreleased"]
    assert releases[0] == VERSION, (
        f"newest release {releases[0]}, not {VERSION}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_install_cell_pins_this_release(path):
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    expected = INSTALL_CELL.format(url=repository_url(), version=VERSION)
    assert first.source == expected, (
        f"{path.name}: the first code cell must be the install cell pinned "
        f"to v{VERSION} of {repository_url()} (the tag of "
        "d2lite.__version__); it is:\n" + first.source
    )


# ---------------------------------------------------------------------------
# The wheel and the sdist
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    """``python -m build`` of the repository: the wheel and the sdist."""
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheels = list(out.glob("*.whl"))
    sdists = list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, list(out.iterdir())
    return {"wheel": wheels[0], "sdist": sdists[0]}


def test_build_names_this_version(dist):
    assert dist["wheel"].name == f"d2lite-{VERSION}-py3-none-any.whl"
    assert dist["sdist"].name == f"d2lite-{VERSION}.tar.gz"


def test_twine_check_passes(dist):
    twine = Path(sys.executable).parent / "twine"
    proc = subprocess.run(
        [
            str(twine),
            "check",
            "--strict",
            str(dist["wheel"]),
            str(dist["sdist"]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2, proc.stdout


def package_files() -> list[str]:
    """The files of d2lite/ a fresh clone has (git), else those on disk."""
    proc = subprocess.run(
        ["git", "ls-files", "d2lite"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode == 0 and proc.stdout.strip():
        return sorted(proc.stdout.split())
    return sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "d2lite").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )


def test_wheel_holds_every_package_file(dist):
    names = set(zipfile.ZipFile(dist["wheel"]).namelist())
    files = package_files()
    assert "d2lite/exercises/conv.py" in files
    missing = [f for f in files if f not in names]
    assert not missing, (
        f"files of d2lite/ missing from the wheel: "
        f"{missing}; add their pattern to "
        "[tool.setuptools.package-data] in pyproject.toml"
    )
    metadata = (
        zipfile.ZipFile(dist["wheel"])
        .read(f"d2lite-{VERSION}.dist-info/METADATA")
        .decode()
    )
    assert f"Version: {VERSION}" in metadata
    assert "Requires-Dist: torch" in metadata


SCRIPT = textwrap.dedent("""\
    import os, sys
    from pathlib import Path

    import d2lite as dl
    from d2lite.exercises import CheckFailed

    target = Path(sys.argv[1]).resolve()
    assert Path(dl.__file__).resolve().is_relative_to(target), dl.__file__
    print("version", dl.__version__)
    dl.check("conv-ex3", 3)
    try:
        dl.check("conv-ex2", {"params": 9472, "size": 112})
    except CheckFailed as err:
        print("feedback:", err)
    data = Path(os.environ["D2LITE_DATA"])
    assert dl.find_fashion_mnist(download=False) == data
    train_iter, test_iter = dl.load_data_fashion_mnist(batch_size=256)
    X, y = next(iter(train_iter))
    print("batches", len(train_iter), len(test_iter), tuple(X.shape),
          tuple(y.shape))
""")


@pytest.mark.realdata
def test_wheel_works_outside_the_repository(dist, tmp_path):
    real = d2lite.find_fashion_mnist(download=False)
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(dist["wheel"]),
        ],
        check=True,
    )
    assert sorted(
        p.name for p in target.iterdir() if not p.name.startswith("d2lite-")
    ) == ["d2lite"]
    data = tmp_path / "data"  # the real files, found only through the env
    data.mkdir()
    for f in real.iterdir():
        if "ubyte" in f.name:
            (data / f.name).symlink_to(f)
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "run.py").write_text(SCRIPT)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "D2LITE_MNIST")
    }
    env.update(
        PYTHONPATH=str(target),
        D2LITE_DATA=str(data),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PYTHONNOUSERSITE="1",
    )
    proc = subprocess.run(
        [sys.executable, "run.py", str(target)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert f"version {VERSION}\n" in out
    assert "conv-ex3 ✓ correct. Well done!\n" in out
    assert "feedback: conv-ex2, case 1 of 2" in out and "9408" not in out
    assert "batches 235 40 (256, 1, 28, 28) (256,)" in out
