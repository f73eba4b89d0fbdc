"""Exercise checks: the machinery of ``dl.check`` and every registered check.

The machinery is tested on demo exercises registered in a private registry.
Then, for every exercise registered by the chapters: its reference
solution, taken from the notebook's solution cell, passes its check, and
the student edition's stub of that cell fails it with NotImplementedError.
Registered exercises and the notebooks' solution and check cells must match
one to one, and every exercise label appears in ``book/instructors.md``.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
import math
import re
import sys
import traceback
from pathlib import Path

import nbformat
import pytest
import torch

import d2lite as dl
from d2lite.exercises import REGISTRY, Case, Checker, CheckFailed, expect
from d2lite.exercises.registry import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import editions  # noqa: E402  (tools/editions.py)

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
INSTRUCTORS = ROOT / "book" / "instructors.md"


# ---------------------------------------------------------------------------
# Demo exercises in a private registry
# ---------------------------------------------------------------------------


def square(x: int) -> int:
    """The reference answer of the demo function exercise."""
    return x * x


@pytest.fixture()
def demo() -> Checker:
    """A private checker holding one exercise per kind, and a check."""
    registry = Checker()

    @registry.exercise("demo-ex1", title="Square")
    def _cases() -> list[Case]:
        return [
            Case(args=(x,), expected=x * x, label=f"x={x}")
            for x in (1, 2, 3, 4)
        ]

    @registry.exercise("demo-ex2", title="A count", kind="value")
    def _count() -> int:
        return 61_706

    @registry.exercise(
        "demo-ex3", title="Shapes by name", kind="value", rtol=1e-3
    )
    def _keyed() -> list[Case]:
        return [
            Case(key="conv1", expected=(1, 6, 28, 28)),
            Case(key="ratio", expected=0.5, label="ratio"),
        ]

    @registry.exercise("demo-ex4", title="A module")
    def _custom(net: torch.nn.Module) -> int:
        count = sum(p.numel() for p in net.parameters())
        expect("number of parameters", 30, count)
        return 2

    @registry.exercise("demo-ex5", title="Sum", kind="function", atol=1e-6)
    def _floats() -> list[Case]:
        return [
            Case(args=(0.1, 0.2), expected=0.3),
            Case(
                args=(torch.ones(2), torch.ones(2)),
                expected=torch.full((2,), 2.0),
                label="tensors",
            ),
        ]

    return registry


def test_pass_prints_congratulation_and_returns_none(demo, capsys):
    assert demo("demo-ex1", square) is None
    assert capsys.readouterr().out == (
        "demo-ex1 ✓ all 4 cases pass. Well done!\n"
    )
    assert demo("demo-ex2", 61_706) is None
    assert capsys.readouterr().out == "demo-ex2 ✓ correct. Well done!\n"


def test_failure_names_case_and_received_not_expected(demo, capsys):
    def almost(x):
        return x * x + (x == 3)

    with pytest.raises(CheckFailed) as info:
        demo("demo-ex1", almost)
    assert str(info.value) == (
        "demo-ex1, case 3 of 4 (x=3): received 10, which is too high"
    )
    assert (info.value.expected, info.value.received) == (None, 10)
    assert capsys.readouterr().out == ""  # no congratulation
    with pytest.raises(
        CheckFailed,
        match=r"\(x=2\): received 3, which is "
        "too low$",
    ):
        demo("demo-ex1", lambda x: x * x - (x == 2))


def test_reveal_shows_the_expected_value(demo):
    with pytest.raises(CheckFailed) as info:
        demo("demo-ex1", lambda x: x * x + (x == 3), reveal=True)
    assert str(info.value) == (
        "demo-ex1, case 3 of 4 (x=3): expected 9; "
        "received 10, which is too high"
    )
    assert info.value.expected == 9
    with pytest.raises(CheckFailed, match="expected 61706; received 1,"):
        demo("demo-ex2", 1, reveal=True)


def test_reveal_adds_nothing_to_a_detail_without_expected_value(demo):
    with pytest.raises(CheckFailed) as info:
        demo("demo-ex1", lambda x: 1 // 0, reveal=True)
    assert "expected" not in str(info.value)
    assert "raised ZeroDivisionError" in str(info.value)


def test_common_mistake_hint(demo):
    checker = Checker()
    checker.exercise("demo-ex1", title="t", kind="value")(
        lambda: [Case(key="n", expected=9408, hints={9472: "a bias?"})]
    )
    with pytest.raises(CheckFailed) as info:
        checker("demo-ex1", {"n": 9472})
    assert str(info.value).endswith(
        "received 9472, which is too high (hint: a bias?)"
    )
    with pytest.raises(CheckFailed) as info:
        checker("demo-ex1", {"n": [1]})  # unhashable: no hint, no crash
    assert "hint" not in str(info.value)


def test_failure_traceback_hides_the_checker_internals(demo):
    with pytest.raises(CheckFailed) as info:
        demo("demo-ex2", 1)
    names = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert names[-1] == "__call__"
    assert not any(n.startswith("_run") or n == "expect" for n in names)


def test_not_implemented_error_propagates_unchanged(demo):
    stub_error = NotImplementedError("Exercise demo-ex1: replace this line")

    def stub(x):
        raise stub_error

    with pytest.raises(NotImplementedError) as info:
        demo("demo-ex1", stub)
    assert info.value is stub_error


@pytest.mark.parametrize("answer", [..., None])
def test_unanswered_value_raises_not_implemented(demo, answer):
    with pytest.raises(
        NotImplementedError, match="exercise demo-ex2 has no answer yet"
    ):
        demo("demo-ex2", answer)


def test_function_returning_ellipsis_is_unanswered(demo):
    with pytest.raises(NotImplementedError, match="no answer yet"):
        demo("demo-ex1", lambda x: ...)


def test_other_exception_is_a_failed_case(demo):
    def broken(x):
        return 1 // (x - 2) * 0 + x * x

    with pytest.raises(CheckFailed) as info:
        demo("demo-ex1", broken)
    message = str(info.value)
    assert message.startswith(
        "demo-ex1, case 2 of 4 (x=2): your function raised ZeroDivisionError"
    )
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_int_expected_float_received_says_so(demo):
    with pytest.raises(CheckFailed, match="an int was expected, not a float"):
        demo("demo-ex1", lambda x: float(x * x))


def test_floats_and_tensors_within_tolerance(demo, capsys):
    assert demo("demo-ex5", lambda a, b: a + b) is None
    with pytest.raises(
        CheckFailed,
        match=r"case 1 of 2 \(0.1, 0.2\): "
        r"received 0.31\d*, which is too high$",
    ):
        demo("demo-ex5", lambda a, b: a + b + 0.01)
    with pytest.raises(
        CheckFailed,
        match=r"case 2 of 2 \(tensors\).*"
        r"shape \(1, 2\) is wrong: 1 dimension expected$",
    ):
        demo(
            "demo-ex5",
            lambda a, b: (
                (a + b).reshape(1, 2) if torch.is_tensor(a) else a + b
            ),
        )
    with pytest.raises(CheckFailed, match=r"1 of 2 values differ$"):
        demo(
            "demo-ex5",
            lambda a, b: (
                a + b * torch.tensor([1.0, 2.0])
                if torch.is_tensor(a)
                else a + b
            ),
        )
    with pytest.raises(
        CheckFailed,
        match=r"received nan, which is not a "
        r"number \(NaN\)$",
    ):
        demo("demo-ex5", lambda a, b: float("nan"))


def test_value_cases_compare_items(demo, capsys):
    demo("demo-ex3", {"conv1": torch.Size([1, 6, 28, 28]), "ratio": 0.5004})
    assert capsys.readouterr().out.startswith("demo-ex3 ✓")
    with pytest.raises(CheckFailed) as info:
        demo("demo-ex3", {"conv1": [1, 6, 24, 24], "ratio": 0.5})
    assert str(info.value) == (
        "demo-ex3, case 1 of 2 (['conv1']): received [1, 6, 24, 24], "
        "element 2 is too low"
    )
    with pytest.raises(CheckFailed, match="has no item \\['ratio'\\]"):
        demo("demo-ex3", {"conv1": (1, 6, 28, 28)})


def test_custom_check_gets_the_exercise_id(demo, capsys):
    assert demo("demo-ex4", torch.nn.Linear(4, 6)) is None
    assert "demo-ex4 ✓ all 2 cases pass" in capsys.readouterr().out
    with pytest.raises(CheckFailed) as info:
        demo("demo-ex4", torch.nn.Linear(4, 5))
    assert str(info.value) == (
        "demo-ex4 (number of parameters): received 25, which is too low"
    )


def test_custom_check_reports_a_crash(demo):
    with pytest.raises(
        CheckFailed,
        match="demo-ex4: checking your answer raised AttributeError",
    ):
        demo("demo-ex4", 3)


def test_function_exercise_needs_a_function(demo):
    with pytest.raises(
        TypeError, match="expects a function.*without calling it"
    ):
        demo("demo-ex1", 9)


def test_unknown_id_suggests_and_lists(demo):
    with pytest.raises(ValueError) as info:
        demo("demo-ex7", 1)
    message = str(info.value)
    assert "Did you mean 'demo-ex" in message
    assert "demo-ex1, demo-ex2, demo-ex3, demo-ex4, demo-ex5" in message
    with pytest.raises(TypeError, match="exercise_id must be a str"):
        demo(1, 1)


def test_list_shows_every_check(demo):
    table = demo.list()
    assert list(table.index) == [f"demo-ex{i}" for i in range(1, 6)]
    assert list(table.columns) == ["title", "kind"]
    assert table.loc["demo-ex2", "kind"] == "value"
    assert table.loc["demo-ex4", "title"] == "A module"


def test_title_defaults_to_the_docstring():
    registry = Checker()

    @registry.exercise("demo-ex1", kind="value")
    def _count() -> int:
        """A count of parameters.

        More about it.
        """
        return 3

    assert registry.get("demo-ex1").title == "A count of parameters"


def test_missing_chapter_module_is_skipped_other_errors_raise(
    tmp_path, monkeypatch
):
    (tmp_path / "d2lite_demo_chapter.py").write_text(
        "import d2lite_no_such_dependency\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert Checker(modules=["d2lite_no_such_chapter"]).ids() == []
    with pytest.raises(ModuleNotFoundError, match="d2lite_no_such_dep"):
        Checker(modules=["d2lite_demo_chapter"]).ids()


def test_every_exercise_prefix_has_its_chapter_module():
    """Each notebook's exercise labels (conv-ex1, ...) name a module."""
    prefixes = {
        label.split("-")[0]
        for nb in NOTEBOOKS
        for label in re.findall(
            r":label: ([a-z]+-ex\d+)", nb.read_text(encoding="utf-8")
        )
    }
    assert prefixes and prefixes <= set(CHAPTERS), (prefixes, CHAPTERS)
    assert {e.exercise_id.split("-")[0] for e in REGISTRY} == set(CHAPTERS)


