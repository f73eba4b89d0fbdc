"""``dl.check`` in Chinese: ``dl.set_language("zh")`` or ``D2LITE_LANG=zh``.

The catalog d2lite/locale/zh_CN/LC_MESSAGES/d2lite.po holds every message
the checks build (the literals of ``_()`` and ``N_()`` in
d2lite/exercises/), translated, with its placeholders and numbers. Every
exercise answered wrongly speaks Chinese, diagnoses as in English, and
never states the expected value. English stays as the other tests pin it.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import i18n  # tools/i18n.py
import polib
import pytest
import torch
from test_exercises import (
    FUNCTION_CHECKS,
    VALUE_CHECKS,
    _conv_without_bias_grad,
    _StopsAtTwo,
    leaked,
    perturb,
    wrong_at,
    wrong_value,
)

import d2lite as dl
from d2lite.exercises import REGISTRY, Checker, CheckFailed, _i18n

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
#: Three English words in a row: an untranslated sentence.
ENGLISH = re.compile(r"\b[A-Za-z]{2,}\b(?:[ ,]+\b[A-Za-z]{2,}\b){2,}")
FIELD = re.compile(r"\{[^{}]*\}")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
#: Structure, not values, in a Chinese message (see test_exercises).
ZH_STRUCTURE = re.compile(
    r"第 \d+ 个元素|键 '[^']*'|\d+ 个值中有 \d+ 个|应有 \d+ 个元素|"
    r"应为 \d+ 维"
)
#: English glue that Chinese does without: "received 3, which is too low"
#: is "收到 3，偏小".
WORDLESS = {"which is {reason}"}
#: English diagnosis -> the words that say it in Chinese.
DIAGNOSES = {
    "which is too high": "偏大",
    "which is too low": "偏小",
    "is too high": "偏大",
    "is too low": "偏小",
    "was expected, not": "而不是",
    "(hint:": "（提示：",
    "values differ": "个值中有",
    "not the expected value": "不是预期的值",
    "is wrong": "不对",
}


@pytest.fixture(autouse=True)
def english_by_default(monkeypatch):
    """Each test starts in English, with no D2LITE_LANG."""
    monkeypatch.delenv(_i18n.ENV, raising=False)
    dl.set_language(None)
    yield
    dl.set_language(None)


def failure(exercise_id: str, answer, language: str) -> CheckFailed:
    """The CheckFailed of ``dl.check(exercise_id, answer)`` in a language."""
    dl.set_language(language)
    try:
        with pytest.raises(CheckFailed) as info:
            dl.check(exercise_id, answer)
    finally:
        dl.set_language(None)
    return info.value


def assert_chinese(message: str) -> None:
    assert CJK.search(message), message
    assert not ENGLISH.search(message), (ENGLISH.search(message), message)


def assert_same_diagnosis(en: CheckFailed, zh: CheckFailed) -> None:
    """Same case, same received value, the same kind of diagnosis."""
    assert (en.index, en.total, en.exercise_id) == (
        zh.index,
        zh.total,
        zh.exercise_id,
    )
    assert repr(en.received) == repr(zh.received)
    english, chinese = str(en), str(zh)
    for words, zh_words in DIAGNOSES.items():
        if words in english:
            assert zh_words in chinese, (words, english, chinese)


# ---------------------------------------------------------------------------
# Choosing the language
# ---------------------------------------------------------------------------


def test_set_language_is_exported():
    assert dl.set_language is _i18n.set_language
    assert "set_language" in dl.__all__


@pytest.mark.parametrize("bad", ["fr", "ZH", "chinese", "", 1])
def test_unknown_language_is_refused_naming_value_and_choices(bad):
    with pytest.raises(ValueError) as info:
        dl.set_language(bad)
    message = str(info.value)
    assert repr(bad) in message and "'en'" in message and "'zh'" in message
    assert _i18n.language() == "en"


def test_environment_variable_is_read_when_the_message_is_built(
    monkeypatch,
):
    english = failure("conv-ex3", 2, "en")
    monkeypatch.setenv("D2LITE_LANG", "zh")  # after the import
    dl.set_language(None)
    with pytest.raises(CheckFailed) as info:
        dl.check("conv-ex3", 2)
    assert_chinese(str(info.value))
    assert_same_diagnosis(english, info.value)
    monkeypatch.setenv("D2LITE_LANG", "zh_CN.UTF-8")
    assert _i18n.language() == "zh"
    dl.set_language("en")  # set_language wins over the variable
    with pytest.raises(CheckFailed) as info:
        dl.check("conv-ex3", 2)
    assert str(info.value) == str(english)
    monkeypatch.setenv("D2LITE_LANG", "en")
    dl.set_language(None)
    assert _i18n.language() == "en"


def test_success_line_and_no_answer_in_chinese(capsys):
    registry = Checker()

    @registry.exercise("demo-ex1", title="A count", kind="value")
    def _count() -> int:
        return 61_706

    @registry.exercise("demo-ex2", title="Square")
    def _cases() -> list:
        from d2lite.exercises import Case

        return [Case(args=(x,), expected=x * x) for x in (1, 2)]

    dl.set_language("zh")
    registry("demo-ex1", 61_706)
    registry("demo-ex2", lambda x: x * x)
    assert capsys.readouterr().out == (
        "demo-ex1 ✓ 正确。做得好！\ndemo-ex2 ✓ 全部 2 个用例通过。做得好！\n"
    )
    with pytest.raises(NotImplementedError, match="还没有答案") as info:
        registry("demo-ex1", ...)
    assert_chinese(str(info.value))
    with pytest.raises(NotImplementedError, match="第 1 个是 `...`"):
        registry("demo-ex2", lambda x: ...)


def test_unknown_id_and_wrong_kind_in_chinese():
    dl.set_language("zh")
    with pytest.raises(ValueError) as info:
        dl.check("conv-ex99", 1)
    message = str(info.value)
    assert "'conv-ex99'" in message and "'conv-ex9'" in message
    assert_chinese(message)
    with pytest.raises(TypeError) as info:
        dl.check("conv-ex1", 24)
    assert "dl.check('conv-ex1', my_function)" in str(info.value)
    assert_chinese(str(info.value))


def test_english_needs_no_catalog():
    _i18n.translations.cache_clear()
    with pytest.raises(CheckFailed):
        dl.check("conv-ex3", 2)
    assert _i18n.translations.cache_info().currsize == 0


# ---------------------------------------------------------------------------
# The catalog
# ---------------------------------------------------------------------------


def code_messages() -> set[str]:
    """The literal messages of ``_()`` and ``N_()`` in d2lite/exercises."""
    found = set()
    for path in (ROOT / "d2lite" / "exercises").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("_", "N_")
            ):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant):  # else marked by N_()
                    found.add(first.value)
    return found


PO = polib.pofile(str(i18n.CHECK_PO))  # tools/i18n.py compiles it
CATALOG = {e.msgid: e.msgstr for e in PO}
MESSAGES = sorted(CATALOG)


def test_catalog_and_code_have_the_same_messages():
    code = code_messages()
    assert len(code) > 150
    missing, unused = code - set(CATALOG), set(MESSAGES) - code
    assert not missing, f"add to {i18n.CHECK_PO}: {sorted(missing)}"
    assert not unused, f"no longer in the code: {sorted(unused)}"


def test_catalog_has_no_untranslated_fuzzy_or_obsolete_entry():
    assert PO.fuzzy_entries() == [] and PO.obsolete_entries() == []
    assert [k for k in MESSAGES if not CATALOG[k].strip()] == []


def test_compiled_catalog_is_the_po_file_compiled(tmp_path):
    """gettext reads the .mo: ``make translations`` compiles it."""
    fresh = tmp_path / "d2lite.mo"
    PO.save_as_mofile(str(fresh))
    committed = i18n.CHECK_PO.with_suffix(".mo")
    assert committed.read_bytes() == fresh.read_bytes(), (
        f"{committed} is stale: run `make translations`"
    )


@pytest.mark.parametrize("msgid", MESSAGES)
def test_translation_keeps_placeholders_and_numbers(msgid):
    msgstr = CATALOG[msgid]
    assert Counter(FIELD.findall(msgid)) == Counter(FIELD.findall(msgstr))
    numbers = Counter(NUMBER.findall(FIELD.sub(" ", msgid)))
    assert not numbers - Counter(NUMBER.findall(FIELD.sub(" ", msgstr)))
    words = re.findall(r"\b[A-Za-z]{2,}\b", FIELD.sub(" ", msgid))
    if len(words) >= 2 and msgid not in WORDLESS:
        assert CJK.search(msgstr), (msgid, msgstr)
    assert not ENGLISH.search(FIELD.sub(" ", msgstr)), msgstr


def test_catalog_compiles_for_gettext():
    _i18n.translations.cache_clear()
    compiled = _i18n.translations()
    for msgid in MESSAGES:
        assert compiled.gettext(msgid) == CATALOG[msgid]
    assert compiled.info()["content-type"] == "text/plain; charset=utf-8"


# ---------------------------------------------------------------------------
# Every exercise, answered wrongly, in both languages
# ---------------------------------------------------------------------------


def zh_leaked(err: CheckFailed, expected, received) -> list[str]:
    """:func:`test_exercises.leaked` for a Chinese message."""
    message, prefix = str(err), err.where() + "："
    assert message.startswith(prefix), (message, prefix)
    tail = ZH_STRUCTURE.sub(" ", message[len(prefix) :])
    return leaked(prefix + tail, prefix, expected, received)


@pytest.mark.parametrize("exercise_id", VALUE_CHECKS)
def test_value_check_speaks_chinese_without_the_answer(exercise_id):
    cases = REGISTRY.get(exercise_id).cases()
    for index, case in enumerate(cases, start=1):
        for direction in (1, -1):
            given, wrong = wrong_value(cases, index, direction)
            en = failure(exercise_id, given, "en")
            zh = failure(exercise_id, given, "zh")
            assert_chinese(str(zh))
            assert_same_diagnosis(en, zh)
            assert not zh_leaked(zh, case.expected, wrong), str(zh)
            assert zh.expected is None


@pytest.mark.parametrize("exercise_id", FUNCTION_CHECKS)
def test_function_check_speaks_chinese_without_the_answer(exercise_id):
    cases = REGISTRY.get(exercise_id).cases()
    for index, case in enumerate(cases, start=1):
        direction = 1 if index % 2 else -1
        en = failure(exercise_id, wrong_at(cases, index, direction), "en")
        zh = failure(exercise_id, wrong_at(cases, index, direction), "zh")
        assert_chinese(str(zh))
        assert_same_diagnosis(en, zh)
        wrong = perturb(case.expected, direction)
        assert not zh_leaked(zh, case.expected, wrong), str(zh)


def _summed_epoch(*args):
    from d2lite.exercises.epoch import reference_epoch

    numbers = reference_epoch(*args)
    return numbers["loss summed over the examples, not averaged"][0], 0.5


def _pooling_net() -> torch.nn.Module:
    """VGG-style, but 43,338 parameters: over vgg-ex7's budget."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 64, 3, padding=1), nn.Conv2d(64, 64, 3, padding=1),
        nn.MaxPool2d(2), nn.MaxPool2d(2), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(576, 10),
    )  # fmt: skip


