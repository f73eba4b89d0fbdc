"""Tests of d2lite.data: finding, verifying, decoding and batching.

Everything runs offline on tiny IDX files written by the tests; the download
step is always replaced. Tests marked ``realdata`` read the real files.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest
import torch
from idx_helpers import (
    ALL_FILES,
    FILES,
    idx_bytes,
    make_split,
    tiny_spec,
    write_dataset,
    write_file,
)

import d2lite as dl
from d2lite import data

pytestmark = pytest.mark.usefixtures("offline")

#: The real download step, before the `offline` fixture replaces it.
TORCHVISION_DOWNLOAD = data._torchvision_download


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("torchvision_layout", [False, True])
def test_read_split_round_trips(tmp_path, gz, torchvision_layout):
    written = write_dataset(
        tmp_path, gz=gz, torchvision_layout=torchvision_layout
    )
    directory = data.find_fashion_mnist(tmp_path)
    spec = tiny_spec(data.FASHION_MNIST, written)
    for train, suffix, n in ((True, "train", 6), (False, "test", 4)):
        X, y = data._read_split(spec, directory, train)
        assert X.dtype == torch.uint8 and X.shape == (n, 28, 28)
        assert y.dtype == torch.int64 and y.shape == (n,)
        assert torch.equal(X, written[f"X_{suffix}"])
        assert torch.equal(y, written[f"y_{suffix}"])


def test_load_tensors_returns_copies_of_a_cached_split(tiny_fashion_mnist):
    tiny = tiny_fashion_mnist
    X, y = dl.load_fashion_mnist_tensors(train=True)
    X_test, y_test = dl.load_fashion_mnist_tensors(train=False)
    assert torch.equal(X, tiny["X_train"]) and torch.equal(y, tiny["y_train"])
    assert torch.equal(X_test, tiny["X_test"])
    assert torch.equal(y_test, tiny["y_test"])
    X[:] = 0  # callers get copies: the cache is not affected
    again, _ = dl.load_fashion_mnist_tensors(train=True)
    assert torch.equal(again, tiny["X_train"])


def test_decoded_once(tiny_fashion_mnist, monkeypatch):
    data._read_split_cached.cache_clear()
    calls = []
    real = data._read_split

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(data, "_read_split", counting)
    dl.load_fashion_mnist_tensors(train=True)
    dl.load_fashion_mnist_tensors(train=True)
    dl.load_data_fashion_mnist(2)
    assert len(calls) == 2  # train once, test once


def test_replaced_files_are_read_again(
    tiny_fashion_mnist, isolated, monkeypatch
):
    old, _ = dl.load_fashion_mnist_tensors(train=False)
    X = torch.full((4, 28, 28), 7, dtype=torch.uint8)
    write_file(isolated / "tiny" / FILES[False][0], idx_bytes(X), gz=True)
    with pytest.raises(data.CorruptFileError, match="MD5"):  # not the spec's
        dl.load_fashion_mnist_tensors(train=False)
    tensors = dict(tiny_fashion_mnist, X_test=X)
    monkeypatch.setattr(
        data, "FASHION_MNIST", tiny_spec(data.FASHION_MNIST, tensors)
    )
    new, _ = dl.load_fashion_mnist_tensors(train=False)
    assert torch.equal(old, tiny_fashion_mnist["X_test"])
    assert torch.equal(new, X)


# -------------------------------------------------------------- checksums


def test_checksums_are_of_the_decompressed_bytes(isolated):
    """Debian's re-compressed .gz files differ from upstream's, byte for
    byte; their content, and so the checksum, is the same."""
    fast, best = isolated / "fast", isolated / "best"
    written = write_dataset(fast, gz=True, level=1)
    write_dataset(best, gz=True, level=9)
    name = f"{FILES[True][0]}.gz"
    assert (fast / name).read_bytes() != (best / name).read_bytes()
    spec = tiny_spec(data.FASHION_MNIST, written)
    for root in (fast, best):
        X, _ = data.load_tensors(spec, train=True, root=root)
        assert torch.equal(X, written["X_train"])


def test_checksum_mismatch_names_file_and_both_sums(isolated):
    root = isolated / "other"
    written = write_dataset(root)
    labels = written["y_test"].clone()
    labels[0] = 9 - labels[0]  # valid labels, other content
    spec = tiny_spec(data.FASHION_MNIST, dict(written, y_test=labels))
    actual = hashlib.md5(idx_bytes(written["y_test"])).hexdigest()
    with pytest.raises(data.CorruptFileError) as info:
        data.load_tensors(spec, train=False, root=root)
    message = str(info.value)
    assert str(root / FILES[False][1]) in message
    assert actual in message and spec.md5[3] in message
    assert "apt-get install --reinstall dataset-fashion-mnist" in message
    X, _ = data.load_tensors(spec, train=True, root=root)  # train is intact
    assert torch.equal(X, written["X_train"])


def test_torchvision_download_uses_the_specs_class(isolated, monkeypatch):
    import torchvision.datasets

    made = []

    class FakeFashionMNIST:  # what torchvision's class leaves, downloaded
        def __init__(self, root, download):
            made.append((root, download))
            write_dataset(Path(root), gz=True, torchvision_layout=True)

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", FakeFashionMNIST)
    cache = isolated / "cache"
    TORCHVISION_DOWNLOAD(data.FASHION_MNIST, cache)
    assert made == [(str(cache), True)]
    found, _ = data._scan(data.FASHION_MNIST, cache)
    assert found == cache / "FashionMNIST" / "raw"


# ------------------------------------------------------------- corruption


@pytest.fixture
def good():
    X, y = make_split(6, seed=0)
    return idx_bytes(X), idx_bytes(y)


def _spec_of(good):
    """Fashion-MNIST's layout with the train sums of the ``good`` files."""
    md5 = [hashlib.md5(b).hexdigest() for b in good]
    return dataclasses.replace(data.FASHION_MNIST, md5=(*md5, "-", "-"))


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda X, y: (X[:-100], y), id="truncated"),
        pytest.param(lambda X, y: (X, y + b"junk"), id="trailing-bytes"),
        pytest.param(lambda X, y: (y, X), id="swapped-files"),
        pytest.param(lambda X, y: (X, y[:-1] + b"\x0a"), id="stray-label"),
    ],
)
@pytest.mark.parametrize("gz", [False, True])
def test_a_damaged_file_fails_its_checksum(tmp_path, good, damage, gz):
    """One message, naming the file and the fix, for every kind of damage."""
    images, labels = damage(*good)
    write_file(tmp_path / FILES[True][0], images, gz=gz)
    write_file(tmp_path / FILES[True][1], labels, gz=gz)
    with pytest.raises(data.CorruptFileError) as info:
        data._read_split(_spec_of(good), tmp_path, True)
    message = str(info.value)
    bad = FILES[True][0] if images != good[0] else FILES[True][1]
    assert bad in message and "the MD5 of its decompressed bytes" in message
    assert "apt-get install --reinstall dataset-fashion-mnist" in message
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda gz: b"not gzip at all" + gz, id="not-gzip"),
        pytest.param(lambda gz: gz[: len(gz) // 2], id="truncated-gz"),
    ],
)
def test_gzip_corruption_names_file(tmp_path, good, damage):
    images, labels = good
    path = write_file(tmp_path / FILES[True][0], images, gz=True)
    path.write_bytes(damage(path.read_bytes()))
    write_file(tmp_path / FILES[True][1], labels, gz=True)
    with pytest.raises(data.CorruptFileError, match="gzip") as info:
        data._read_split(_spec_of(good), tmp_path, True)
    assert str(path) in str(info.value)
    assert "replace it by the decompressed file" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, RuntimeError)


