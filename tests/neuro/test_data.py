from __future__ import annotations

import dataclasses
import gzip
import hashlib
import http.server
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from neuro import data
from neuro.errors import DataError


def idx_bytes(arr: np.ndarray) -> bytes:
    arr = np.asarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    return header + arr.tobytes()


def write_fake_mnist(d: Path, n_train: int = 12, n_test: int = 5, *, gz: bool = True,
                     seed: int = 0) -> dict[str, tuple[str, str]]:
    """Small valid MNIST-format files; returns the checksum table for them."""
    rng = np.random.default_rng(seed)
    d.mkdir(parents=True, exist_ok=True)
    parts = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28)),
        "train_labels": rng.integers(0, 10, n_train),
        "test_images": rng.integers(0, 256, (n_test, 28, 28)),
        "test_labels": rng.integers(0, 10, n_test),
    }
    table = {}
    for part, arr in parts.items():
        stem = data.MNIST_FILES[part][0]
        raw = idx_bytes(arr)
        table[part] = (stem, hashlib.md5(raw).hexdigest())
        if gz:
            (d / (stem + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (d / stem).write_bytes(raw)
    return table


# --- IDX parsing and bad files ----------------------------------------------------------------


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_round_trip(tmp_path: Path, gz: bool) -> None:
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / ("x.gz" if gz else "x")
    path.write_bytes(gzip.compress(idx_bytes(arr)) if gz else idx_bytes(arr))
    out = data.read_idx(path, expect_dims=3)
    np.testing.assert_array_equal(out, arr)
    assert not out.flags.writeable


def test_truncated_gzip_names_file(tmp_path: Path) -> None:
    blob = gzip.compress(idx_bytes(np.zeros((10, 28, 28))))
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz.*truncated"):
        data.read_idx(path)


def test_wrong_magic_names_file(tmp_path: Path) -> None:
    path = tmp_path / "labels"
    path.write_bytes(b"\x12\x34\x08\x01" + (3).to_bytes(4, "big") + b"\x01\x02\x03")
    with pytest.raises(DataError, match=r"labels.*magic number 12340801"):
        data.read_idx(path)


def test_wrong_dimensions_is_error(tmp_path: Path) -> None:
    path = tmp_path / "labels"
    path.write_bytes(idx_bytes(np.zeros((3, 2))))
    with pytest.raises(DataError, match="2 dimensions, expected 1"):
        data.read_idx(path, expect_dims=1)


def test_count_disagreeing_with_header(tmp_path: Path) -> None:
    raw = idx_bytes(np.zeros((5, 28, 28)))
    path = tmp_path / "imgs"
    path.write_bytes(raw[:-28])
    with pytest.raises(DataError, match=r"imgs: header says shape \(5, 28, 28\)"):
        data.read_idx(path)


def test_images_and_labels_of_different_lengths(tmp_path: Path) -> None:
    write_fake_mnist(tmp_path)
    stem = data.MNIST_FILES["test_labels"][0]
    (tmp_path / (stem + ".gz")).write_bytes(gzip.compress(idx_bytes(np.zeros(4))))
    with pytest.raises(DataError, match="test images \\(5\\) and labels \\(4\\) differ"):
        data.load_mnist(tmp_path, download=False)


# --- lookup order and download ----------------------------------------------------------------


def test_lookup_order_explicit_then_env_then_cache(tmp_path, monkeypatch) -> None:
    explicit, env, cache = tmp_path / "explicit", tmp_path / "env", tmp_path / "xdg"
    write_fake_mnist(explicit, n_train=3, seed=1)
    write_fake_mnist(env / "mnist", n_train=4, seed=2, gz=False)
    write_fake_mnist(cache / "neuro" / "mnist", n_train=5, seed=3)
    monkeypatch.setenv("NEURO_DATA_DIR", str(env))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    assert len(data.load_mnist(explicit, download=False).x_train) == 3
    assert len(data.load_mnist(download=False).x_train) == 4
    monkeypatch.delenv("NEURO_DATA_DIR")
    assert len(data.load_mnist(download=False).x_train) == 5


def test_missing_without_download_says_where(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("NEURO_DATA_DIR", raising=False)
    with pytest.raises(DataError, match="put the four IDX files in one of: .*neuro/mnist"):
        data.load_mnist(tmp_path / "nothing", download=False)


class _Server:
    """An HTTP server on 127.0.0.1 serving a directory, recording the paths asked for."""

    def __init__(self, root: Path) -> None:
        requests = self.requests = []

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **k):
                super().__init__(*a, directory=str(root), **k)

            def log_message(self, *a):  # quiet
                requests.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_download_from_local_mirror_verifies_and_loads(tmp_path, monkeypatch) -> None:
    served = tmp_path / "served"
    table = write_fake_mnist(served)
    dead = "http://127.0.0.1:9/"  # discard port: connection refused
    with _Server(served) as srv:
        dest = data.download_mnist(tmp_path / "cache", mirrors=[dead, srv.url], files=table)
    for stem, md5 in table.values():
        content = gzip.decompress((dest / (stem + ".gz")).read_bytes())
        assert hashlib.md5(content).hexdigest() == md5
    assert not list(dest.glob("*.part"))
    ds = data.load_mnist(dest, download=False)
    assert ds.x_train.shape == (12, 28, 28) and ds.y_test.shape == (5,)


def test_download_rejects_bad_checksum(tmp_path) -> None:
    served = tmp_path / "served"
    table = write_fake_mnist(served)
    bad = {k: (stem, "0" * 32) for k, (stem, _) in table.items()}
    with _Server(served) as srv, pytest.raises(DataError, match="checksum mismatch"):
        data.download_mnist(tmp_path / "cache", mirrors=[srv.url], files=bad)
    assert not list((tmp_path / "cache").iterdir())  # nothing unverified was kept


def test_download_failure_says_where_to_put_files(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("NEURO_DATA_DIR", raising=False)
    monkeypatch.setenv("NEURO_MNIST_MIRRORS", "http://127.0.0.1:9/")
    with pytest.raises(DataError, match="could not be downloaded.*Put the four MNIST files"):
        data.load_mnist()


def test_download_of_the_real_files_with_official_checksums(mnist_dir, tmp_path) -> None:
    """The real MNIST files served on 127.0.0.1 pass the built-in checksum table."""
    served = tmp_path / "served"
    served.mkdir()
    for stem, _ in data.MNIST_FILES.values():
        shutil.copy(mnist_dir / (stem + ".gz"), served / (stem + ".gz"))
    with _Server(served) as srv:
        dest = data.download_mnist(tmp_path / "cache", mirrors=[srv.url])
        assert len(srv.requests) == 4
    ds = data.load_mnist(dest, download=False)
    assert ds.x_train.shape == (60000, 28, 28)


# --- Fashion-MNIST ----------------------------------------------------------------------------


def write_fake_fashion(d: Path, n_train: int = 9, n_test: int = 4, *, gz: bool = True,
                       seed: int = 10) -> tuple[dict[str, np.ndarray], dict[str, data.IdxFile]]:
    """Small valid Fashion-MNIST files; returns their arrays and a table of their ``.gz`` MD5s."""
    rng = np.random.default_rng(seed)
    d.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28)).astype(np.uint8),
        "train_labels": rng.integers(0, 10, n_train).astype(np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28)).astype(np.uint8),
        "test_labels": rng.integers(0, 10, n_test).astype(np.uint8),
    }
    table = {}
    for part, arr in arrays.items():
        stem = data.FASHION_MNIST_FILES[part].stem
        blob = gzip.compress(idx_bytes(arr), mtime=0)
        table[part] = data.IdxFile(stem, hashlib.md5(blob).hexdigest(), "gz")
        if gz:
            (d / (stem + ".gz")).write_bytes(blob)
        else:
            (d / stem).write_bytes(idx_bytes(arr))
    return arrays, table


