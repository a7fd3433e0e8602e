"""MIF neuron: the waveform of DESIGN.md 4, numpy == torch == Brian2, gradients, the network."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from devices import get_device
from devices.errors import ParameterError
from neuro.brian_mif import MIFEvaluator, simulate_brian
from neuro.conversion import Programming, convert
from neuro.mif import (
    MIFNet,
    MIFNetSpec,
    MIFParams,
    MIFState,
    mif_step,
    rest_state,
    simulate,
    train_mif,
)

P = MIFParams()


def _pulse(n: int = 600, amp: float = 8e-6, width: int = 100) -> np.ndarray:
    a = np.zeros((n, 1))
    a[:width] = amp
    return a


def test_waveform_spike_repolarisation_undershoot() -> None:
    v = simulate(_pulse(1500), P)[:, 0] * 1e3  # mV, 15 ms
    peak = int(np.argmax(v))
    assert 44.0 < v[peak] < 48.0  # ~46 mV spike
    assert 60 < peak < 100  # during the 1 ms pulse, after ~0.7-0.9 ms
    after = v[peak:]
    assert -14.0 < after.min() < -11.0  # ~12 mV undershoot
    # repolarisation: below zero within 2 ms of the peak, and the undershoot recovers
    assert np.argmax(after < 0.0) < 200
    assert after[-1] > after.min() + 1.0


def test_first_step_by_hand() -> None:
    s = mif_step(1e-5, MIFState(0.0, 0.0, P.x0, P.x0), P)
    i = 0.01 * 1e-5
    g = P.x0 / P.r_on + (1 - P.x0) / P.r_off
    v = (P.dt / P.c) * (i - g * (0 - P.e1) - g * (0 - P.e2))
    u1 = v - P.e1
    x1 = P.x0 + (P.dt / P.tau) * ((1 - P.x0) / (1 + np.exp((P.v_on - u1) / P.k))
                                  - P.x0 / (1 + np.exp((u1 - P.v_off) / P.k)))
    assert s.i == pytest.approx(i, rel=1e-15)
    assert s.v == pytest.approx(v, rel=1e-12)
    assert s.x1 == pytest.approx(x1, rel=1e-12)


def test_rest_state_is_a_fixed_point() -> None:
    r = rest_state(P)
    s = mif_step(0.0, r, P)
    assert abs(s.v - r.v) < 1e-12 and abs(s.x1 - r.x1) < 1e-12
    assert -8e-3 < r.v < -5e-3  # memristor 1 (E1 < 0) leaks more at rest


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_torch_matches_numpy(dtype) -> None:
    a = np.concatenate([_pulse(400), _pulse(400, amp=-5e-6, width=250),
                        np.linspace(0, 3e-5, 400)[:, None]], axis=1)
    ref = simulate(a, P)
    z = torch.zeros(3, dtype=dtype)
    s = MIFState(z, z + P.v0, z + P.x0, z + P.x0)
    out = []
    for t in range(len(a)):
        s = mif_step(torch.as_tensor(a[t], dtype=dtype), s, P)
        out.append(s.v)
    got = torch.stack(out).double().numpy()
    tol = 1e-12 if dtype == torch.float64 else 1e-2 * 0.046 * 0.01  # 0.01% of the spike
    assert np.abs(got - ref).max() < tol


def test_brian2_matches_torch_within_one_percent_of_the_spike() -> None:
    a = np.concatenate([_pulse(500), _pulse(500, amp=2e-5, width=30)], axis=1)
    v_b = simulate_brian(a, P)
    v_n = simulate(a, P)
    amplitude = v_n[:, 0].max() - v_n[:, 0].min()
    assert np.abs(v_b - v_n).max() < 0.01 * amplitude
    assert np.abs(v_b - v_n).max() < 1e-9  # in fact the same float64 arithmetic


def test_gradients_pass_finite_differences() -> None:
    """BPTT through the spike (no surrogate): autograd == central differences."""
    a0 = torch.tensor(_pulse(120, amp=9e-6, width=60)[:, 0], dtype=torch.float64)

    def peak(scale: torch.Tensor) -> torch.Tensor:
        s = MIFState(*(torch.zeros((), dtype=torch.float64) + z
                       for z in (0.0, P.v0, P.x0, P.x0)))
        total = torch.zeros((), dtype=torch.float64)
        for t in range(len(a0)):
            s = mif_step(a0[t] * scale, s, P)
            total = total + s.v * s.x1
        return total

    assert torch.autograd.gradcheck(peak, (torch.tensor([1.0], dtype=torch.float64,
                                                        requires_grad=True),),
                                    eps=1e-6, atol=1e-10, rtol=1e-4)


def test_network_weight_gradient_matches_finite_differences() -> None:
    spec = MIFNetSpec(sizes=(6, 4, 3), n_steps=4, substeps=3)
    model = MIFNet(spec, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    raster = (torch.rand(4, 5, 6, generator=torch.Generator().manual_seed(1)) < 0.6).double()
    target = torch.tensor([0, 1, 2, 1, 0])

    def loss() -> torch.Tensor:
        return torch.nn.functional.cross_entropy(model(raster)[0], target)

    value = loss()
    value.backward()
    for k, (i, j) in ((0, (2, 1)), (1, (3, 2))):
        w = model.weights[k]
        with torch.no_grad():
            w[i, j] += 1e-6
            up = loss()
            w[i, j] -= 2e-6
            down = loss()
            w[i, j] += 1e-6
        fd = float(up - down) / 2e-6
        assert w.grad[i, j].item() == pytest.approx(fd, rel=1e-5, abs=1e-9)
        assert abs(fd) > 1e-6  # the gradient is not trivially zero


@pytest.mark.parametrize("relay", ["rectified", "linear"])
def test_programmed_network_in_brian2_equals_torch(relay) -> None:
    spec = MIFNetSpec(sizes=(20, 8, 3), n_steps=6, substeps=3, i_scale=40e-6, relay=relay)
    model = MIFNet(spec, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    layers, _ = convert(model.numpy_weights(), get_device("epiram"),
                        Programming(method="open-loop"), rng=np.random.default_rng(0),
                        w_max=[1.0, 1.0])
    with torch.no_grad():  # torch reads the programmed (not the trained) weights
        for w, layer in zip(model.weights, layers, strict=True):
            w.copy_(torch.as_tensor(layer.weights()))
    rng = np.random.default_rng(2)
    raster = rng.random((6, 7, 20)) < rng.random((7, 20))
    logits, traces = model(torch.as_tensor(raster, dtype=torch.float64), record=True)
    below = traces[0] < model.rest.v - 1e-3  # hidden neurons pushed below rest: the relays differ
    assert 0.05 < float(below.double().mean()) < 0.95
    ev = MIFEvaluator(layers, spec, batch=3)  # 7 samples: chunks of 3, 3, 1
    res = ev.run(raster, labels=np.zeros(7, dtype=int))
    assert np.abs(res.logits - logits.detach().numpy()).max() < 1e-9
    assert np.abs(logits.detach().numpy()).max() > 0.05  # the inputs moved the outputs
    assert res.input_events == int(raster.sum()) * 8
    again = ev.run(raster)  # a second run continues in time and gives the same numbers
    assert np.array_equal(again.logits, res.logits)


@pytest.mark.parametrize("kwargs, field", [
    ({"dt": 20e-6}, "mif.dt"),
    ({"r_on": 2e5}, "mif.r_on"),
    ({"x0": 1.5}, "mif.x0"),
    ({"c": -1e-9}, "mif.c"),
])
def test_bad_neuron_parameters(kwargs, field) -> None:
    with pytest.raises(ParameterError, match=field):
        MIFParams(**kwargs)


@pytest.mark.parametrize("kwargs, field", [
    ({"substeps": 0}, "substeps"),
    ({"i_scale": 0.0}, "i_scale"),
    ({"sizes": (5,)}, "sizes"),
    ({"relay": "diode"}, "relay"),
])
def test_bad_network_parameters(kwargs, field) -> None:
    with pytest.raises(ParameterError, match=field):
        MIFNetSpec(**{"sizes": (5, 3), **kwargs})


def test_bad_training_parameters() -> None:
    model = MIFNet(MIFNetSpec(sizes=(4, 2)), generator=torch.Generator().manual_seed(0))
    x, y = np.zeros((3, 4)), np.zeros(3, dtype=int)
    for kwargs, field in (({"lr_decay": 0.0}, "lr_decay"), ({"lr_decay": 1.5}, "lr_decay"),
                          ({"lr": -1e-3}, "lr")):
        args = {"epochs": 1, "batch": 2, "lr": 1e-3, "generator": torch.Generator(), **kwargs}
        with pytest.raises(ParameterError, match=field):
            train_mif(model, x, y, **args)