def test_a_partial_copy_is_named_and_never_used(isolated):
    skip = (FILES[False][1], FILES[True][0])
    partial = isolated / "partial"
    write_dataset(partial, gz=True, skip=skip, torchvision_layout=True)
    with pytest.raises(data.DataNotFoundError) as info:
        data.find_fashion_mnist(partial)
    message = str(info.value)
    assert f"{partial / 'FashionMNIST' / 'raw'} is partial, missing" in message
    assert all(name in message.split("Expected")[0] for name in skip)
    assert FILES[False][0] not in message.split("Expected")[0]
    cache = data.user_cache_dir(data.FASHION_MNIST)
    write_dataset(cache, skip=(FILES[True][1],))
    with pytest.raises(
        data.DataNotFoundError, match="per-user cache: .*partial"
    ):
        data.find_fashion_mnist(download=False)
    debian = data.DATASETS_DIR / "fashion-mnist"
    write_dataset(debian, gz=True)
    assert data.find_fashion_mnist() == debian  # the partial cache is skipped


# ------------------------------------------------------------ search order


def test_search_order(isolated, monkeypatch):
    places = {k: isolated / k for k in ("root", "env")}
    places["cache"] = data.user_cache_dir(data.FASHION_MNIST)
    places["debian"] = isolated / "datasets" / "fashion-mnist"
    for directory in places.values():
        write_dataset(directory, gz=True)
    monkeypatch.setenv("D2LITE_DATA", str(places["env"]))
    assert data.find_fashion_mnist(places["root"]) == places["root"]
    assert data.find_fashion_mnist() == places["env"]
    monkeypatch.delenv("D2LITE_DATA")
    assert data.find_fashion_mnist() == places["cache"]
    for name in ALL_FILES:
        (places["cache"] / f"{name}.gz").unlink()
    assert data.find_fashion_mnist() == places["debian"]


