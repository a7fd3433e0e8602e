from __future__ import annotations

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