def test_dl_check_is_the_global_registry(capsys):
    assert dl.check is REGISTRY
    answer = REGISTRY.get("conv-ex3").cases()[0].expected
    assert dl.check("conv-ex3", answer) is None
    assert capsys.readouterr().out == "conv-ex3 ✓ correct. Well done!\n"


# ---------------------------------------------------------------------------
# Notebooks: solution cells, check cells, reference and stub
# ---------------------------------------------------------------------------


def _python(source: str) -> str:
    """Turn IPython syntax (%pip, !cmd) into plain Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def check_calls(source: str) -> list[str]:
    """Return the exercise ids (``alias:<name>`` for dl.check.<name>)."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(
            node.func, ast.Attribute
        ):
            continue
        func = node.func
        if (
            func.attr == "check"
            and isinstance(func.value, ast.Name)
            and func.value.id == "dl"
        ):
            first = node.args[0] if node.args else None
            found.append(
                first.value
                if isinstance(first, ast.Constant)
                else "<not a literal id>"
            )
        elif (
            isinstance(func.value, ast.Attribute)
            and func.value.attr == "check"
            and isinstance(func.value.value, ast.Name)
            and func.value.value.id == "dl"
            and func.attr != "list"
        ):
            found.append(f"alias:{func.attr}")
    return found


