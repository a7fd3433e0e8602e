"""snnTorch networks: training learns, weights stay in the window, transforms are seen."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neuro import data
from neuro.lif import LIFParams, reference_counts
from neuro.snn import SNN, SNNSpec, evaluate_snn, train_snn


@pytest.fixture(scope="module")
def small():
    ds = data.flatten(data.scale01(data.load("mnist-5k")))
    return ds.x_train, ds.y_train, ds.x_test, ds.y_test


def test_training_learns_and_respects_the_window(small) -> None:
    x, y, xt, yt = small
    gen = torch.Generator().manual_seed(0)
    model = SNN(SNNSpec(sizes=(784, 64, 10), n_steps=15), generator=gen)
    before = evaluate_snn(model, xt, yt, generator=gen)
    hist = train_snn(model, x, y, epochs=2, batch=32, lr=3e-3, generator=gen, clip_weights=0.5,
                     evaluate=lambda: evaluate_snn(model, xt, yt, generator=gen))
    assert hist["loss"][1] < hist["loss"][0]
    assert hist["test_accuracy"][-1] > max(0.8, before + 0.5)
    assert all(float(w.abs().max()) <= 0.5 for w in model.weights)


def test_forward_is_the_lif_reference(small) -> None:
    x, *_ = small
    gen = torch.Generator().manual_seed(1)
    lif = LIFParams(tau=15e-3, dt=1e-3, threshold=0.8)
    model = SNN(SNNSpec(sizes=(784, 20, 10), lif=lif, n_steps=12, init_scale=3.0),
                generator=gen).double()
    raster = (np.random.default_rng(0).random((12, 16, 784)) < x[:16]).astype(np.float64)
    spk, _ = model(torch.tensor(raster))
    expected = reference_counts(model.numpy_weights(), raster.astype(bool), lif)[-1]
    np.testing.assert_array_equal(spk.sum(0).detach().numpy().astype(int), expected)


def test_weight_transform_is_what_the_forward_pass_sees() -> None:
    gen = torch.Generator().manual_seed(2)
    seen = []

    def halve(k, w):
        seen.append(k)
        return 0.5 * w

    model = SNN(SNNSpec(sizes=(8, 4, 2), n_steps=3), generator=gen, weight_transform=halve)
    ws = model.seen_weights()
    assert seen == [0, 1]
    torch.testing.assert_close(ws[0], 0.5 * model.weights[0])