def assert_fashion(ds: data.Dataset, arrays: dict[str, np.ndarray]) -> None:
    assert ds.name == "fashion-mnist" and ds.max_value == 255.0
    np.testing.assert_array_equal(ds.x_train, arrays["train_images"])
    np.testing.assert_array_equal(ds.x_test, arrays["test_images"])
    np.testing.assert_array_equal(ds.y_train, arrays["train_labels"])
    np.testing.assert_array_equal(ds.y_test, arrays["test_labels"])
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64


@pytest.mark.parametrize("gz", [True, False])
def test_fashion_mnist_from_its_own_subdirectory(tmp_path, monkeypatch, gz: bool) -> None:
    """`data_dir/fashion-mnist` holds Fashion-MNIST, `data_dir/mnist` MNIST: never mixed up."""
    monkeypatch.delenv("NEURO_DATA_DIR", raising=False)
    write_fake_mnist(tmp_path / "mnist", n_train=3, n_test=2, seed=1)
    arrays, _ = write_fake_fashion(tmp_path / "fashion-mnist", gz=gz)
    assert data.find_fashion_mnist_dir(tmp_path) == tmp_path / "fashion-mnist"
    assert_fashion(data.load_fashion_mnist(tmp_path, download=False), arrays)
    assert_fashion(data.load("fashion-mnist", data_dir=tmp_path), arrays)
    mnist = data.load("mnist", data_dir=tmp_path)
    assert mnist.name == "mnist" and mnist.x_train.shape == (3, 28, 28)


