"""Pulse-response families: golden values from the defining equations, invariants, backends."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from devices import (
    PRESETS,
    LinearResponse,
    NeuroSimResponse,
    SoftBoundsResponse,
    TableResponse,
    Variability,
    step,
)
from devices.nonlinearity import a_from_nl

NO_VAR = Variability()


def params(response, shape=()):
    return response.parameters(shape, NO_VAR, rng=np.random.default_rng(0))


def sweep(response, n: int, start: float, sign: int) -> np.ndarray:
    """Conductance after each of n single pulses."""
    p = params(response, (1,))
    g = np.array([start])
    out = []
    for _ in range(n):
        g = step(response, g, np.array([float(sign)]), p)
        out.append(g[0])
    return np.array(out)


RESPONSES = {
    "ag-a-si": PRESETS["ag-a-si"].response,
    "gst (positive LTD NL)": PRESETS["gst"].response,
    "hzo-fefet": PRESETS["hzo-fefet"].response,
    "neurosim NL 0 (linear limit)": NeuroSimResponse(g_min=1e-6, g_max=2e-6, levels_ltp=30,
                                                     levels_ltd=40, nl_ltp=0.0, nl_ltd=0.0),
    "neurosim NL 9": NeuroSimResponse(g_min=0.0, g_max=1e-6, levels_ltp=50, levels_ltd=50,
                                      nl_ltp=9.0, nl_ltd=-9.0),
    "softbounds": SoftBoundsResponse(g_min=1e-7, g_max=1e-5, levels=80, beta_ltp=3.0,
                                     beta_ltd=1.0),
    "softbounds beta 0": SoftBoundsResponse(g_min=1e-7, g_max=1e-5, levels=80, beta_ltp=0.0,
                                            beta_ltd=0.0),
    "linear": LinearResponse(g_min=1e-6, g_max=1.8e-6, levels=26),
    "table": TableResponse(g_ltp=(1.0e-6, 1.5e-6, 1.8e-6, 1.9e-6, 2.0e-6),
                           g_ltd=(2.0e-6, 1.4e-6, 1.1e-6, 1.0e-6)),
}


def n_levels(r, way: str) -> int:
    if isinstance(r, LinearResponse):
        return r.levels - 1
    if isinstance(r, SoftBoundsResponse):
        return r.levels
    return getattr(r, f"levels_{way}")


@pytest.mark.parametrize("name", RESPONSES)
def test_curves_monotone_bounded_and_reach_the_bounds(name: str) -> None:
    r = RESPONSES[name]
    # Monotone (non-strictly: at NL 9 the late steps fall below double precision), bounded.
    up = sweep(r, n_levels(r, "ltp"), r.g_min, +1)
    assert np.all(np.diff(up) >= 0) and up.min() > r.g_min and up.max() <= r.g_max
    assert up[-1] == pytest.approx(r.g_max, rel=1e-9)
    down = sweep(r, n_levels(r, "ltd"), r.g_max, -1)
    assert np.all(np.diff(down) <= 0) and down.max() < r.g_max and down.min() >= r.g_min
    assert down[-1] == pytest.approx(r.g_min, rel=1e-9, abs=1e-9 * r.g_max)
    # More pulses than the window holds saturate at the bound (no overshoot, no NaN).
    p = params(r, (2,))
    g = step(r, np.array([r.g_min, r.g_max]), np.array([1e6, -1e6]), p)
    np.testing.assert_allclose(g, [r.g_max, r.g_min], rtol=1e-12, atol=1e-12 * r.g_max)


@pytest.mark.parametrize("preset", ["ag-a-si", "pcmo", "alox-hfo2", "gst", "taox-hfox"])
def test_neurosim_closed_form_equals_the_definition(preset: str) -> None:
    """G(P(G) + n) from DESIGN.md 2.1 (position, then curve), computed independently."""
    r = PRESETS[preset].response
    rng = np.random.default_rng(1)
    g = rng.uniform(r.g_min, r.g_max, 2000)
    n = rng.integers(-2 * r.levels_ltd, 2 * r.levels_ltp, 2000).astype(float)
    expected = np.empty_like(g)
    for way, sel in (("ltp", n > 0), ("ltd", n <= 0)):
        p_max = getattr(r, f"levels_{way}")
        a = a_from_nl(getattr(r, f"nl_{way}")) * p_max
        b = (r.g_max - r.g_min) / (1 - np.exp(-p_max / a))
        pos = -a * np.log(1 - (g[sel] - r.g_min) / b)
        expected[sel] = np.clip(b * (1 - np.exp(-(pos + n[sel]) / a)) + r.g_min, r.g_min,
                                r.g_max)
    got = step(r, g, n, params(r, g.shape))
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-13 * r.g_max)


@pytest.mark.parametrize("name", ["ag-a-si", "gst (positive LTD NL)", "softbounds", "linear",
                                  "table"])
def test_a_train_equals_single_pulses(name: str) -> None:
    r = RESPONSES[name]
    p = params(r, (3,))
    g0 = np.array([r.g_min, 0.5 * (r.g_min + r.g_max), r.g_max])
    for n in (3, -2):
        once = step(r, g0, np.full(3, float(n)), p)
        g = g0.copy()
        for _ in range(abs(n)):
            g = step(r, g, np.full(3, float(np.sign(n))), p)
        np.testing.assert_allclose(once, g, rtol=1e-12, atol=1e-18)


def test_softbounds_single_pulse_is_the_design_formula() -> None:
    r = RESPONSES["softbounds"]
    dg = r.g_max - r.g_min
    t_max, dt = 1.0, 1.0 / r.levels
    g = np.linspace(r.g_min, r.g_max, 11)
    for beta, sign, dist in ((r.beta_ltp, 1, g - r.g_min), (r.beta_ltd, -1, r.g_max - g)):
        c = dg / t_max * (np.exp(beta) - 1) / beta
        expected = g + sign * dg / beta * np.log(1 + beta / dg * c * dt * np.exp(-beta * dist / dg))
        got = step(r, g, np.full(11, float(sign)), params(r, g.shape))
        np.testing.assert_allclose(got, np.clip(expected, r.g_min, r.g_max), rtol=1e-12)


def test_linear_steps_are_one_level_and_table_hits_measured_points() -> None:
    r = RESPONSES["linear"]
    up = sweep(r, 25, r.g_min, 1)
    np.testing.assert_allclose(np.diff(np.r_[r.g_min, up]), 0.8e-6 / 25, rtol=1e-9)
    t = RESPONSES["table"]
    np.testing.assert_allclose(sweep(t, 4, t.g_min, 1), t.g_ltp[1:], rtol=1e-12)
    np.testing.assert_allclose(sweep(t, 3, t.g_max, -1), t.g_ltd[1:], rtol=1e-12)
    # Between measured points: linear interpolation of the position.
    half = step(t, np.array([1.25e-6]), np.array([1.0]), params(t, (1,)))
    assert half[0] == pytest.approx(1.65e-6, rel=1e-12)


@pytest.mark.parametrize("name", [k for k in RESPONSES if k != "table"])
@pytest.mark.parametrize("dtype, rtol", [(torch.float64, 1e-12), (torch.float32, 1e-5)])
def test_numpy_and_torch_agree(name: str, dtype, rtol: float) -> None:
    r = RESPONSES[name]
    rng = np.random.default_rng(2)
    g = rng.uniform(r.g_min, r.g_max, 500)
    n = rng.integers(-30, 31, 500).astype(float)
    p = params(r, g.shape)
    expected = step(r, g, n, p)
    tp = {k: torch.as_tensor(v, dtype=dtype) if np.ndim(v) else v for k, v in p.items()}
    got = step(r, torch.as_tensor(g, dtype=dtype), torch.as_tensor(n, dtype=dtype), tp)
    assert got.dtype == dtype
    np.testing.assert_allclose(got.numpy(), expected, rtol=max(rtol, 1e-6) if dtype ==
                               torch.float32 else 1e-6, atol=rtol * r.g_max)


def test_table_refuses_torch() -> None:
    t = RESPONSES["table"]
    with pytest.raises(ValueError, match="table.*torch"):
        step(t, torch.zeros(2), torch.ones(2), params(t, (2,)))