def _avg_sum(channels: int) -> torch.nn.Conv2d:
    conv = torch.nn.Conv2d(channels, channels, 2, stride=2, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        for c in range(channels):
            conv.weight[c, c] = 1.0  # sums, does not average
    return conv


#: (exercise, wrong answer, words of its English diagnosis) for the checks
#: without cases: each check's own mistakes.
HAND_WRITTEN = [
    ("conv-ex7", _conv_without_bias_grad, "a parameter has no gradient"),
    (
        "conv-ex8",
        lambda: torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(784, 10)
        ),
        "the network contains",
    ),
    ("conv-ex10", _avg_sum, "your layer sums each window"),
    ("conv-ex10", lambda c: torch.nn.AvgPool2d(2), "not a pooling layer"),
    ("lenet-ex4", dl.lenet("d2l"), "no nn.AdaptiveAvgPool2d layer"),
    ("lenet-ex6", lambda: dl.lenet("d2l"), "over the budget of 20,000"),
    (
        "lenet-ex6",
        lambda: torch.nn.Sequential(torch.nn.Flatten()),
        "dl.shape_trace shows",
    ),
    (
        "vgg-ex6",
        lambda config: torch.nn.Sequential(
            torch.nn.AdaptiveAvgPool2d(1),
            torch.nn.Flatten(),
            torch.nn.Linear(3, 10),
        ),
        "output shape for a (2, 3, 224, 224) batch",
    ),
    (
        "vgg-ex7",
        lambda: torch.nn.Sequential(torch.nn.Conv2d(1, 4, 5)),
        "every convolution must be 3x3 with padding 1",
    ),
    ("vgg-ex7", _pooling_net, "over the budget of 40,000"),
    ("vgg-ex8", 3, "must be a dict"),
    ("vgg-ex8", {"adam": 100, "sgd_momentum": 100}, "which is too low"),
    ("train-ex3", lambda X, p=0.5: X.flip(-2), "along the wrong axis"),
    ("train-ex3", lambda X, p=0.5: X, "flipped; with this p the share"),
    ("train-ex3", lambda X, p=0.5: X[:1], "a flip keeps the shape"),
    ("train-ex3", lambda X, p=0.5: X.flip(-1).tolist(), "not a tensor"),
    ("train-ex3", 5, "the answer must be a function"),
    ("train-ex6", _summed_epoch, "summed over the examples"),
    ("train-ex6", lambda *a: 3, "must return two numbers"),
    ("train-ex6", lambda *a: (0.5, "x"), "must be a Python number"),
    ("train-ex7", _StopsAtTwo, "stopped after epoch 2, although"),
    ("train-ex7", _StopsAtTwo(2), "the class EarlyStopping itself"),
]


def test_every_exercise_has_a_wrong_answer_here():
    covered = {e for e, *_ in HAND_WRITTEN} | set(VALUE_CHECKS)
    assert covered | set(FUNCTION_CHECKS) == set(REGISTRY.ids())


@pytest.mark.parametrize(
    "exercise_id, answer, words",
    HAND_WRITTEN,
    ids=[f"{e}-{i}" for i, (e, *_) in enumerate(HAND_WRITTEN)],
)
def test_hand_written_check_speaks_chinese(exercise_id, answer, words):
    en = failure(exercise_id, answer, "en")
    assert words in str(en), str(en)
    zh = failure(exercise_id, answer, "zh")
    assert_chinese(str(zh))
    assert_same_diagnosis(en, zh)
    assert str(zh).startswith(exercise_id)