def test_fashion_mnist_from_neuro_data_dir(tmp_path, monkeypatch) -> None:
    arrays, _ = write_fake_fashion(tmp_path / "fashion-mnist", n_train=6, seed=11)
    write_fake_mnist(tmp_path / "mnist", n_train=3)
    monkeypatch.setenv("NEURO_DATA_DIR", str(tmp_path))
    assert data.find_fashion_mnist_dir() == tmp_path / "fashion-mnist"
    assert_fashion(data.load("fashion-mnist"), arrays)


def test_fashion_mnist_missing_without_download_says_where(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("NEURO_DATA_DIR", str(tmp_path / "env"))
    write_fake_mnist(tmp_path / "env" / "mnist")  # MNIST alone is not Fashion-MNIST
    with pytest.raises(DataError, match="Fashion-MNIST not found; put the four IDX files in one "
                                        "of: .*nothing/fashion-mnist, .*env/fashion-mnist, "
                                        ".*neuro/fashion-mnist"):
        data.load_fashion_mnist(tmp_path / "nothing", download=False)


def test_fashion_download_from_local_mirror_verifies_gz_and_loads(tmp_path) -> None:
    served = tmp_path / "served"
    arrays, table = write_fake_fashion(served)
    dead = "http://127.0.0.1:9/"  # discard port: connection refused
    with _Server(served) as srv:
        dest = data.download_fashion_mnist(tmp_path / "cache", mirrors=[dead, srv.url],
                                           files=table)
        assert sorted(srv.requests) == sorted("/" + f.stem + ".gz" for f in table.values())
    for f in table.values():  # stored byte for byte as served, under the verified name
        assert (dest / (f.stem + ".gz")).read_bytes() == (served / (f.stem + ".gz")).read_bytes()
        assert hashlib.md5((dest / (f.stem + ".gz")).read_bytes()).hexdigest() == f.md5
    assert not list(dest.glob("*.part")) and not list(dest.glob(".*"))
    assert_fashion(data.load_fashion_mnist(dest, download=False), arrays)


def test_fashion_checksum_mismatch_names_the_file(tmp_path) -> None:
    served = tmp_path / "served"
    _, table = write_fake_fashion(served)
    actual = table["train_labels"].md5
    bad = dict(table, train_labels=data.IdxFile("train-labels-idx1-ubyte", "0" * 32, "gz"))
    with _Server(served) as srv, pytest.raises(DataError) as err:
        data.download_fashion_mnist(tmp_path / "cache", mirrors=[srv.url], files=bad)
    msg = str(err.value)
    assert msg.startswith("Fashion-MNIST file train-labels-idx1-ubyte.gz could not be downloaded")
    assert (f"{srv.url}train-labels-idx1-ubyte.gz: checksum mismatch (md5 of the .gz file "
            f"{actual}, expected {'0' * 32})") in msg
    # The verified file before it was kept; the rejected one left nothing behind.
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == ["train-images-idx3-ubyte.gz"]


def test_gz_checksum_is_of_the_gz_bytes_not_the_content(tmp_path) -> None:
    """A recompressed copy (same IDX content, other gzip bytes) fails a "gz" checksum and passes
    a "content" one: the table's kind decides what is hashed."""
    served = tmp_path / "served"
    arrays, table = write_fake_fashion(served)
    for f in table.values():  # recompress at another level and time stamp
        path = served / (f.stem + ".gz")
        path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), 1, mtime=12345))
    with _Server(served) as srv:
        with pytest.raises(DataError, match="train-images-idx3-ubyte.gz: checksum mismatch "
                                            r"\(md5 of the .gz file [0-9a-f]{32}, expected "
                                            + table["train_images"].md5):
            data.download_fashion_mnist(tmp_path / "gz", mirrors=[srv.url], files=table)
        content = {part: data.IdxFile(f.stem, hashlib.md5(idx_bytes(arrays[part])).hexdigest())
                   for part, f in table.items()}
        dest = data.download_fashion_mnist(tmp_path / "content", mirrors=[srv.url], files=content)
    assert_fashion(data.load_fashion_mnist(dest, download=False), arrays)