def resolve(name: str) -> str | None:
    """Return the exercise id a check call names, ``None`` if unknown."""
    return name if name in REGISTRY else None  # dl.check has no aliases


@functools.cache
def read(path: Path) -> nbformat.NotebookNode:
    """A notebook, read once (the tests only read it)."""
    return nbformat.read(path, as_version=4)


@functools.cache
def _scan(paths: tuple[Path, ...]) -> dict:
    """Collect solution cells, check cells and exercise labels."""
    solutions, checks, labels = {}, [], []
    for path in paths:
        nb = read(path)
        for exercise_id, index in editions.solution_cells(nb):
            solutions.setdefault(exercise_id, []).append((path, index))
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                checks += [(path, index, n) for n in check_calls(cell.source)]
            elif re.match(r"\s*(:{3,}|`{3,})\s*\{exercise\}", cell.source):
                labels += re.findall(
                    r"^:label:\s*(\S+)", cell.source, re.MULTILINE
                )
    return {"solutions": solutions, "checks": checks, "labels": labels}


def scan(paths: list[Path]) -> dict:
    """Collect solution cells, check cells and exercise labels (once)."""
    return _scan(tuple(paths))


def exercise_cells(paths: list[Path], exercise_id: str) -> tuple:
    """Return (notebook, solution cell index, check cell index)."""
    found = scan(paths)["solutions"].get(exercise_id, [])
    assert len(found) == 1, (
        f"{exercise_id}: expected exactly one solution cell (with ### BEGIN "
        f"SOLUTION inside its solution-start/-end pair), found {found}"
    )
    path, index = found[0]
    nb = read(path)
    after = [
        i
        for i in range(index + 1, len(nb.cells))
        if nb.cells[i].cell_type == "code"
        and any(
            resolve(n) == exercise_id for n in check_calls(nb.cells[i].source)
        )
    ]
    assert after, f"{exercise_id}: no dl.check cell after {path}:{index}"
    return nb, index, after[0]