def test_xdg_and_home_cache_dirs(monkeypatch, tmp_path):
    spec = data.FASHION_MNIST
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    xdg_cache = tmp_path / "xdg" / "d2lite" / "fashion-mnist"
    assert data.user_cache_dir(spec) == xdg_cache
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    home_cache = tmp_path / "home" / ".cache" / "d2lite" / "fashion-mnist"
    assert data.user_cache_dir(spec) == home_cache


def test_download_is_last_and_lands_in_cache(isolated, monkeypatch):
    calls = []

    def fake_download(spec, cache_dir: Path) -> None:  # what torchvision
        calls.append((spec.name, cache_dir))  # leaves: .gz and raw files
        write_dataset(cache_dir, gz=True, torchvision_layout=True)
        write_dataset(cache_dir, torchvision_layout=True)

    monkeypatch.setattr(data, "_torchvision_download", fake_download)
    found = data.find_fashion_mnist()
    cache = data.user_cache_dir(data.FASHION_MNIST)
    assert calls == [("Fashion-MNIST", cache)]
    assert found == cache / "FashionMNIST" / "raw"
    assert data.find_fashion_mnist() == found and len(calls) == 1  # cached
    raw = data._file_in(found, FILES[True][0])
    assert raw.suffix != ".gz"  # raw preferred


def test_download_can_be_disabled(isolated):
    with pytest.raises(data.DataNotFoundError, match="download: disabled"):
        data.find_fashion_mnist(download=False)


@pytest.mark.parametrize("source", ["root", "env"])
def test_explicit_location_without_files_is_an_error(
    isolated, monkeypatch, source
):
    write_dataset(isolated / "datasets" / "fashion-mnist", gz=True)
    empty = isolated / "empty"
    empty.mkdir()
    if source == "env":
        monkeypatch.setenv("D2LITE_DATA", str(empty))
    message = "holds none of the four files"
    with pytest.raises(data.DataNotFoundError, match=message) as info:
        data.find_fashion_mnist(empty if source == "root" else None)
    assert str(empty) in str(info.value)
    assert "FashionMNIST/raw/" in str(info.value)
    where = "root argument" if source == "root" else "$D2LITE_DATA"
    assert str(info.value).startswith(f"{where}: {empty}")
    with pytest.raises(data.DataNotFoundError, match="does not exist"):
        data.find_fashion_mnist(isolated / "missing")


