"""Chapter 3's exercise checks that the shared tests do not cover: vgg-ex8
(the memory of a training step) accepts the right batch, rounded as a
student would, and names the common mistakes without the answer."""

from __future__ import annotations

import pytest

import d2lite as dl
from d2lite.exercises import CheckFailed
from d2lite.exercises.vgg import VGG_EX8, _vgg16_step_bytes

PARAMS, PER_IMAGE = _vgg16_step_bytes()
GPU = VGG_EX8["gpu_bytes"]


def _batch(fixed_bytes: int, memory: float = GPU) -> float:
    return (memory - fixed_bytes * PARAMS) / PER_IMAGE


def test_vgg16_numbers_are_the_chapters():
    assert PARAMS == 138_357_544
    assert round(PER_IMAGE / 1e6, 1) == 73.4  # "73.4 MB per image"


@pytest.mark.parametrize(
    "answer",
    [
        {"adam": _batch(16), "sgd_momentum": _batch(12)},
        {"adam": _batch(16) // 1, "sgd_momentum": int(_batch(12))},
        # the chapter's rounded numbers: 73.4 MB per image
        {
            "adam": (GPU - 16 * 138_357_544) / 73.4e6,
            "sgd_momentum": (GPU - 12 * 138_357_544) / 73.4e6,
        },
    ],
)
def test_vgg_ex8_accepts_the_batch_rounded(answer, capsys):
    dl.check("vgg-ex8", answer)
    assert "vgg-ex8 ✓ all 2 cases pass" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, message",
    [
        ({"adam": _batch(12), "sgd_momentum": 1}, "Adam keeps two numbers"),
        ({"adam": _batch(4), "sgd_momentum": 1}, "more than the parameters"),
        ({"adam": _batch(8) // 1, "sgd_momentum": 1}, "optimizer's state"),
        ({"adam": _batch(16, 16 * 2**30) // 1, "sgd_momentum": 1}, "2**30"),
        ({"adam": _batch(16), "sgd_momentum": _batch(8)}, "optimizer's"),
        ({"adam": _batch(16), "sgd_momentum": _batch(16)}, "Adam keeps"),
        ({"adam": _batch(16)}, "sgd_momentum"),
        ([187, 195], "must be a dict"),
        ({"adam": 1e6, "sgd_momentum": 1}, "too high"),
    ],
)
def test_vgg_ex8_names_the_mistake(answer, message):
    with pytest.raises(CheckFailed) as info:
        dl.check("vgg-ex8", answer)
    text = str(info.value)
    assert message in text and text.startswith("vgg-ex8")
    assert f"{_batch(16):.0f}" not in text.replace("received", "")