def test_fashion_default_table_and_mirror_env(tmp_path, monkeypatch) -> None:
    """By default the official .gz MD5s are checked, against mirrors from
    $NEURO_FASHION_MNIST_MIRRORS (not $NEURO_MNIST_MIRRORS), into the cache's fashion-mnist."""
    served = tmp_path / "served"
    write_fake_fashion(served)
    monkeypatch.delenv("NEURO_DATA_DIR", raising=False)
    monkeypatch.setenv("NEURO_MNIST_MIRRORS", "http://127.0.0.1:9/")
    with _Server(served) as srv:
        monkeypatch.setenv("NEURO_FASHION_MNIST_MIRRORS", srv.url.rstrip("/"))
        with pytest.raises(DataError) as err:
            data.load("fashion-mnist")
        assert srv.requests == ["/train-images-idx3-ubyte.gz"]
    msg = str(err.value)
    got = hashlib.md5((served / "train-images-idx3-ubyte.gz").read_bytes()).hexdigest()
    assert (f"train-images-idx3-ubyte.gz: checksum mismatch (md5 of the .gz file {got}, "
            "expected 8d4fb7e6c68d591d4c3dfef9ec88bf0d)") in msg
    assert "Put the four Fashion-MNIST files" in msg
    assert msg.endswith("neuro/fashion-mnist")
    assert data.FASHION_MNIST_MIRRORS == (
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)


def test_fashion_load_downloads_into_the_cache(tmp_path, monkeypatch) -> None:
    """`load("fashion-mnist")` with nothing on disk downloads into the cache and loads from it."""
    served = tmp_path / "served"
    arrays, table = write_fake_fashion(served, n_train=5, seed=12)
    monkeypatch.delenv("NEURO_DATA_DIR", raising=False)
    monkeypatch.setattr(data, "_FASHION_MNIST",
                        dataclasses.replace(data._FASHION_MNIST, files=table))
    with _Server(served) as srv:
        monkeypatch.setenv("NEURO_FASHION_MNIST_MIRRORS", srv.url)
        ds = data.load("fashion-mnist")
    assert_fashion(ds, arrays)
    cache = data.find_fashion_mnist_dir()
    assert cache is not None and cache.parts[-2:] == ("neuro", "fashion-mnist")
    assert data.find_mnist_dir() is None


def test_idx_file_table_entries_are_checked() -> None:
    with pytest.raises(ValueError, match="checksum of x = 'sha1' is invalid: must be one of "
                                         "content, gz"):
        data.IdxFile("x", "0" * 32, "sha1")
    with pytest.raises(ValueError, match="md5 of x = 'abc' is invalid: must be 32 hexadecimal"):
        data.IdxFile("x", "abc")
    with pytest.raises(ValueError, match=r"files\['train_images'\] = \('x',\) is invalid"):
        data.download_fashion_mnist(files={"train_images": ("x",)})


# --- the real data sets -----------------------------------------------------------------------


def test_full_mnist(mnist_dir) -> None:
    ds = data.load_mnist(mnist_dir)
    assert ds.x_train.shape == (60000, 28, 28) and ds.x_test.shape == (10000, 28, 28)
    assert ds.x_train.dtype == np.uint8 and ds.y_train.dtype == np.int64
    # Published class counts of the MNIST training and test sets.
    assert np.bincount(ds.y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265,
                                                5851, 5949]
    assert np.bincount(ds.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974,
                                               1009]


