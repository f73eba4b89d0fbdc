"""Build the d2lite book with Jupyter Book, strictly (every warning fails):
``build --execute`` runs every notebook (make book), ``build --stored``
uses the stored outputs, ``--reuse`` keeps a build whose stamp matches the
sources. Every page of ``_toc.yml`` must have its HTML, and MathJax ships.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML_DIR = ROOT / "_build" / "html"
STORED_CONFIG = ROOT / "_build" / "_config.stored.yml"
#: The files a stored-output build depends on (its stamp hashes them).
SOURCES = """_config.yml _toc.yml book/**/* notebooks/*.ipynb tools/book.py
tools/book_offline.py tools/reader_buttons.py tools/i18n.py d2lite/__init__.py
""".split()
USAGE = "build [--execute | --stored] [--reuse]"
MATHJAX = Path("_static") / "mathjax" / "tex-chtml.js"


def toc(toc_path: Path = ROOT / "_toc.yml") -> list[tuple[str, bool]]:
    """``(page, numbered)`` of every page of the jb-book ``_toc.yml``."""
    data = yaml.safe_load(toc_path.read_text(encoding="utf-8"))
    pages = [(data["root"], False)]
    for part in data.get("parts") or [data]:
        for entry in part.get("chapters", []):
            page = re.sub(r"\.(md|ipynb)$", "", entry["file"])
            pages.append((page, bool(part.get("numbered"))))
    return pages


def toc_pages(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """The document names of ``_toc.yml`` in book order."""
    return [page for page, _ in toc(toc_path)]


def load_config(path: Path = ROOT / "_config.yml") -> dict:
    """The book's configuration as a dict."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def repository(config: dict | None = None) -> tuple[str, str, str]:
    """``(owner, name, branch)`` of ``_config.yml``'s repository."""
    config = config or load_config()
    url = str(config["repository"]["url"]).rstrip("/")
    found = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", url)
    if not found:
        form = "https://github.com/OWNER/NAME"
        raise ValueError(f"_config.yml repository.url: {url!r} is not {form}")
    return *found.groups(), str(config["repository"].get("branch", "main"))


def write_stored_config(target: Path = STORED_CONFIG) -> Path:
    """Write ``_config.yml`` with notebook execution off to ``target``."""
    config = load_config()
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    local = (config.get("sphinx") or {}).get("local_extensions") or {}
    for name, path in local.items():  # relative to the configuration file
        local[name] = str((ROOT / path).resolve())
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    return target


def jupyter_book_command(*, stored: bool, root: Path = ROOT) -> list[str]:
    """The strict ``jupyter-book build`` command line for ``root``."""
    jb = Path(sys.executable).parent / "jupyter-book"
    jb = str(jb) if jb.exists() else "jupyter-book"
    cmd = [jb, "build", str(root), "-W", "-n", "--keep-going", "--all"]
    return cmd + (["--config", str(write_stored_config())] if stored else [])


def check_output(html_dir: Path = HTML_DIR) -> list[str]:
    """The problems of a finished build (empty when it is sound)."""
    pages = [html_dir / f"{page}.html" for page in toc_pages()]
    problems = [f"missing page: {p}" for p in pages if not p.is_file()]
    if not (html_dir / MATHJAX).is_file():
        fix = "MathJax not shipped: install sphinx-mathjax-offline"
        problems.append(f"no {html_dir / MATHJAX}; {fix} (requirements.txt)")
    return problems


def stamped(html_dir: Path, key: str, globs, build, reuse: bool) -> int:
    """Run ``build()`` under a lock unless ``reuse`` and ``html_dir``'s stamp
    matches ``key`` and ``globs``' files; stamp a sound build."""
    digest = hashlib.sha256(key.encode())
    for path in sorted({p for g in globs for p in ROOT.glob(g)}):
        if path.is_file():
            digest.update(f"{path.relative_to(ROOT)}\0".encode())
            digest.update(path.read_bytes() + b"\0")
    stamp = html_dir / ".d2lite-build-stamp"
    (ROOT / "_build").mkdir(exist_ok=True)
    with open(ROOT / "_build" / ".book-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if reuse and stamp.is_file() and not check_output(html_dir):
            if stamp.read_text().strip() == digest.hexdigest():
                print(f"{html_dir} is up to date (stamp): not rebuilt")
                return 0
        stamp.unlink(missing_ok=True)
        # A stale copy must not hide a build that no longer ships MathJax.
        shutil.rmtree(html_dir / "_static" / "mathjax", ignore_errors=True)
        status = build()
        problems = [] if status else check_output(html_dir)
        print(*problems, sep="\n", file=sys.stderr)
        if status or problems:
            return status or 1
        stamp.write_text(digest.hexdigest() + "\n")
        print(f"built {html_dir / 'index.html'}")
        return 0


def run_jupyter_book(stored: bool) -> int:
    """Run jupyter-book; its kernels see this Python and d2lite."""
    cmd = jupyter_book_command(stored=stored)
    print("+", " ".join(cmd), flush=True)
    path = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, path)))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    status = subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode
    if status:  # -W -n: the first warning above is the one to fix
        print(f"book.py: jupyter-book failed ({status})", file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    """Build as :data:`USAGE` says (``--stored`` unless ``--execute``)."""
    args = sys.argv[1:] if argv is None else argv
    flags = set(re.findall("--.+?\\b", USAGE))
    if args[:1] != ["build"] or not flags.issuperset(args[1:]):
        print(f"usage: book.py {USAGE}", file=sys.stderr)
        return 2
    stored, build = "--execute" not in args, lambda: run_jupyter_book(stored)
    return stamped(HTML_DIR, f"{stored=}", SOURCES, build, "--reuse" in args)


if __name__ == "__main__":
    sys.exit(main())