def test_nothing_found_lists_places_and_fixes(isolated, monkeypatch):
    def offline_download(spec, cache_dir: Path) -> None:
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(data, "_torchvision_download", offline_download)
    with pytest.raises(data.DataNotFoundError) as info:
        dl.load_data_fashion_mnist(256)
    message = str(info.value)
    assert isinstance(info.value, RuntimeError)
    for expected in (
        "Fashion-MNIST not found",
        "D2LITE_DATA: not set",
        str(data.user_cache_dir(data.FASHION_MNIST)),
        str(isolated / "datasets" / "fashion-mnist"),
        "Error downloading",
        "apt-get install dataset-fashion-mnist",
        "go online",
        "(~30 MB)",
        "D2LITE_DATA=/path",
    ):
        assert expected in message


# ------------------------------------------------------------ TensorLoader


def _loader_data(n: int = 10):
    X = (
        torch.arange(n * 28 * 28, dtype=torch.int64)
        .remainder(256)
        .to(torch.uint8)
    )
    return X.reshape(n, 28, 28), torch.arange(n) % 10


def test_batches_shape_dtype_range_and_len():
    X, y = _loader_data(10)
    loader = dl.TensorLoader(X, y, 4)
    assert len(loader) == 3
    batches = list(loader)
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    for Xb, yb in batches:
        assert Xb.dtype == torch.float32 and Xb.shape[1:] == (1, 28, 28)
        assert yb.dtype == torch.int64
        assert 0.0 <= Xb.min() and Xb.max() <= 1.0
    assert torch.equal(
        torch.cat([b[0] for b in batches]), X.unsqueeze(1).float() / 255
    )
    assert torch.equal(torch.cat([b[1] for b in batches]), y)


def test_float_and_4d_inputs():
    X = torch.rand(5, 1, 8, 8, dtype=torch.float64)
    Xb, yb = next(
        iter(dl.TensorLoader(X, torch.arange(5, dtype=torch.int32), 5))
    )
    assert Xb.dtype == torch.float32 and torch.allclose(Xb, X.float())
    assert yb.dtype == torch.int64


def test_shuffle_differs_across_epochs_and_test_order_fixed():
    X, y = _loader_data(100)[0], torch.arange(100)
    train_iter = dl.TensorLoader(X, y, 10, shuffle=True, seed=0)
    epochs = [torch.cat([yb for _, yb in train_iter]) for _ in range(2)]
    assert not torch.equal(epochs[0], epochs[1])
    for order in epochs:  # a permutation: every example once
        assert torch.equal(order.sort().values, y)
    test_iter = dl.TensorLoader(X, y, 10)
    assert all(
        torch.equal(torch.cat([yb for _, yb in test_iter]), y)
        for _ in range(2)
    )


def test_shuffle_reproducible():
    X, y = _loader_data(50)[0], torch.arange(50)

    def orders(**kwargs):
        loader = dl.TensorLoader(X, y, 7, shuffle=True, **kwargs)
        return [torch.cat([yb for _, yb in loader]) for _ in range(2)]

    a, b = orders(seed=3), orders(seed=3)
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    torch.manual_seed(0)
    c = orders()
    torch.manual_seed(0)
    d = orders()
    assert all(torch.equal(p, q) for p, q in zip(c, d))
    assert not torch.equal(orders(seed=4)[0], a[0])


def test_batches_are_copies():
    X, y = _loader_data(4)
    loader = dl.TensorLoader(X, y, 4)
    Xb, _ = next(iter(loader))
    Xb.zero_()
    assert next(iter(loader))[0].max() > 0