def test_mnist_5k_split() -> None:
    ds = data.load("mnist-5k")
    assert ds.x_train.shape == (4000, 28, 28) and ds.x_test.shape == (1000, 28, 28)
    assert np.bincount(ds.y_train).tolist() == [400] * 10
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    assert ds.x_train.max() == 255 and ds.x_train.dtype == np.uint8
    # Real digits: the mean image of "1" is narrower (less ink) than that of "0".
    assert ds.x_train[ds.y_train == 1].mean() < 0.6 * ds.x_train[ds.y_train == 0].mean()


def test_digits() -> None:
    ds = data.load("digits")
    assert ds.x_train.shape == (1437, 8, 8) and ds.x_test.shape == (360, 8, 8)
    assert ds.max_value == 16 and ds.x_train.max() == 16


def test_unknown_dataset_lists_choices() -> None:
    with pytest.raises(ValueError, match="dataset = 'fashion' is invalid: must be one of mnist"):
        data.load("fashion")


def test_registry_lists_fashion_mnist() -> None:
    assert list(data.DATASETS) == ["mnist", "fashion-mnist", "mnist-5k", "digits"]
    with pytest.raises(ValueError, match="dataset = 'fashion' is invalid: must be one of mnist, "
                                         "fashion-mnist, mnist-5k, digits$"):
        data.load("fashion")


# --- transforms -------------------------------------------------------------------------------


def test_scale_binarize_flatten() -> None:
    ds = data.load("digits")
    s = data.scale01(ds)
    assert s.x_train.dtype == np.float32 and s.x_train.max() == 1.0 and s.max_value == 1.0
    np.testing.assert_allclose(s.x_train, ds.x_train / 16.0, rtol=1e-6)
    b = data.binarize(ds, 0.5)
    np.testing.assert_array_equal(b.x_train, (ds.x_train > 8).astype(np.float32))
    f = data.flatten(b)
    assert f.x_train.shape == (1437, 64)
    assert f.name == "digits|binarize(0.5)|flatten"
    assert ds.x_train.dtype == np.uint8  # input untouched


def test_area_downsample_preserves_mean_and_crop_keeps_centre() -> None:
    ds = data.scale01(data.load("mnist-5k"))
    area = data.downsample(ds, 20, method="area")
    assert area.x_train.shape == (4000, 20, 20)
    np.testing.assert_allclose(area.x_train.mean(axis=(1, 2)), ds.x_train.mean(axis=(1, 2)),
                               rtol=1e-5, atol=1e-7)
    assert area.x_train.min() >= 0 and area.x_train.max() <= 1 + 1e-6
    crop = data.downsample(ds, 20, method="crop")
    np.testing.assert_array_equal(crop.x_test, ds.x_test[:, 4:24, 4:24])
    # MNIST digits are normalised into a 20x20 box, centred by centre of mass: the central crop
    # keeps most of the ink (96.7% on this subset).
    assert crop.x_train.sum() > 0.95 * ds.x_train.sum()


def test_area_downsample_exact_on_integer_factor() -> None:
    x = np.arange(16, dtype=np.uint8).reshape(1, 4, 4)
    ds = data.Dataset(name="t", x_train=x, y_train=np.zeros(1, int), x_test=x,
                      y_test=np.zeros(1, int), max_value=15.0)
    out = data.downsample(ds, 2, method="area").x_train[0]
    np.testing.assert_allclose(out, [[2.5, 4.5], [10.5, 12.5]])


def test_subset_is_seeded_and_checked() -> None:
    ds = data.load("digits")
    a = data.subset(ds, 100, 20, rng=np.random.default_rng(5))
    b = data.subset(ds, 100, 20, rng=np.random.default_rng(5))
    c = data.subset(ds, 100, 20, rng=np.random.default_rng(6))
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.y_train, c.y_train)
    assert a.x_train.shape == (100, 8, 8) and a.x_test.shape == (20, 8, 8)
    with pytest.raises(ValueError, match="n_train = 5000 is invalid"):
        data.subset(ds, 5000, None, rng=np.random.default_rng(0))