def _namespace(nb: nbformat.NotebookNode, index: int) -> dict:
    """``import d2lite as dl`` and the imports of the cells before."""
    ns: dict = {"__name__": "__main__"}
    lines = ["import d2lite as dl"]
    for cell in nb.cells[:index]:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_python(cell.source))
        except SyntaxError:
            continue
        lines += [
            ast.unparse(node)
            for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom))
        ]
    exec("\n".join(lines), ns)
    return ns


def _run(source: str, ns: dict) -> str:
    """Execute one cell in ``ns``; return what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(_python(source), "<cell>", "exec"), ns)
    return out.getvalue()


def run_reference(paths: list[Path], exercise_id: str) -> str:
    """Run an exercise's solution cell and check cell; return the output."""
    nb, index, check_index = exercise_cells(paths, exercise_id)
    ns = _namespace(nb, index)
    _run(nb.cells[index].source, ns)
    return _run(nb.cells[check_index].source, ns)


def run_stub(paths: list[Path], exercise_id: str) -> None:
    """Run the student version of the solution cell, then the check cell.

    Raises:
        NotImplementedError: What the check cell must raise.
    """
    nb, index, check_index = exercise_cells(paths, exercise_id)
    ns = _namespace(nb, index)
    stub = editions.stub_solution(nb.cells[index].source, exercise_id)
    with contextlib.suppress(NotImplementedError):
        _run(stub, ns)
    _run(nb.cells[check_index].source, ns)