@pytest.mark.parametrize(
    "resize, expected", [(32, (32, 32)), ((14, 20), (14, 20)), (28, (28, 28))]
)
def test_resize(resize, expected):
    X, y = _loader_data(6)
    Xb, _ = next(iter(dl.TensorLoader(X, y, 6, resize=resize)))
    assert Xb.shape == (6, 1, *expected) and Xb.dtype == torch.float32
    assert 0.0 <= Xb.min() and Xb.max() <= 1.0


def test_resize_of_constant_image_keeps_it():
    X = torch.full((2, 28, 28), 255, dtype=torch.uint8)
    for size in (14, 56):
        loader = dl.TensorLoader(X, torch.zeros(2).long(), 2, resize=size)
        Xb, _ = next(iter(loader))
        assert torch.allclose(Xb, torch.ones_like(Xb))


def test_transform_per_batch():
    X, y = _loader_data(6)
    seen = []

    def flip(batch):
        seen.append(batch.shape)
        return batch.flip(-1)

    loader = dl.TensorLoader(X, y, 4, transform=flip, resize=14)
    batches = list(loader)
    assert seen == [(4, 1, 14, 14), (2, 1, 14, 14)]
    plain = list(dl.TensorLoader(X, y, 4, resize=14))
    assert torch.equal(batches[0][0], plain[0][0].flip(-1))


def test_drop_last():
    X, y = _loader_data(10)
    loader = dl.TensorLoader(X, y, 4, drop_last=True, shuffle=True, seed=0)
    assert len(loader) == 2
    assert [len(yb) for _, yb in loader] == [4, 4]


def test_numpy_and_torch_batch_paths_agree():
    X, y = _loader_data(10)
    loader = dl.TensorLoader(X, y, 4)
    order = torch.randperm(10)
    for o in (None, order):
        for start in (0, 8):
            a = loader._take_numpy(o, start, start + 4)
            b = loader._take_torch(o, start, start + 4)
            assert all(torch.equal(p, q) for p, q in zip(a, b))


@pytest.mark.parametrize(
    "device",
    [
        "meta",  # shapes only: the data really moves, batches follow it
        pytest.param(
            "cuda",
            marks=pytest.mark.skipif(
                not torch.cuda.is_available(), reason="no CUDA device"
            ),
        ),
    ],
)
def test_device(device):
    X, y = _loader_data(10)
    loader = dl.TensorLoader(X, y, 4, device=device, shuffle=True, seed=0)
    cpu = dl.TensorLoader(X, y, 4, shuffle=True, seed=0)
    assert loader.X.device.type == device and "cpu" not in repr(loader)
    batches = list(loader)
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    for (Xd, yd), (Xc, yc) in zip(batches, cpu):
        assert Xd.device.type == device and yd.device.type == device
        assert Xd.shape == Xc.shape and Xd.dtype == Xc.dtype
        if device != "meta":  # meta tensors hold no values
            assert torch.equal(Xd.cpu(), Xc) and torch.equal(yd.cpu(), yc)


def test_loader_refuses_labels_that_do_not_match_the_images():
    X, y = _loader_data(4)
    with pytest.raises(ValueError, match="X has 4 images, y has 3 labels"):
        dl.TensorLoader(X, y[:3], 2)


def test_a_transform_without_return_is_named():
    X, y = _loader_data(4)
    loader = dl.TensorLoader(X, y, 2, transform=lambda X: None)
    with pytest.raises(TypeError, match="transform must return the batch"):
        next(iter(loader))


def test_load_data_fashion_mnist_tiny(tiny_fashion_mnist):
    tiny = tiny_fashion_mnist
    train_iter, test_iter = dl.load_data_fashion_mnist(4, resize=32)
    assert (len(train_iter), len(test_iter)) == (2, 1)
    Xb, yb = next(iter(test_iter))
    assert (
        Xb.shape == (4, 1, 32, 32) and yb.tolist() == tiny["y_test"].tolist()
    )
    assert train_iter.shuffle and not test_iter.shuffle
    seen = torch.cat([y for _, y in train_iter])
    assert sorted(seen.tolist()) == sorted(tiny["y_train"].tolist())


