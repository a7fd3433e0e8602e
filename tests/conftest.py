"""Shared test set-up: Brian2's numpy target, an isolated user cache, the data directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    # Unit tests use Brian2's numpy target: nothing to compile. Compiled targets have their own
    # tests, marked `compiled`, which set the target themselves.
    try:
        import brian2
    except ImportError:  # pragma: no cover
        return
    brian2.prefs.codegen.target = "numpy"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test sees an empty user cache, so nothing is read from or written to ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


def _shared_mnist() -> Path | None:
    env = os.environ.get("NEURO_DATA_DIR")
    for d in ([Path(env) / "mnist"] if env else []) + [REPO.parent / "shared" / "data" / "mnist"]:
        if any((d / name).is_file() for name in ("train-images-idx3-ubyte.gz",
                                                 "train-images-idx3-ubyte")):
            return d
    return None


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """Directory with the full MNIST IDX files; the test is skipped when there is none."""
    d = _shared_mnist()
    if d is None:
        pytest.skip("full MNIST not available (set NEURO_DATA_DIR)")
    return d
