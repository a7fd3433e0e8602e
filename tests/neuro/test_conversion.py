"""Conversion of weights to programmed conductances: open loop and write-verify."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from devices import PRESETS, Variability
from learning_rules.device_aware import device_states
from neuro.conversion import Programming, convert

RNG = np.random.default_rng(0)
W = [RNG.normal(0, 0.3, (60, 20)), RNG.normal(0, 0.6, (20, 5))]


def test_open_loop_on_a_noise_free_device_lands_on_the_nearest_state() -> None:
    dev = dataclasses.replace(PRESETS["ag-a-si"], variability=Variability())
    layers, rep = convert(W, dev, Programming(method="open-loop"), rng=np.random.default_rng(1))
    states = device_states(dev)
    d_g = dev.g_max - dev.g_min
    for layer, w, scale in zip(layers, W, rep.w_max, strict=True):
        assert scale == pytest.approx(np.max(np.abs(w)))
        for arr, part in ((layer.pos, np.maximum(w, 0)), (layer.neg, np.maximum(-w, 0))):
            target = dev.g_min + part / scale * d_g
            nearest = states[np.argmin(np.abs(target[..., None] - states), axis=-1)]
            np.testing.assert_allclose(arr.g, nearest, rtol=1e-9)
    assert rep.iterations == 0 and rep.pulses > 0 and rep.energy > 0


def test_write_verify_reaches_the_tolerance_on_a_noisy_device() -> None:
    dev = PRESETS["ag-a-si"]  # C2C 3.5% of the window per pulse
    open_layers, open_rep = convert(W, dev, Programming(method="open-loop"),
                                    rng=np.random.default_rng(2))
    layers, rep = convert(W, dev, Programming(method="write-verify", tolerance=0.01),
                          rng=np.random.default_rng(2))
    assert rep.within_tolerance >= 0.99 > open_rep.within_tolerance
    assert rep.rms_error < 0.25 * open_rep.rms_error
    assert rep.pulses > open_rep.pulses and rep.iterations >= 1
    for layer, w in zip(layers, W, strict=True):
        err = np.abs(layer.weights() - w) / np.max(np.abs(w))
        assert np.mean(err <= 0.02) >= 0.99  # a pair is within 2% of the layer's window


def test_weights_beyond_the_given_window_are_an_error() -> None:
    with pytest.raises(ValueError, match=r"weights\[0\] = .* is invalid: must lie within"):
        convert(W, PRESETS["epiram"], Programming(), rng=np.random.default_rng(0),
                w_max=[0.1, 1.0])
    with pytest.raises(ValueError, match=r"programming.tolerance = 0.0 is invalid"):
        Programming(tolerance=0.0)
