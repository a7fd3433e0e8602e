"""DeviceArray: noise statistics, D2D, stuck devices, drift, accounting, sparse updates."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from devices import PRESETS, DeviceArray, Drift, LinearResponse, Variability, step


def with_var(name: str, **var) -> object:
    return dataclasses.replace(PRESETS[name], variability=Variability(**var))


def test_c2c_mean_and_sigma_match_the_formula() -> None:
    dev = dataclasses.replace(
        PRESETS["pcmo-babu"], response=LinearResponse(g_min=0.0, g_max=1e-5, levels=101),
        variability=Variability(c2c=0.01))
    n_dev, n = 200_000, 9
    arr = DeviceArray(dev, (n_dev,), rng=np.random.default_rng(0), g0="mid")
    g0 = arr.g.copy()
    arr.apply_pulses(np.full(n_dev, n), rng=np.random.default_rng(1))
    dg = arr.g - g0
    sigma = 0.01 * 1e-5 * np.sqrt(n)  # c2c (G_max - G_min) sqrt(|n|); far from the bounds
    assert abs(dg.mean() - n * 1e-7) < 5 * sigma / np.sqrt(n_dev)
    assert dg.std() == pytest.approx(sigma, rel=5 * np.sqrt(0.5 / n_dev))
    # Devices not written get no noise.
    arr2 = DeviceArray(dev, (1000,), rng=np.random.default_rng(0), g0="mid")
    arr2.apply_pulses(np.zeros(1000, int), rng=np.random.default_rng(1))
    np.testing.assert_array_equal(arr2.g, 5e-6)


@pytest.mark.parametrize("dist", ["normal", "lognormal"])
def test_d2d_spread_statistics(dist: str) -> None:
    dev = with_var("epiram", d2d_g_max=0.1, d2d_g_min=0.05, d2d_step=0.2, d2d_nl=0.1,
                   d2d_distribution=dist)
    arr = DeviceArray(dev, (100_000,), rng=np.random.default_rng(3))
    for key, nominal, sigma in (("g_max", 12.35e-6, 0.1), ("g_min", 0.246e-6, 0.05)):
        f = arr.params[key] / nominal
        assert f.mean() == pytest.approx(1.0, abs=5 * sigma / np.sqrt(1e5))
        assert f.std() == pytest.approx(sigma, rel=0.03)
    # Step spread: a device whose step is larger needs fewer pulses to cross its window.
    assert (1.0 / arr.params["p_ltp"] * 64).std() == pytest.approx(0.2, rel=0.03)
    assert np.all(arr.params["g_min"] < arr.params["g_max"])
    # Same seed, same devices; another seed, other devices.
    again = DeviceArray(dev, (100_000,), rng=np.random.default_rng(3))
    np.testing.assert_array_equal(again.params["c_ltp"], arr.params["c_ltp"])
    other = DeviceArray(dev, (100_000,), rng=np.random.default_rng(4))
    assert not np.array_equal(other.params["c_ltp"], arr.params["c_ltp"])


def test_stuck_devices_stay_put_and_fractions_match() -> None:
    dev = with_var("epiram", stuck_off=0.1, stuck_on=0.05)
    arr = DeviceArray(dev, (100_000,), rng=np.random.default_rng(0), g0="mid")
    off, on = arr.stuck == -1, arr.stuck == 1
    assert off.mean() == pytest.approx(0.1, abs=0.005) and on.mean() == pytest.approx(0.05,
                                                                                      abs=0.004)
    assert np.all(arr.g[off] == dev.g_min) and np.all(arr.g[on] == dev.g_max)
    arr.apply_pulses(np.where(off, 5, -5), rng=None)
    assert np.all(arr.g[off] == dev.g_min) and np.all(arr.g[on] == dev.g_max)
    free = arr.stuck == 0
    assert np.all(arr.g[free] < 0.5 * (dev.g_min + dev.g_max))


def test_drift_power_law_from_each_devices_programming_time() -> None:
    dev = dataclasses.replace(PRESETS["pcm-drift"], variability=Variability(),
                              drift=Drift(nu=0.08, nu_sigma=0.0, t0=20.0))
    arr = DeviceArray(dev, (3,), rng=np.random.default_rng(0), g0="mid")
    g_prog = arr.g.copy()
    for t in (1.0, 20.0, 3600.0, 86400.0 * 365):
        expected = g_prog * max(t / 20.0, 1.0) ** -0.08
        np.testing.assert_allclose(arr.conductance(t), expected, rtol=1e-14)
    # Reprogram device 1 at t = 1000 s: it drifts from then on, the others from t = 0.
    arr.apply_pulses(np.array([0, 2, 0]), rng=None, t=1000.0)
    assert arr.t_prog.tolist() == [0.0, 1000.0, 0.0]
    g1 = arr.g[1]
    assert g1 == pytest.approx(float(step(dev.response, np.array([g_prog[1] * 50**-0.08]),
                                          np.array([2.0]), arr.params)[0]), rel=1e-12)
    c = arr.conductance(1000.0 + 2000.0)
    assert c[1] == pytest.approx(g1 * 100**-0.08, rel=1e-12)
    assert c[0] == pytest.approx(g_prog[0] * 150**-0.08, rel=1e-12)


def test_drift_exponent_spread() -> None:
    dev = dataclasses.replace(PRESETS["pcm-drift"], drift=Drift(nu=0.05, nu_sigma=0.02))
    arr = DeviceArray(dev, (200_000,), rng=np.random.default_rng(0))
    assert np.all(arr.nu >= 0)
    # Truncation at 0 sits 2.5 sigma below the mean: the moments move by < 1%.
    assert arr.nu.mean() == pytest.approx(0.05, rel=0.02)
    assert arr.nu.std() == pytest.approx(0.02, rel=0.03)


def test_accounting_of_pulses_energy_and_time() -> None:
    dev = dataclasses.replace(PRESETS["ideal"], response=LinearResponse(g_min=1e-6, g_max=2e-6,
                                                                        levels=11))
    arr = DeviceArray(dev, (3,), rng=np.random.default_rng(0), g0="min")
    arr.apply_pulses(np.array([4, 0, 2]), rng=None)
    arr.apply_pulses(np.array([-1, 3, 0]), rng=None)
    assert arr.n_ltp.tolist() == [4, 3, 2] and arr.n_ltd.tolist() == [1, 0, 0]
    assert arr.pulses == 10
    # Linear device: the trapezoid is exact. 4 pulses 1.0 -> 1.4 uS, 2 pulses 1.0 -> 1.2 uS,
    # 1 pulse 1.4 -> 1.3 uS, 3 pulses 1.0 -> 1.3 uS; each pulse V^2 t G with V = 2 V, t = 10 ns.
    e = 4 * 1e-8 * (4 * 1.2e-6 + 2 * 1.1e-6 + 1 * 1.35e-6 + 3 * 1.15e-6)
    assert arr.write_energy == pytest.approx(e, rel=1e-12)
    assert arr.write_time == pytest.approx(10 * 10e-9, rel=1e-12)


def test_sparse_update_equals_dense_update() -> None:
    dev = with_var("ag-a-si", c2c=0.0, d2d_nl=0.1, d2d_g_max=0.05)
    dense = DeviceArray(dev, (40, 30), rng=np.random.default_rng(5), g0="mid")
    sparse = DeviceArray(dev, (40, 30), rng=np.random.default_rng(5), g0="mid")
    rng = np.random.default_rng(6)
    for _ in range(5):
        n = rng.integers(-3, 4, (40, 30)) * (rng.random((40, 30)) < 0.1)
        dense.apply_pulses(n, rng=None)
        idx = np.nonzero(n)
        sparse.apply_pulses(n[idx], idx=idx, rng=None)
    np.testing.assert_array_equal(sparse.g, dense.g)
    np.testing.assert_array_equal(sparse.n_ltd, dense.n_ltd)
    assert sparse.write_energy == pytest.approx(dense.write_energy, rel=1e-12)


def test_same_seed_same_numbers_with_noise() -> None:
    dev = PRESETS["ag-a-si"]
    out = []
    for _ in range(2):
        arr = DeviceArray(dev, (100,), rng=np.random.default_rng(0), g0="mid")
        rng = np.random.default_rng(9)
        for _ in range(5):
            arr.apply_pulses(rng.integers(-4, 5, 100), rng=rng)
        out.append(arr.g.copy())
    np.testing.assert_array_equal(out[0], out[1])


def test_bad_calls_are_clear() -> None:
    arr = DeviceArray(PRESETS["ag-a-si"], (4,), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"rng = None is invalid: this device has cycle-to-cycle"):
        arr.apply_pulses(np.ones(4, int), rng=None)
    with pytest.raises(ValueError, match=r"n_pulses.shape = \(3,\) is invalid"):
        arr.apply_pulses(np.ones(3, int), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="g0 = 'values outside the device window'"):
        DeviceArray(PRESETS["ag-a-si"], (2,), rng=np.random.default_rng(0), g0=1.0)
