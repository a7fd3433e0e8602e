"""I-V models, reads, quantisation, pulse rounding; numpy == torch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from devices import (
    LinearIV,
    NeuroSimIV,
    PooleFrenkelIV,
    SinhIV,
    iv_factor,
    pulse_count,
    quantize,
    read_current,
)
from devices.iv import EPS_0, K_B, Q_E

IVS = [LinearIV(), NeuroSimIV(nl_iv=10.0, v_read=0.5, v_write=2.0), SinhIV(k=3.0),
       PooleFrenkelIV(thickness=10e-9, eps_r=8.0, temperature=300.0, v_ref=0.2)]


def test_iv_models_match_their_equations() -> None:
    v = np.linspace(-1.0, 1.0, 41)
    lin, ns, sh, pf = IVS
    np.testing.assert_allclose(iv_factor(lin, v), v)
    # NeuroSim: I(V_r) = G V_r and I(V_w) / I(V_w/2) = NL_IV.
    assert iv_factor(ns, np.array(0.5)) == pytest.approx(0.5)
    assert iv_factor(ns, np.array(2.0)) / iv_factor(ns, np.array(1.0)) == pytest.approx(10.0)
    assert iv_factor(ns, np.array(0.0)) == 0.0
    np.testing.assert_allclose(iv_factor(ns, -v), -iv_factor(ns, v))
    np.testing.assert_allclose(iv_factor(sh, v), np.sinh(3 * v) / 3)
    # Poole-Frenkel, written out from the physics: I = c V exp(q sqrt(q V / (pi d eps)) / kT).
    eps = EPS_0 * 8.0
    def pf_current(x):
        return np.sign(x) * np.abs(x) * np.exp(
            Q_E * np.sqrt(Q_E * np.abs(x) / (math.pi * 10e-9 * eps)) / (K_B * 300.0))
    c = 0.2 / pf_current(0.2)  # I(V_ref) = G V_ref with G = 1
    np.testing.assert_allclose(iv_factor(pf, v), c * pf_current(v), rtol=1e-12)


@pytest.mark.parametrize("iv", IVS, ids=lambda m: m.kind)
def test_iv_numpy_torch_agree_and_differentiate(iv) -> None:
    v = np.linspace(-0.9, 0.9, 19)
    g = np.linspace(1e-6, 2e-6, 19)
    tv = torch.tensor(v, requires_grad=True)
    i = read_current(torch.tensor(g), tv, iv)
    np.testing.assert_allclose(i.detach().numpy(), read_current(g, v, iv), rtol=1e-12)
    i.sum().backward()
    # dI/dV by finite differences on the numpy twin.
    h = 1e-6
    fd = (read_current(g, v + h, iv) - read_current(g, v - h, iv)) / (2 * h)
    mask = np.abs(v) > 2 * h  # the NeuroSim form has a step at V = 0
    np.testing.assert_allclose(tv.grad.numpy()[mask], fd[mask], rtol=1e-5)


def test_read_noise_statistics_and_backends() -> None:
    g = np.full(200_000, 2e-6)
    i = read_current(g, 0.5, LinearIV(), read_noise=0.05, rng=np.random.default_rng(0))
    assert i.mean() == pytest.approx(1e-6, rel=5 * 0.05 / np.sqrt(2e5))
    assert i.std() / 1e-6 == pytest.approx(0.05, rel=0.01)
    ti = read_current(torch.tensor(g), 0.5, LinearIV(), read_noise=0.05,
                      rng=torch.Generator().manual_seed(0))
    assert float(ti.std()) / 1e-6 == pytest.approx(0.05, rel=0.01)
    with pytest.raises(ValueError, match="rng = None is invalid"):
        read_current(g, 0.5, LinearIV(), read_noise=0.05)


def test_quantize_nearest_level_both_backends() -> None:
    g = np.array([0.0, 0.12, 0.126, 0.5, 0.99, 1.2, -0.1]) * 1e-6
    q = quantize(g, 5, 0.0, 1e-6)  # levels 0, .25, .5, .75, 1 uS
    np.testing.assert_allclose(q, np.array([0.0, 0.0, 0.25, 0.5, 1.0, 1.0, 0.0]) * 1e-6)
    np.testing.assert_allclose(quantize(torch.tensor(g), 5, 0.0, 1e-6).numpy(), q)


def test_pulse_count_modes() -> None:
    x = np.array([-2.5, -0.49, 0.5, 1.49, 3.0])
    assert pulse_count(x).tolist() == [-3, 0, 1, 1, 3]
    assert pulse_count(x, mode="truncate").tolist() == [-2, 0, 0, 1, 3]
    draws = pulse_count(np.full(100_000, 0.3), mode="stochastic", rng=np.random.default_rng(0))
    assert set(np.unique(draws)) == {0, 1}
    assert draws.mean() == pytest.approx(0.3, abs=5 * np.sqrt(0.21 / 1e5))
    neg = pulse_count(np.full(100_000, -1.25), mode="stochastic", rng=np.random.default_rng(1))
    assert neg.mean() == pytest.approx(-1.25, abs=0.01) and set(np.unique(neg)) == {-2, -1}
    with pytest.raises(ValueError, match="rounding = 'up' is invalid"):
        pulse_count(x, mode="up")


def test_saturating_cells_are_state_dependent() -> None:
    from devices import SaturatingIV, cell_current, is_state_dependent

    iv = SaturatingIV(i_sat=2e-6)
    g = np.array([1e-7, 1e-6, 1e-5])
    v = 0.5
    expected = g * v / (1 + g * v / 2e-6)
    np.testing.assert_allclose(cell_current(iv, g, v), expected, rtol=1e-12)
    np.testing.assert_allclose(cell_current(iv, torch.tensor(g), v).numpy(), expected,
                               rtol=1e-12)
    assert is_state_dependent(iv) and not is_state_dependent(SinhIV(k=1.0))
    # Compression: at 1e-5 S the current is 2/7 of ohmic, at 1e-7 S it is 97.6% of ohmic.
    assert expected[2] / (g[2] * v) == pytest.approx(2 / 7)
    with pytest.raises(ValueError, match="iv.kind = 'saturating' is invalid: is state-dependent"):
        iv_factor(iv, np.array(0.5))
    np.testing.assert_allclose(cell_current(SinhIV(k=2.0), g, np.array(v)),
                               g * np.sinh(2.0 * v) / 2.0, rtol=1e-12)