REGISTERED = REGISTRY.ids()


@pytest.mark.parametrize("exercise_id", REGISTERED)
def test_reference_solution_passes(exercise_id):
    output = run_reference(NOTEBOOKS, exercise_id)
    assert f"{exercise_id} ✓" in output


@pytest.mark.parametrize("exercise_id", REGISTERED)
def test_student_stub_raises_not_implemented(exercise_id):
    with pytest.raises(NotImplementedError):
        run_stub(NOTEBOOKS, exercise_id)


def test_every_registered_exercise_has_one_solution_cell():
    solutions = scan(NOTEBOOKS)["solutions"]
    problems = {
        i: solutions.get(i, [])
        for i in REGISTRY.ids()
        if len(solutions.get(i, [])) != 1
    }
    assert not problems, (
        "each registered exercise needs exactly one solution code cell "
        f"in notebooks/: {problems}"
    )


def test_every_solution_cell_and_check_call_is_registered():
    found = scan(NOTEBOOKS)
    unknown = [
        (str(p.name), i, n)
        for p, i, n in found["checks"]
        if resolve(n) is None
    ]
    assert not unknown, f"dl.check calls naming no registered check: {unknown}"
    unregistered = [i for i in found["solutions"] if i not in REGISTRY]
    assert not unregistered, (
        f"solution cells of exercises with no registered check: "
        f"{unregistered}; register them in d2lite/exercises/<chapter>.py"
    )


def table_labels(text: str) -> set[str]:
    """Labels named in the table rows of a page (comments excluded)."""
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    rows = [line for line in text.splitlines() if line.startswith("|")]
    return set(re.findall(r"[a-z][a-z0-9]*-ex\d+", "\n".join(rows)))


def test_prose_exercises_have_grading_points():
    text = INSTRUCTORS.read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    assert "(instructors-grading)=" in text
    grading = text.split("(instructors-grading)=", 1)[1]
    prose = [
        label for label in scan(NOTEBOOKS)["labels"] if label not in REGISTRY
    ]
    missing = [
        label
        for label in prose
        if not re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", grading)
    ]
    assert not missing, (
        f"prose exercises without grading points in "
        f"book/instructors.md: {missing}"
    )


def test_every_exercise_label_is_in_the_instructors_page():
    rows = table_labels(INSTRUCTORS.read_text(encoding="utf-8"))
    missing = [
        label for label in scan(NOTEBOOKS)["labels"] if label not in rows
    ]
    assert not missing, (
        f"exercises without a row in the tables of "
        f"book/instructors.md: {missing}"
    )


# ---------------------------------------------------------------------------
# Feedback without answers: a wrong number never brings out the expected one
# ---------------------------------------------------------------------------

