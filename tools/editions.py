"""The editions, generated from ``notebooks/*.ipynb``: ``reader`` (reader/
and reader/zh/, for Colab and Jupyter), ``nbgrader`` (_build/nbgrader) and
``student [--build]`` (nbgrader's release and its book). One conversion
(:func:`convert`) turns MyST into Markdown that Jupyter renders; unknown
MyST is an :class:`EditionError` naming the notebook, cell and fragment.
"""

from __future__ import annotations

import argparse
import ast
import codecs
import copy
import functools
import io
import os
import re
import shutil
import subprocess
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import polib
import yaml
from markdown_it.renderer import RendererHTML
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

from book import jupyter_book_command  # tools/book.py
from book import toc as book_toc

ROOT = Path(__file__).resolve().parents[1]
INSTRUCTORS = "book/instructors"
WORDS = dict(exercise="Exercise", solution="Solution", references="References")
WORDS_ZH = dict(exercise="练习", solution="解答", references="参考文献")
WORDS["code"] = "Its code is the next cell."
WORDS_ZH["code"] = "代码在下一个单元格。"
ZH_FIRST = 'import os\n\nos.environ["D2LITE_LANG"] = "zh"  # 中文反馈\n\n'
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
NBGRADER_CONFIG = f"""\
# The nbgrader course of d2lite, written by tools/editions.py.
c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "d2lite"
c.Execute.timeout = 600
c.ClearSolutions.code_stub = {{"python": {CODE_STUB!r}}}
"""
ADMONITIONS = """note tip hint important warning caution attention danger
error seealso admonition""".split()
_FENCE = re.compile(
    r"^(?P<fence>:{3,}|`{3,})\{(?P<name>[^}]+)\}[ \t]*(?P<arg>.*)$", re.M
)
_ROLE = re.compile(
    r"\{(?P<name>[a-z][\w:-]*)\}`(?P<body>[^`]*)`|(`+).+?\3", re.S
)
_TARGET = re.compile(r"^\((?P<label>[^)\s]+)\)=[ \t]*\n?", re.M)
_MARKER = re.compile(r"^[ \t]*#+[ \t]*(BEGIN|END) SOLUTION\b.*\n?", re.M)
_END = r"[ \t]*#+[ \t]*END SOLUTION\b.*$"
_REGION = re.compile(
    r"^([ \t]*)#+[ \t]*BEGIN SOLUTION\b.*\n((?:.*\n)*?)" + _END, re.M
)
_CHECK = re.compile(r"""^\s*dl\.check\(\s*["']([\w-]+)["']""", re.M)
_STARS = (
    r"^\|\s*\{ref\}`(?P<id>[\w-]+) <(?P=id)>`\s*\|[^|]*\|\s*(?P<stars>★+)\s*\|"
)
_EXT = {"colon_fence", "dollarmath", "amsmath", "deflist"}
MYST = create_md_parser(MdParserConfig(enable_extensions=_EXT), RendererHTML)
PLACEHOLDERS = ("run the notebook to compute it",)


class EditionError(ValueError):
    """A source cannot be turned into an edition (and why)."""


@dataclass
class Book:
    """What the conversion needs to know about the whole book."""

    url: str  # the published book, ending in "/"
    titles: dict[str, str] = field(default_factory=dict)  # doc -> title
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    exercises: dict[str, tuple[str, int]] = field(default_factory=dict)
    bib: dict[str, dict] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=lambda: dict(WORDS))

    def link(self, doc: str, anchor: str = "") -> str:
        return f"{self.url}{doc}.html" + (f"#{anchor}" if anchor else "")

    def details(self, text: str) -> str:
        summary = f"<summary>{self.words['solution']}</summary>"
        return f"<details>{summary}\n\n{text}\n\n</details>"


def catalog(root: Path, doc: str, lang: str | None) -> dict[str, str]:
    """``{English: translation}`` of a page's ``.po`` (none for English)."""
    path = root / "locale" / str(lang) / "LC_MESSAGES" / f"{doc}.po"
    po = polib.pofile(str(path)) if lang and path.is_file() else []
    return {e.msgid: e.msgstr for e in po if e.msgstr and not e.fuzzy}


