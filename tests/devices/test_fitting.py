"""Fitting recovers known parameters from synthetic noisy pulse-response data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from devices import PRESETS, DeviceArray, SoftBoundsResponse, Variability
from devices.fitting import PulseData, fit, read_pulse_csv


def measure(device, *, seed: int) -> PulseData:
    """One LTP sweep from G_min and one LTD sweep from G_max, with the device's C2C noise."""
    rng = np.random.default_rng(seed)
    out = {}
    for way, g0, sign, n in (("ltp", "min", 1, device.response.levels_ltp),
                             ("ltd", "max", -1, device.response.levels_ltd)):
        arr = DeviceArray(device, (1,), rng=rng, g0=g0)
        g = [arr.g[0]]
        for _ in range(n):
            g.append(arr.apply_pulses(np.array([sign]), rng=rng)[0])
        out[f"g_{way}"] = np.array(g)
    return PulseData(**out)


def test_neurosim_fit_recovers_the_ag_a_si_curves() -> None:
    true = dataclasses.replace(PRESETS["ag-a-si"], variability=Variability(c2c=0.005))
    result = fit(measure(true, seed=0), "neurosim")
    r = result.response
    assert r.nl_ltp == pytest.approx(2.40, abs=0.15)
    assert r.nl_ltd == pytest.approx(-4.88, abs=0.25)
    assert r.g_min == pytest.approx(true.g_min, rel=0.05)
    assert r.g_max == pytest.approx(true.g_max, rel=0.03)
    assert (r.levels_ltp, r.levels_ltd) == (97, 100)
    assert result.c2c == pytest.approx(0.005, rel=0.25)
    assert result.rms_error < 0.03


def test_noise_free_fit_is_exact() -> None:
    true = dataclasses.replace(PRESETS["epiram"], variability=Variability())
    result = fit(measure(true, seed=0), "neurosim")
    assert result.response.nl_ltp == pytest.approx(0.5, abs=1e-4)
    assert result.response.nl_ltd == pytest.approx(-0.5, abs=1e-4)
    assert result.rms_error < 1e-6 and result.c2c < 1e-6


def test_softbounds_fit_recovers_beta() -> None:
    resp = SoftBoundsResponse(g_min=1e-6, g_max=5e-6, levels=60, beta_ltp=3.0, beta_ltd=1.5)
    true = dataclasses.replace(PRESETS["epiram"], response=resp,
                               variability=Variability(c2c=0.003))
    rng = np.random.default_rng(3)
    branches = {}
    for way, g0, sign in (("ltp", "min", 1), ("ltd", "max", -1)):
        arr = DeviceArray(true, (1,), rng=rng, g0=g0)
        branches[f"g_{way}"] = np.array(
            [arr.g[0]] + [arr.apply_pulses(np.array([sign]), rng=rng)[0] for _ in range(60)])
    result = fit(PulseData(**branches), "softbounds")
    assert result.response.beta_ltp == pytest.approx(3.0, abs=0.3)
    assert result.response.beta_ltd == pytest.approx(1.5, abs=0.3)
    assert result.response.g_max == pytest.approx(5e-6, rel=0.03)


def test_csv_reader_and_its_errors(tmp_path) -> None:
    f = tmp_path / "m.csv"
    f.write_text("pulse,conductance,direction\n2,3e-6,ltp\n0,1e-6,ltp\n1,2e-6,ltp\n"
                 "0,3e-6,LTD\n1,2e-6,ltd\n2,1.5e-6,ltd\n")
    data = read_pulse_csv(f)
    np.testing.assert_allclose(data.g_ltp, [1e-6, 2e-6, 3e-6])
    np.testing.assert_allclose(data.g_ltd, [3e-6, 2e-6, 1.5e-6])
    f.write_text("0,1e-6,up\n")
    with pytest.raises(ValueError, match=r"m.csv:1: direction = 'up' is invalid"):
        read_pulse_csv(f)
    f.write_text("0,1e-6,ltp\n1,x,ltp\n")
    with pytest.raises(ValueError, match=r"m.csv:2: pulse and conductance must be numbers"):
        read_pulse_csv(f)