# ------------------------------------------------------- splits and labels


def test_split_train_valid():
    X, y = torch.arange(100).reshape(100, 1).float(), torch.arange(100)
    X_train, y_train, X_valid, y_valid = dl.split_train_valid(X, y)
    assert (len(X_train), len(X_valid)) == (80, 20)
    assert torch.equal(X_train[:, 0].long(), y_train)
    assert torch.equal(X_valid[:, 0].long(), y_valid)
    assert torch.equal(torch.cat([y_train, y_valid]).sort().values, y)
    again = dl.split_train_valid(X, y)
    assert torch.equal(again[3], y_valid)
    assert not torch.equal(dl.split_train_valid(X, y, seed=1)[3], y_valid)
    assert len(dl.split_train_valid(X, y, 0.1)[3]) == 10
    for bad in (0, 1, 20, -0.2):  # 20: a percentage, an empty train split
        with pytest.raises(ValueError, match=f"valid_fraction={bad} for 100"):
            dl.split_train_valid(X, y, bad)


def test_labels():
    from torchvision.datasets import FashionMNIST  # the reference names

    reference = [name.lower().split("/")[0] for name in FashionMNIST.classes]
    assert list(dl.FASHION_MNIST_CLASSES) == reference
    assert dl.get_fashion_mnist_labels([9, 0]) == ["ankle boot", "t-shirt"]
    names = dl.get_fashion_mnist_labels(torch.tensor([[1], [2]]))
    assert names == ["trouser", "pullover"]
    assert dl.get_fashion_mnist_labels(7) == ["sneaker"]
    with pytest.raises(ValueError, match="got 10"):
        dl.get_fashion_mnist_labels([1, 10])
    with pytest.raises(ValueError, match=r"got 0.5 .*y_hat.argmax\(dim=1\)"):
        dl.get_fashion_mnist_labels(torch.tensor([[0.5, 0.2]]))  # scores


# -------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real_dir():
    try:
        return data.find_fashion_mnist(download=False)
    except data.DataNotFoundError as err:
        pytest.skip(f"real Fashion-MNIST not installed: {err}")


@pytest.mark.realdata
@pytest.mark.parametrize("train", [True, False])
def test_real_data(real_dir, train):
    X, y = dl.load_fashion_mnist_tensors(train=train)
    n = 60_000 if train else 10_000  # the published sizes
    assert X.shape == (n, 28, 28) and X.dtype == torch.uint8
    assert y.shape == (n,) and y.dtype == torch.int64
    assert int(X.min()) == 0 and int(X.max()) == 255
    counts = torch.bincount(y, minlength=10)
    assert counts.tolist() == [n // 10] * 10  # balanced: 6,000 / 1,000 each
    if train:  # the first training image of Fashion-MNIST is an ankle boot
        assert dl.get_fashion_mnist_labels(y[:1]) == ["ankle boot"]


@pytest.mark.realdata
def test_real_loaders(real_dir):
    train_iter, test_iter = dl.load_data_fashion_mnist(256)
    # ceil(60000 / 256), ceil(10000 / 256)
    assert (len(train_iter), len(test_iter)) == (235, 40)
    Xb, yb = next(iter(train_iter))
    assert Xb.shape == (256, 1, 28, 28) and Xb.dtype == torch.float32
    assert 0.0 <= float(Xb.min()) and float(Xb.max()) <= 1.0
    assert yb.shape == (256,) and yb.dtype == torch.int64
    first_test = next(iter(test_iter))[1]
    assert torch.equal(
        first_test, dl.load_fashion_mnist_tensors(train=False)[1][:256]
    )