#: Parts of a message that are structure, not values: "element 2", "key
#: 'fc1'", "3 of 4 values", "2 elements were expected", "1 dimension".
_STRUCTURE = re.compile(
    r"element \d+|key '[^']*'|\d+ of \d+ values|"
    r"\d+ elements were|\d+ dimensions? expected"
)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def leaves(value) -> list:
    """The numbers inside a value (dict values, sequence items, tensors)."""
    if isinstance(value, dict):
        return [x for v in value.values() for x in leaves(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in leaves(v)]
    if torch.is_tensor(value):
        return value.flatten().tolist()
    return [value]


def perturb(value, direction: int):
    """``value`` with every number made wrong (up for 1, down for -1)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + direction * max(1, abs(value) // 3)
    if isinstance(value, float):
        return value + direction * (abs(value) * 0.37 + 0.5)
    if isinstance(value, dict):
        return {k: perturb(v, direction) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(perturb(v, direction) for v in value)
    if torch.is_tensor(value):
        return value + direction * 0.5 + 0.25
    raise TypeError(f"no wrong version of {value!r} in this test")


def leaked(message: str, prefix: str, expected, received) -> list[str]:
    """Expected numbers that the message states (after its prefix).

    The prefix (exercise, case, label) names the case; the rest must show
    only the student's own numbers and structure, never an expected one.
    """
    assert message.startswith(prefix), (message, prefix)
    tail = _STRUCTURE.sub(" ", message[len(prefix) :])
    own = [float(x) for x in leaves(received) if not isinstance(x, bool)]
    shown = [float(t) for t in _NUMBER.findall(tail)]
    shown = [
        t
        for t in shown
        if not any(math.isclose(t, o, rel_tol=1e-9) for o in own)
    ]
    found = []
    for value in leaves(expected):
        if isinstance(value, bool):
            if str(value) in tail:
                found.append(str(value))
            continue
        if any(
            math.isclose(t, value, rel_tol=1e-3, abs_tol=1e-12) for t in shown
        ) or (abs(value) >= 1000 and f"{value:,}" in tail):
            found.append(repr(value))
    return found


def correct_value_answer(cases: list[Case]):
    """The answer a value check accepts, built from its cases."""
    if cases[0].key is None:
        return cases[0].expected
    if all(isinstance(c.key, str) for c in cases):
        return {c.key: c.expected for c in cases}
    return tuple(c.expected for c in sorted(cases, key=lambda c: c.key))


def wrong_value(cases: list[Case], index: int, direction: int) -> tuple:
    """(answer, wrong value): the right answer of a value check with case
    ``index`` made wrong (see :func:`perturb`)."""
    answer = correct_value_answer(cases)
    case = cases[index - 1]
    wrong = perturb(case.expected, direction)
    if case.key is None:
        return wrong, wrong
    if isinstance(answer, dict):
        return {**answer, case.key: wrong}, wrong
    items = enumerate(answer)
    return tuple(wrong if i == case.key else v for i, v in items), wrong


def _prefix(exercise_id: str, index: int, cases: list[Case]) -> str:
    where = exercise_id
    if len(cases) > 1 or cases[0].label:
        where += f", case {index} of {len(cases)}"
    label = cases[index - 1].describe()
    return f"{where} ({label}): " if label else f"{where}: "


VALUE_CHECKS = [e.exercise_id for e in REGISTRY if e.kind == "value"]
FUNCTION_CHECKS = [
    e.exercise_id for e in REGISTRY if e.has_cases and e.kind == "function"
]


def test_the_course_has_value_and_function_checks():
    assert len(VALUE_CHECKS) >= 6 and len(FUNCTION_CHECKS) >= 8


@pytest.mark.parametrize("exercise_id", VALUE_CHECKS)
def test_wrong_number_in_a_value_check_reveals_nothing(exercise_id, capsys):
    cases = REGISTRY.get(exercise_id).cases()
    answer = correct_value_answer(cases)
    REGISTRY(exercise_id, answer)  # the builder is right (raises if not)
    for index, case in enumerate(cases, start=1):
        for direction in (1, -1):
            given, wrong = wrong_value(cases, index, direction)
            with pytest.raises(CheckFailed) as info:
                REGISTRY(exercise_id, given)
            message = str(info.value)
            prefix = _prefix(exercise_id, index, cases)
            assert not leaked(message, prefix, case.expected, wrong), message
            assert info.value.expected is None
            if isinstance(case.expected, (int, float)) and not isinstance(
                case.expected, bool
            ):
                word = "too high" if direction > 0 else "too low"
                assert message.endswith(word) or f"{word} (hint:" in message
            with pytest.raises(CheckFailed) as shown:
                REGISTRY(exercise_id, given, reveal=True)
            assert f"expected {case.expected!r}" in str(shown.value)


def wrong_at(cases: list[Case], index: int, direction: int):
    """A function that answers every case right except case ``index``."""
    calls = iter(range(1, len(cases) + 1))

    def answer(*args, **kwargs):
        call = next(calls)
        expected = cases[call - 1].expected
        return perturb(expected, direction) if call == index else expected

    return answer


@pytest.mark.parametrize("exercise_id", FUNCTION_CHECKS)
def test_wrong_output_of_a_function_check_reveals_nothing(exercise_id):
    cases = REGISTRY.get(exercise_id).cases()
    for index, case in enumerate(cases, start=1):
        direction = 1 if index % 2 else -1
        with pytest.raises(CheckFailed) as info:
            REGISTRY(exercise_id, wrong_at(cases, index, direction))
        message = str(info.value)
        wrong = perturb(case.expected, direction)
        assert not leaked(
            message, _prefix(exercise_id, index, cases), case.expected, wrong
        ), message
        assert "received" in message and info.value.expected is None


# ---------------------------------------------------------------------------
# The hand-written checks name the mistake
# ---------------------------------------------------------------------------


def _epoch_without(skip: str):
    """The reference epoch without net.train() or zero_grad(), or with the
    loss summed instead of averaged ("mean")."""
    from d2lite.exercises.epoch import reference_epoch

    def train_epoch(*args):
        numbers = reference_epoch(*args, skip="" if skip == "mean" else skip)
        loss, acc = numbers["right"]
        summed = numbers["loss summed over the examples, not averaged"][0]
        return (summed if skip == "mean" else loss), acc

    return train_epoch


class _StopsAtTwo:
    def __init__(self, patience):
        self.patience = patience

    def on_epoch_end(self, state):
        state.stop_training = state.epoch >= 2


def _conv_without_bias_grad(kernel_size):
    class Conv2D(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.randn(kernel_size))
            self.bias = torch.nn.Parameter(torch.zeros(1))

        def forward(self, X):
            out = torch.nn.functional.conv2d(
                X[None, None], self.weight[None, None]
            )
            return out[0, 0] + self.bias.detach()

    return Conv2D()


@pytest.mark.parametrize(
    "exercise_id, answer, message",
    [
        ("train-ex6", _epoch_without("zero_grad"), "not zeroed before each"),
        ("train-ex6", _epoch_without("train"), "call net.train() first"),
        ("train-ex6", _epoch_without("mean"), "summed over the examples"),
        ("train-ex6", lambda *a: 3, "must return two numbers"),
        ("train-ex7", _StopsAtTwo, "stopped after epoch 2, although"),
        ("train-ex7", _StopsAtTwo(2), "the class EarlyStopping itself"),
        ("train-ex3", lambda X, p=0.5: X.flip(-2), "along the wrong axis"),
        ("train-ex3", lambda X, p=0.5: X, "flipped; with this p the share"),
        ("train-ex3", lambda X, p=0.5: X[:1], "a flip keeps the shape"),
        ("conv-ex7", _conv_without_bias_grad, "a parameter has no gradient"),
        (
            "conv-ex8",
            lambda: torch.nn.Sequential(
                torch.nn.Flatten(), torch.nn.Linear(784, 10)
            ),
            "the network contains ['Linear']",
        ),
        ("lenet-ex4", dl.lenet("d2l"), "no nn.AdaptiveAvgPool2d layer"),
        ("lenet-ex6", lambda: dl.lenet("d2l"), "over the budget of 20,000"),
        (
            "vgg-ex6",
            lambda config: torch.nn.Sequential(torch.nn.Conv2d(3, 3, 500)),
            "configuration A (VGG-11) on a (2, 3, 224, 224) batch",
        ),
        (
            "vgg-ex7",
            lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 4, 5)),
            "every convolution must be 3x3 with padding 1",
        ),
    ],
)
def test_hand_written_check_names_the_mistake(exercise_id, answer, message):
    with pytest.raises(CheckFailed) as info:
        dl.check(exercise_id, answer)
    assert message in str(info.value)
    assert str(info.value).startswith(exercise_id)