def load_book(root: Path = ROOT, lang: str | None = None) -> Book:
    """Titles, labels, exercises and references (in ``lang``'s words)."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    url = str((config.get("html") or {}).get("baseurl") or "")
    book = Book(url.rstrip("/") + "/" + (f"{lang[:2]}/" if lang else ""))
    book.words = dict(WORDS_ZH if lang else WORDS)
    page = root / f"{INSTRUCTORS}.md"
    text = page.read_text() if page.is_file() else ""
    stars = {m["id"]: len(m["stars"]) for m in re.finditer(_STARS, text, re.M)}
    chapter = 0
    for doc, numbered in book_toc(root / "_toc.yml"):
        chapter += numbered
        path = next(root.glob(f"{doc}.*"))
        text = path.read_text()
        if path.suffix == ".ipynb":
            cells = nbformat.reads(text, 4).cells
            text = "\n".join(c.source for c in cells if c.cell_type != "code")
        tr = catalog(root, doc, lang)
        title = re.search(r"^# (.+)$", text, re.M)
        title = title[1].strip() if title else doc
        book.titles[doc] = tr.get(title, title)
        for m in re.finditer(r"^\(([^)\s]+)\)=\s*\n#+ (.+)$", text, re.M):
            book.labels[m[1]] = (doc, tr.get(m[2].strip(), m[2].strip()))
        labels = re.findall(r"^:::+\{exercise\}.*\n:label: *(\S+)", text, re.M)
        for n, label in enumerate(labels, 1):
            number = f"{chapter}.{n}"
            book.labels[label] = (doc, f"{book.words['exercise']} {number}")
            book.exercises[label] = (number, stars.get(label, 0))
    book.bib = bibliography(root / "book" / "references.bib")
    return book


def bibliography(path: Path) -> dict[str, dict]:
    """``{key: {"cite": "LeCun et al.", "year":, "entry": text}}``."""
    import latexcodec  # noqa: F401  (registers the "ulatex" codec)
    from pybtex.database import parse_file

    def plain(tex: str) -> str:
        return re.sub(r"[{}]", "", codecs.decode(tex, "ulatex"))

    found = {}
    for key, e in parse_file(str(path)).entries.items():
        people = e.persons["author"]
        last = [plain(" ".join(p.last_names)) for p in people]
        cite = last[0] + " et al." if len(last) > 2 else " and ".join(last)
        authors = ", ".join(
            f"{name}, "
            + " ".join(f"{n[0]}." for n in p.first_names + p.middle_names)
            for name, p in zip(last, people)
        )
        f = {k.lower(): plain(v) for k, v in e.fields.items()}
        venue = f.get("journal") or f.get("booktitle") or f.get("publisher")
        entry = f"{authors} ({f['year']}). {f['title']}. *{venue}*."
        found[key] = {"cite": cite, "year": f["year"], "entry": entry}
    return found


def convert_text(text: str, book: Book, doc: str, cited: list[str]) -> str:
    """Return ``text`` with directives, roles and targets converted."""
    text = _TARGET.sub("", text)
    out, pos = [], 0
    for m in _FENCE.finditer(text):
        if m.start() < pos:
            continue
        close = re.compile(rf"^{re.escape(m['fence'])}[ \t]*$", re.M)
        end = close.search(text, m.end())
        if end is None:
            raise EditionError(f"unclosed directive: {m[0]!r}")
        body = text[m.end() : end.start()].strip("\n")
        out += [
            _roles(text[pos : m.start()], book, doc, cited),
            _directive(m["name"], m["arg"].strip(), body, book, doc, cited),
        ]
        pos = end.end()
    out.append(_roles(text[pos:], book, doc, cited))
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip("\n")


def _options(body: str) -> tuple[dict, str]:
    opts, lines = {}, body.split("\n")
    while lines and (m := re.match(r"^:([\w-]+):\s*(.*)$", lines[0])):
        opts[m[1]] = m[2]
        lines.pop(0)
    return opts, "\n".join(lines).strip("\n")


def _directive(name, arg, body, book, doc, cited) -> str:
    opts, body = _options(body)
    inner = convert_text(body, book, doc, cited)
    if name == "exercise":
        number, stars = book.exercises[opts["label"]]
        arg, shown = re.fullmatch(r"(.*?)\s*(★*)", arg).groups()
        if shown and len(shown) != stars:
            raise EditionError(
                f"{opts['label']} shows {shown}, its row in "
                f"{INSTRUCTORS}.md {'★' * stars or 'is missing'}"
            )
        title = f" ({_roles(arg, book, doc, cited)})" if arg else ""
        head = f"### {book.words['exercise']} {number}{title}"
        return f"{head} {'★' * stars}".rstrip() + f"\n\n{inner}\n"
    if name in ADMONITIONS:
        head = arg if name == "admonition" else name.capitalize()
        quoted = "\n".join(f"> {line}".rstrip() for line in inner.split("\n"))
        return f"> **{head}**\n>\n{quoted}\n"
    if name == "math":
        return f"$$\n{body}\n$$\n"
    raise EditionError(f"unknown directive {{{name}}} {arg}".rstrip())


def _roles(text: str, book: Book, doc: str, cited: list[str]) -> str:
    def role(m: re.Match) -> str:
        if not m["name"]:
            return m[0]  # a code span
        name, body = m["name"], m["body"]
        explicit = re.match(r"^(.*?)\s*<([^>]+)>$", body, re.S)
        text, target = explicit.groups() if explicit else (None, body)
        if name.startswith("cite"):
            keys = [k.strip() for k in body.split(",")]
            unknown = [k for k in keys if k not in book.bib]
            if unknown:
                raise EditionError(f"unknown citation {unknown}: {m[0]}")
            cited.extend(k for k in keys if k not in cited)
            pairs = [(book.bib[k]["cite"], book.bib[k]["year"]) for k in keys]
            if name == "cite:t":
                return "; ".join(f"{a} ({y})" for a, y in pairs)
            return "(" + "; ".join(f"{a}, {y}" for a, y in pairs) + ")"
        if name == "doc":
            path = os.path.normpath(os.path.join(os.path.dirname(doc), target))
            path = re.sub(r"\.(md|ipynb)$", "", path)
            if path not in book.titles:
                raise EditionError(f"no page {path}: {m[0]}")
            return f"[{text or book.titles[path]}]({book.link(path)})"
        if name in ("ref", "numref") and target in book.labels:
            page, title = book.labels[target]
            if name == "numref" and text is not None:
                number = book.exercises.get(target, ("",))[0]
                title = text.replace("%s", number).replace("{number}", number)
            elif text is not None:
                title = text
            return f"[{title}]({book.link(page, target)})"
        if name == "math":
            return f"${body}$"
        raise EditionError(f"cannot convert {m[0]}")

    return _ROLE.sub(role, text)


def raw_myst(text: str) -> list[str]:
    """The MyST fragments and placeholders left in a Markdown text."""
    found = [m[0] for m in _ROLE.finditer(text) if m["name"]]
    found += [m[0] for m in _FENCE.finditer(text)]
    found += [m[0].strip() for m in _TARGET.finditer(text)]
    return found + [p for p in PLACEHOLDERS if p in text]


def check_plain(nb, name: str) -> list[str]:
    """``name, cell i: fragment`` for each MyST fragment left."""
    return [
        f"{name}, cell {i}: {frag!r}"
        for i, c in enumerate(nb.cells)
        if c.cell_type == "markdown"
        for frag in raw_myst(c.source)
    ]


def _solution(cell) -> tuple[str, str] | None:
    """``(kind, exercise id)`` when a markdown cell is a solution cell."""
    m = cell.cell_type == "markdown" and _FENCE.match(cell.source.lstrip())
    ok = m and m["name"].startswith("solution")
    return (m["name"], m["arg"].strip()) if ok else None


def _after_fence(source: str) -> str:
    """The text after a leading directive block (its body for a solution)."""
    m = _FENCE.match(source.lstrip())
    rest = source.lstrip()[m.end() :]
    end = re.search(rf"^{re.escape(m['fence'])}[ \t]*$|\Z", rest, re.M)
    body, after = rest[: end.start()], rest[end.end() :]
    return (_options(body.strip("\n"))[1] + "\n\n" + after).strip()


def convert(
    nb, book: Book, doc: str, *, mode: str = "reader", name: str = ""
) -> nbformat.NotebookNode:
    """The ``mode`` ("reader" or "nbgrader") edition of a chapter."""
    nb, cells, cited, current = copy.deepcopy(nb), [], [], None
    name, reader = name or doc, mode == "reader"

    md = functools.partial(convert_text, book=book, doc=doc, cited=cited)
    for index, cell in enumerate(nb.cells):
        try:
            kind, ex = _solution(cell) or (None, None)
            keep = True
            if current and kind in ("solution", "solution-start"):
                raise EditionError(f"a solution inside that of {current}")
            if kind == "solution-end":
                if current is None:
                    raise EditionError("a solution-end without its start")
                current, keep = None, False
            elif kind == "solution-start":
                if not ex:
                    raise EditionError("the solution-start names no exercise")
                current, keep = ex, reader
                text = md(_after_fence(cell.source))
                cell.source = book.details(f"{text}\n\n{book.words['code']}")
            elif kind == "solution":
                cell.source = md(_after_fence(cell.source))
                if reader:
                    cell.source = book.details(cell.source)
                else:
                    _meta(cell, f"{ex}-answer", True, book, ex)
            elif cell.cell_type == "markdown":
                cell.source, keep = md(cell.source), reader or not current
            elif cell.cell_type == "code":
                _code(cell, current, mode, book)
        except (EditionError, KeyError) as err:
            raise EditionError(f"{name}, cell {index}: {err}") from None
        if keep and not reader and "nbgrader" not in cell.metadata:
            _meta(cell, f"{Path(name).stem}-cell-{index:03d}")
        cells += [cell] if keep else []
    if current is not None:
        raise EditionError(f"{name}: the solution of {current} has no end")
    if cited:
        cited.sort(key=lambda k: book.bib[k]["cite"])
        refs = "\n".join(f"- {book.bib[k]['entry']}" for k in cited)
        head = f"## {book.words['references']}\n\n"
        cells.append(nbformat.v4.new_markdown_cell(head + refs, id="refs"))
        if not reader:
            _meta(cells[-1], f"{Path(name).stem}-references")
    nb.cells = cells
    return nb


def _meta(cell, grade_id: str, solution=False, book=None, ex=None) -> None:
    """nbgrader's cell metadata (schema 3), graded by ``ex``'s stars."""
    meta = dict(grade=ex is not None, grade_id=grade_id, task=False)
    meta.update(locked=not solution, schema_version=3, solution=solution)
    if ex is not None and not book.exercises.get(ex, (0, 0))[1]:
        raise EditionError(f"exercise {ex} has no stars in {INSTRUCTORS}.md")
    cell.metadata["nbgrader"] = meta | (
        {"points": book.exercises[ex][1]} if ex else {}
    )


def _code(cell, current: str | None, mode: str, book: Book) -> None:
    """A code cell of the ``mode`` edition (in place)."""
    marked = bool(_MARKER.search(cell.source))
    if marked and current is None:
        raise EditionError("SOLUTION markers outside a solution")
    if current is not None and not marked:
        msg = "without BEGIN/END SOLUTION markers"
        raise EditionError(f"a code cell in the solution of {current} {msg}")
    tags = cell.metadata.get("tags", [])
    if mode == "reader":
        prepare_solution(cell.source, current)  # refuses bad markers
        cell.source = _MARKER.sub("", cell.source).rstrip("\n")
        if current or {"hide-input", "remove-input", "remove-cell"} & {*tags}:
            cell.metadata["jupyter"] = {"source_hidden": True}
            cell.metadata["cellView"] = "form"  # Colab folds it
        return
    cell.outputs, cell.execution_count = [], None
    cell.metadata.pop("execution", None)
    if current is not None:
        cell.source = prepare_solution(cell.source, current)
        _meta(cell, current, True)
    elif checks := _CHECK.findall(cell.source):
        if len(checks) != 1:
            msg = f"a check cell must check one exercise, not {checks}"
            raise EditionError(msg)
        lines = cell.source.rstrip().split("\n")
        if "#" not in lines[-1] and not lines[-1].endswith(";"):
            lines[-1] += ";"  # a displayed value is partial credit
        cell.source = "\n".join(lines)
        _meta(cell, f"{checks[0]}-check", False, book, checks[0])


def prepare_solution(source: str, ex: str) -> str:
    """Check the markers; ``name = ...`` before a top-level region."""

    def region(m: re.Match) -> str:
        if _MARKER.search(m[2]):
            raise EditionError("SOLUTION regions do not nest")
        if _open_brackets(source[: m.start()]):
            raise EditionError(f"the solution of {ex} sits inside brackets")
        names = [] if m[1] else _bound(m[2])
        return "".join(f"{n} = ...\n" for n in names) + m[0]

    if _MARKER.search(_REGION.sub("", source)):
        raise EditionError("a BEGIN SOLUTION without its END SOLUTION")
    return _REGION.sub(region, source)


def stub_solution(source: str, ex: str) -> str:
    """The student's version of a solution cell (nbgrader's stub)."""
    stub = lambda m: "\n".join(m[1] + x for x in CODE_STUB.split("\n"))  # noqa
    return _REGION.sub(stub, prepare_solution(source, ex))


def solution_cells(nb) -> list[tuple[str, int]]:
    """``(exercise id, index)`` of every code cell of a solution."""
    found, current = [], None
    for index, cell in enumerate(nb.cells):
        kind, ex = _solution(cell) or (None, None)
        if kind in ("solution-start", "solution-end"):
            current = ex or None
        if cell.cell_type == "code" and current:
            found.append((current, index))
    return found


def _open_brackets(code: str) -> bool:
    depth = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.OP and tok.string in "([{)]}":
                depth += 1 if tok.string in "([{" else -1
    except (tokenize.TokenError, SyntaxError):
        pass  # the code stops inside an open statement: depth is known
    return depth > 0


def _bound(body: str) -> list[str]:
    """The names a top-level solution assigns (not functions or imports)."""
    try:
        tree = ast.parse(body)
    except SyntaxError:
        return []
    assigns = (ast.Assign, ast.AnnAssign, ast.AugAssign)
    names = [
        e.id
        for node in tree.body
        if isinstance(node, assigns)
        for t in getattr(node, "targets", [getattr(node, "target", None)])
        for e in getattr(t, "elts", [t])
        if isinstance(e, ast.Name)
    ]
    return list(dict.fromkeys(names))


def write_reader(
    out: Path | None = None, *, root: Path = ROOT, lang: str | None = None
) -> list[Path]:
    """Write ``reader/`` (or ``reader/zh`` from the catalogs of ``lang``)."""
    out = out or root / "reader" / (lang or "")[:2]
    done = chapters(root, load_book(root, lang), lang=lang)
    out.mkdir(parents=True, exist_ok=True)
    for path, nb in done.items():  # all converted, then written
        nbformat.write(nb, out / path.name)
    return [out / path.name for path in done]


def chapters(root: Path, book: Book, mode="reader", lang=None) -> dict:
    """``{path: edition}`` of every notebook of ``root/notebooks``."""
    done = {}
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb, doc = nbformat.read(path, 4), f"notebooks/{path.stem}"
        if lang:
            translate(nb, catalog(root, doc, lang), path.name)
        done[path] = convert(nb, book, doc, mode=mode, name=path.name)
    return done


def translate(nb, tr: dict[str, str], name: str) -> None:
    """Translate markdown, alt text and the first code cell, in place."""
    missing = []
    for index, cell in enumerate(nb.cells):
        found = []
        if cell.cell_type == "markdown":
            cell.source = translate_md(cell.source, tr, found)
        image = cell.metadata.get("mystnb", {}).get("image", {})
        if image.get("alt") in tr:
            image["alt"] = tr[image["alt"]]
        elif image.get("alt"):
            found.append(image["alt"])
        missing += [f"cell {index}: {m[:60]!r}" for m in found]
    first = next(c for c in nb.cells if c.cell_type == "code")
    first.source = ZH_FIRST + first.source
    e_g = f"{len(missing)} untranslated (English kept), e.g. {missing[:3]}"
    if missing:
        print(f"editions: {name}: {e_g}", file=sys.stderr)


def translate_md(text: str, tr: dict[str, str], missing: list) -> str:
    """``text`` with each message Sphinx extracts (paragraph, heading, list
    item, table cell, directive body) translated; ``missing`` the others."""
    starts = [0, *(m.end() for m in re.finditer("\n", text)), len(text)]
    out, pos = [], 0
    for t in MYST.parse(text):
        name = re.match(r"\{([^}]+)\}", t.info) if "fence" in t.type else 0
        if t.type == "inline" and t.content.strip():
            old = t.content
            new = tr.get(old.replace("\n", " ").strip())
            if new is None:
                missing.append(old.replace("\n", " ").strip())
                continue
        elif name and name[1] != "math":
            old = re.sub(r"\A(?::[\w-]+:.*\n)*", "", t.content)
            new = translate_md(old, tr, missing)
        else:
            continue
        pattern = r"\n[ \t>]*".join(map(re.escape, old.split("\n")))
        lines = starts[t.map[0]], starts[min(t.map[1], len(starts) - 1)]
        m = re.compile(pattern).search(text, max(pos, lines[0]), lines[1])
        out += [text[pos : m.start()], new]
        pos = m.end()
    return "".join(out) + text[pos:]


def _fresh(out: Path, root: Path, marker: str) -> None:
    """Replace ``out`` if a former run wrote it (``marker``), else refuse."""
    out, root = out.resolve(), root.resolve()
    sources = [root / "book", root / "notebooks"]
    if root.is_relative_to(out) or any(map(out.is_relative_to, sources)):
        raise EditionError(f"out={out} would overwrite the course's sources")
    if out.exists() and any(out.iterdir()):
        if not (out / marker).is_file():
            why = f"was not written by editions.py (no {marker})"
            raise EditionError(f"out={out} {why}; choose a new folder")
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / marker).write_text("written by tools/editions.py\n")


def write_course(out: Path, *, root: Path = ROOT, release=False) -> Path:
    """Write the nbgrader course (``source/``, ``release/`` if asked)."""
    done = chapters(root, load_book(root), "nbgrader")
    _fresh(out, root, ".d2lite-nbgrader-course")
    (out / "nbgrader_config.py").write_text(NBGRADER_CONFIG)
    for path, nb in done.items():
        (out / "source" / path.stem).mkdir(parents=True)
        nbformat.write(nb, out / "source" / path.stem / path.name)
    if release:
        cmd = ["nbgrader", "generate_assignment", "*", "--create", "--force"]
        run(cmd, out)
    return out


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ``cmd`` (nbgrader) with this Python's bin first on PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    env, out = {**os.environ, "PATH": path}, {"capture_output": True}
    proc = subprocess.run(cmd, cwd=cwd, env=env, text=True, **out)
    if proc.returncode:
        log = (proc.stdout + proc.stderr)[-4000:]
        raise EditionError(f"{' '.join(cmd)} failed:\n{log}")
    return proc


STUDENT_NOTE = """
:::{important} This is the student edition: no solutions, no outputs. Answer
where a cell raises `NotImplementedError`; the next cell checks it.
:::
"""


def write_student(out: Path, root: Path = ROOT) -> Path:
    """Write nbgrader's release and the book, less the instructors' page."""
    out = Path(out).resolve()
    _fresh(out, root, ".d2lite-student-edition")
    release = write_course(out / "_nbgrader", root=root, release=True)
    config = yaml.safe_load((root / "_config.yml").read_text())
    config["title"] += " (student edition)"
    config["execute"]["execute_notebooks"] = "off"
    config["repository"]["branch"] = "student"
    config["exclude_patterns"] += ["_nbgrader"]
    dump = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    (out / "_config.yml").write_text(dump)
    toc = (root / "_toc.yml").read_text()
    toc = re.sub(r"\n\s*- file: book/instructors\b.*", "", toc)
    (out / "_toc.yml").write_text(toc)
    skip = shutil.ignore_patterns("instructors.*")
    shutil.copytree(root / "book", out / "book", ignore=skip)
    item = r"(?m)^( *)[*-] .*`[./]*(book/)?instructors`.*\n(\1 .*\n)*"
    for page in (out / "book").glob("*.md"):
        text = re.sub(item, "", page.read_text())
        if page.name == "intro.md":
            note = r"\1\n" + STUDENT_NOTE
            text = re.sub(r"(?m)^(# .*)$", note, text, count=1)
        page.write_text(text)
    (out / "notebooks").mkdir()
    for nb in release.glob("release/*/*.ipynb"):
        shutil.copy2(nb, out / "notebooks" / nb.name)
    for name, folder in config["sphinx"].get("local_extensions", {}).items():
        (out / folder).mkdir(exist_ok=True)
        shutil.copy2(root / folder / f"{name}.py", out / folder)
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and write the edition asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edition", choices=["reader", "nbgrader", "student"])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--build", action="store_true", help="student book")
    args = parser.parse_args(argv)
    out = args.out
    try:
        if args.edition == "reader":
            done = write_reader(out)
            done += write_reader(out and out / "zh", lang="zh_CN")
        elif args.edition == "nbgrader":
            done = write_course(out or ROOT / "_build/nbgrader", release=True)
        else:
            done = write_student(out := out or ROOT / "_student")
        print(f"editions: wrote {done}")
    except EditionError as err:
        print(f"editions: {err}", file=sys.stderr)
        return 2
    if args.build and args.edition == "student":
        cmd = jupyter_book_command(stored=False, root=out)
        return subprocess.run(cmd, check=False).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
