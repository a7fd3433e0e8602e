"""Crossbar reads and writes: exact products, I-V, noise statistics, converters, pulse mapping."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from devices import PRESETS, LinearResponse, SinhIV, Variability
from neuro.crossbar import Crossbar, CrossbarSpec

IDEAL = PRESETS["ideal"]


def linear_device(levels=65536, c2c=0.0, read_noise=0.0, g_min=1e-6, iv=None):
    d = dataclasses.replace(IDEAL, response=LinearResponse(g_min=g_min, g_max=11e-6,
                                                           levels=levels),
                            variability=Variability(c2c=c2c, read_noise=read_noise))
    return d if iv is None else dataclasses.replace(d, iv=iv)


@pytest.mark.parametrize("mapping", ["reference", "pair"])
def test_ohmic_noise_free_reads_are_exact_products(mapping: str) -> None:
    rng = np.random.default_rng(0)
    xbar = Crossbar(linear_device(), (30, 7), CrossbarSpec(mapping=mapping, w_max=0.8), rng=rng)
    w = rng.uniform(-0.8, 0.8, (30, 7))
    xbar.program(w)
    np.testing.assert_allclose(xbar.weights, w, rtol=1e-12, atol=1e-15)
    x = rng.uniform(-3, 3, (5, 30))  # beyond [0, 1]: inputs are scaled to the read voltage
    np.testing.assert_allclose(xbar.forward(x), x @ w, rtol=1e-10, atol=1e-12)
    d = rng.normal(size=(4, 7))
    np.testing.assert_allclose(xbar.backward(d), d @ w.T, rtol=1e-10, atol=1e-12)


def test_iv_nonlinearity_bends_the_product() -> None:
    rng = np.random.default_rng(1)
    dev = linear_device(iv=SinhIV(k=4.0))
    xbar = Crossbar(dev, (20, 3), CrossbarSpec(w_max=1.0), rng=rng)
    w = rng.uniform(-1, 1, (20, 3))
    xbar.program(w)
    x = rng.uniform(0, 1, (6, 20))
    f = lambda v: np.sinh(4.0 * v) / 4.0  # noqa: E731
    s = np.maximum(1.0, np.abs(x).max(axis=1, keepdims=True))
    expected = s * (f(x / s * dev.v_read) @ w) / dev.v_read  # the periphery assumes I = G V
    np.testing.assert_allclose(xbar.forward(x), expected, rtol=1e-10)
    assert not np.allclose(xbar.forward(x), x @ w, rtol=1e-2)  # the bend is real
    off = Crossbar(dev, (20, 3), CrossbarSpec(w_max=1.0, iv_nonlinearity=False), rng=rng)
    off.program(w)
    np.testing.assert_allclose(off.forward(x), x @ w, rtol=1e-10)


def test_read_noise_has_the_per_device_variance() -> None:
    rng = np.random.default_rng(2)
    xbar = Crossbar(linear_device(read_noise=0.05), (50, 2), CrossbarSpec(w_max=1.0), rng=rng)
    w = rng.uniform(-1, 1, (50, 2))
    xbar.program(w)
    x = np.tile(rng.uniform(0, 1, (1, 50)), (40_000, 1))
    y = xbar.forward(x, rng=rng)
    # Per device I = V G (1 + 0.05 xi); in weight units the column sum has
    # sigma = 0.05 * 2 w_max / dG * sqrt(sum_i x_i^2 G_i^2) (the reference is noise-free).
    g = xbar.devices[0].g
    sigma = 0.05 * 2 / 10e-6 * np.sqrt((x[0] ** 2) @ (g**2))
    z = (y.mean(axis=0) - x[0] @ w) / (sigma / np.sqrt(4e4))
    assert np.all(np.abs(z) < 5)
    np.testing.assert_allclose(y.std(axis=0), sigma, rtol=0.02)
    with pytest.raises(ValueError, match="rng = None is invalid: this device has read noise"):
        xbar.forward(x[:1])


def test_adc_and_dac_quantise_and_count_saturation() -> None:
    rng = np.random.default_rng(3)
    xbar = Crossbar(linear_device(), (4, 1), CrossbarSpec(w_max=1.0, adc_bits=3, adc_range=2.0,
                                                          dac_bits=1), rng=rng)
    xbar.program(np.array([[1.0], [1.0], [0.5], [-0.25]]))
    # 1-bit DAC: inputs 0.6 -> 1, 0.4 -> 0; sum = 1 + 0 + 0.5 = 1.5 -> 3-bit ADC (7 levels over
    # [-2, 2], step 4/7): 1.5 -> 1.714; x = 1 everywhere: 2.25 saturates at 2.
    y = xbar.forward(np.array([[0.6, 0.4, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0]]))
    np.testing.assert_allclose(y[:, 0], [3 * 4 / 7, 2.0], rtol=1e-12)
    assert xbar.adc_saturated == 1 and xbar.adc_outputs == 2


def test_full_scale_adc_default() -> None:
    xbar = Crossbar(linear_device(), (400, 1), CrossbarSpec(w_max=0.5, adc_bits=8),
                    rng=np.random.default_rng(0))
    xbar.program(np.full((400, 1), 0.001))
    # NeuroSim's 8-bit ADC over the array's full scale, 400 * 0.5: 255 levels, step 400/255
    # (NeuroSim: partial-sum maximum 400 over 2^8 - 1 digits).
    y = xbar.forward(np.ones((1, 400)))  # 0.4 -> 0
    assert y[0, 0] == 0.0
    xbar.program(np.full((400, 1), 0.003))  # 1.2 -> one step
    assert xbar.forward(np.ones((1, 400)))[0, 0] == pytest.approx(400 / 255)


@pytest.mark.parametrize("mapping, update", [("reference", "push-pull"), ("pair", "push-pull"),
                                             ("pair", "ltp-only")])
def test_pulses_change_weights_by_dw_min(mapping: str, update: str) -> None:
    dev = linear_device(levels=101)
    xbar = Crossbar(dev, (3, 2), CrossbarSpec(mapping=mapping, pair_update=update, w_max=1.0),
                    rng=np.random.default_rng(0))
    xbar.program(np.zeros((3, 2)))
    n = np.array([[3, 0], [-2, 1], [0, 0]])
    assert xbar.apply(n, rng=None) == (3 if mapping == "reference" or update == "ltp-only" else 6)
    np.testing.assert_allclose(xbar.weights, n * xbar.dw_min, atol=1e-12)
    expected_dw = 2.0 / 100 if update == "push-pull" else 1.0 / 100
    assert xbar.dw_min == pytest.approx(expected_dw)
    np.testing.assert_array_equal(xbar.pulses_for(n * xbar.dw_min * 1.1), n)
    # Only the addressed rows change; pulses are counted per device.
    rows = np.array([2])
    xbar.apply(np.array([[5, -5]]), rng=None, rows=rows)
    np.testing.assert_allclose(xbar.weights[2], [5 * xbar.dw_min, -5 * xbar.dw_min], atol=1e-12)
    assert xbar.pulses == (16 if mapping == "reference" or update == "ltp-only" else 32)


def test_dynamic_range_limits_the_weight_range_in_g_max_units() -> None:
    dev = linear_device(g_min=5.5e-6)  # r = 2
    xbar = Crossbar(dev, (1, 1), CrossbarSpec(w_max=1.0, weight_unit="g_max"),
                    rng=np.random.default_rng(0))
    assert xbar.w_range == pytest.approx(0.5)
    xbar.program(np.array([[0.5]]))
    assert xbar.weights[0, 0] == pytest.approx(0.5)
    with pytest.raises(ValueError, match=r"representable range \+-0.5"):
        xbar.program(np.array([[0.6]]))


@pytest.mark.parametrize("mapping", ["reference", "pair"])
def test_float32_reads_agree_with_float64_and_keep_the_noise(mapping: str) -> None:
    rng = np.random.default_rng(4)
    w = rng.uniform(-1, 1, (60, 9))
    spec = CrossbarSpec(mapping=mapping, w_max=1.0)
    xb64 = Crossbar(linear_device(read_noise=0.05, iv=SinhIV(k=2.0)), (60, 9), spec,
                    rng=np.random.default_rng(0))
    xb32 = Crossbar(linear_device(read_noise=0.05, iv=SinhIV(k=2.0)), (60, 9),
                    dataclasses.replace(spec, read_precision="float32"),
                    rng=np.random.default_rng(0))
    pulses = rng.integers(-30, 30, (60, 9))
    for xb in (xb64, xb32):
        xb.program(w)
        xb.apply(pulses, rng=None)  # the read copy follows the writes
    np.testing.assert_array_equal(xb32.weights, xb64.weights)  # writes stay float64
    assert xb32.weights.dtype == np.float64
    x = rng.uniform(0, 1, (20_000, 60))
    d = rng.normal(size=(20_000, 9))
    for read in ("forward", "backward"):
        arg = x if read == "forward" else d
        # Same noise draws (same seed): only the products' rounding differs.
        y64 = getattr(xb64, read)(arg, rng=np.random.default_rng(7))
        y32 = getattr(xb32, read)(arg, rng=np.random.default_rng(7))
        assert y32.dtype == np.float64
        scale = np.abs(y64).mean()
        assert np.abs(y32 - y64).max() < 1e-5 * scale
        assert np.abs(y32 - y64).max() > 0  # it did read in float32
    with pytest.raises(ValueError, match=r"crossbar.read_precision = 'float16' is invalid"):
        CrossbarSpec(read_precision="float16")


def test_bad_crossbar_parameters() -> None:
    with pytest.raises(ValueError, match=r"crossbar.adc_bits = 0 is invalid"):
        CrossbarSpec(adc_bits=0)
    with pytest.raises(ValueError, match=r"crossbar.mapping = 'triple' is invalid"):
        CrossbarSpec(mapping="triple")
    with pytest.raises(ValueError, match=r"crossbar.w_max = -1.0 is invalid"):
        CrossbarSpec(w_max=-1.0)


def test_access_resistance_compresses_large_conductances() -> None:
    dev = dataclasses.replace(IDEAL, response=LinearResponse(g_min=10e-6, g_max=60e-6,
                                                             levels=101))
    spec = CrossbarSpec(w_max=1.0, r_access=15e3)
    xbar = Crossbar(dev, (2, 1), spec, rng=np.random.default_rng(0))
    w = np.array([[-0.5], [0.7]])
    xbar.program(w)
    np.testing.assert_allclose(xbar.weights, w, rtol=1e-12)  # programming aims at the read
    g_eff = lambda g: g / (1 + g * 15e3)  # noqa: E731
    lo, hi = g_eff(10e-6), g_eff(60e-6)
    g = xbar.devices[0].g[:, 0]
    np.testing.assert_allclose(2 * (g_eff(g) - 0.5 * (lo + hi)) / (hi - lo), w[:, 0], rtol=1e-12)
    # Five pulses up from each state: the high-conductance weight moves less.
    before = xbar.weights
    xbar.apply(np.array([[5], [5]]), rng=None)
    step = (xbar.weights - before)[:, 0]
    assert step[1] < 0.6 * step[0]


def test_neurosim_initial_write_omits_g_min() -> None:
    """MLP+NeuroSim V3.0 writes the initial weights at ``p (G_max - G_min)`` (no ``G_min``):
    each weight starts ``2 w_max G_min / dG`` lower, and those below that floor at ``-w_max``."""
    rng = np.random.default_rng(3)
    device = linear_device(g_min=4e-6)  # G_min / dG = 4/7: a shift of 8/7 w_max
    w = rng.uniform(-0.5, 0.5, (40, 9))
    shift = 2 * 0.5 * 4e-6 / 7e-6
    for init_write, expected in (("window", w), ("neurosim", np.maximum(w - shift, -0.5))):
        xbar = Crossbar(device, w.shape, CrossbarSpec(w_max=0.5), rng=rng)
        xbar.program(w, init_write=init_write)
        np.testing.assert_allclose(xbar.weights, expected, atol=1e-12)
    assert np.mean(np.maximum(w - shift, -0.5) == -0.5) > 0.5  # the floor is reached
    with pytest.raises(ValueError, match="init_write = 'x'.*window, neurosim"):
        Crossbar(device, w.shape, CrossbarSpec(w_max=0.5), rng=rng).program(w, init_write="x")


@pytest.mark.parametrize("mapping", ["reference", "pair"])
def test_write_verify_corrects_non_linearity_and_c2c_noise(mapping: str) -> None:
    """Open loop misses the nominal target (Ag:a-Si's non-linear steps, a little C2C noise);
    verify rounds close the gap to about half a nominal step at the cost of extra pulses."""
    dev = dataclasses.replace(PRESETS["ag-a-si"], variability=Variability(c2c=0.002))
    spec = CrossbarSpec(mapping=mapping, w_max=1.0, read_noise=False, iv_nonlinearity=False)
    n = np.random.default_rng(5).integers(-6, 7, size=(40, 30))
    n[n == 0] = 3
    errors, pulses = {}, {}
    for rounds in (0, 1, 4):
        xbar = Crossbar(dev, n.shape, spec, rng=np.random.default_rng(0))
        xbar.program(np.zeros(n.shape))
        target = xbar.weights + n * np.where(n > 0, xbar.dw_up, xbar.dw_down)
        written = xbar.apply_verified(n, rng=np.random.default_rng(1), rounds=rounds)
        assert written == n.size * (1 if mapping == "reference" else 2)
        errors[rounds] = float(np.mean(np.abs(xbar.weights - target)) / xbar.dw_min)
        pulses[rounds] = xbar.pulses
    per_weight = 1 if mapping == "reference" else 2
    assert pulses[0] == per_weight * int(np.abs(n).sum())
    assert errors[0] > 2.0  # off by more than two nominal steps on average
    assert errors[1] < errors[0] / 2 and errors[4] < 0.6
    assert pulses[4] > pulses[1] > pulses[0]


def test_write_verify_with_zero_rounds_is_the_open_loop_write() -> None:
    dev = dataclasses.replace(PRESETS["ag-a-si"], variability=Variability(c2c=0.02))
    spec = CrossbarSpec(w_max=1.0)
    n = np.random.default_rng(5).integers(-4, 5, size=(20, 10))
    a, b = (Crossbar(dev, n.shape, spec, rng=np.random.default_rng(0)) for _ in range(2))
    a.apply(n, rng=np.random.default_rng(1))
    b.apply_verified(n, rng=np.random.default_rng(1), rounds=0)
    np.testing.assert_array_equal(a.weights, b.weights)
    # A linear noise-free device lands on target: verify finds nothing to correct.
    c = Crossbar(linear_device(levels=101), n.shape, spec, rng=np.random.default_rng(0))
    c.apply_verified(n, rng=np.random.default_rng(1), rounds=3)
    assert c.pulses == int(np.abs(n).sum())
    with pytest.raises(ValueError, match=r"tolerance = 0.1 is invalid"):
        c.apply_verified(n, rng=None, tolerance=0.1)
    with pytest.raises(ValueError, match=r"rounds = -1 is invalid"):
        c.apply_verified(n, rng=None, rounds=-1)


@pytest.mark.parametrize("pair_update", ["push-pull", "ltp-only"])
def test_write_verify_converges_and_stops(pair_update: str) -> None:
    """Noise-free: verify converges to within half a nominal step and then writes nothing more
    (no overshoot back and forth); a correction against the open-loop direction of an ltp-only
    pair writes the other device, and is counted."""
    dev = dataclasses.replace(PRESETS["ag-a-si"], variability=Variability())
    spec = CrossbarSpec(mapping="pair", pair_update=pair_update, w_max=1.0, read_noise=False,
                        iv_nonlinearity=False)
    n = np.random.default_rng(5).integers(-6, 7, size=(30, 20))
    n[n == 0] = -2
    out = {}
    for rounds in (4, 12):
        xbar = Crossbar(dev, n.shape, spec, rng=np.random.default_rng(0))
        xbar.program(np.zeros(n.shape))
        target = xbar.weights + n * np.where(n > 0, xbar.dw_up, xbar.dw_down)
        written = xbar.apply_verified(n, rng=np.random.default_rng(1), rounds=rounds)
        err = np.abs(xbar.weights - target) / xbar.dw_min
        local = np.maximum(*xbar._local_steps(np.arange(n.size))).reshape(n.shape) / xbar.dw_min
        touched = sum(int(np.count_nonzero(d.n_ltp + d.n_ltd)) for d in xbar.devices)
        out[rounds] = (xbar.pulses, written, xbar.verify_reads)
        assert written == touched  # every device that received a pulse is counted once
        # left alone only under half a local step (or the tolerance of half a nominal one)
        assert np.all(err <= np.maximum(0.5 * local, 0.5) + 1e-9)
        assert err.mean() < 0.6
    assert out[12] == out[4]  # converged within 4 rounds: no further pulses, devices or reads
    assert out[4][2] < 4 * n.size  # stopped reading once nothing was left to correct
    assert out[4][1] == 2 * n.size if pair_update == "push-pull" else out[4][1] > n.size


@pytest.mark.parametrize("name", ["ag-a-si", "taox-hfox"])
def test_write_verify_does_no_harm_where_one_pulse_is_noisier_than_a_step(name: str) -> None:
    """At the presets' C2C (3.5% and 3.7% of the window per pulse: 3.4 and 4.7 level steps) a
    correction of the typical error adds more noise than it removes; verify sends only those
    expected to reduce the squared error, so the rms error falls with each round instead of
    growing into a random walk, and most weights get no correction."""
    dev = PRESETS[name]
    spec = CrossbarSpec(w_max=1.0, read_noise=False, iv_nonlinearity=False)
    n = np.random.default_rng(5).integers(-3, 4, size=(60, 50))
    n[n == 0] = 1
    rms, pulses = [], []
    for rounds in (0, 1, 4):
        xbar = Crossbar(dev, n.shape, spec, rng=np.random.default_rng(0))
        xbar.program(np.zeros(n.shape))
        target = xbar.weights + n * np.where(n > 0, xbar.dw_up, xbar.dw_down)
        xbar.apply_verified(n, rng=np.random.default_rng(10), rounds=rounds)
        rms.append(float(np.sqrt(np.mean((xbar.weights - target) ** 2)) / xbar.dw_min))
        pulses.append(xbar.pulses)
    assert rms[2] < rms[1] < rms[0]
    assert pulses[2] < 2 * pulses[0]


def test_write_verify_near_the_bound_sends_a_bounded_train() -> None:
    """A target beyond the representable range is clipped to it: weights close to the top of
    the window get a few pulses, not a train against a saturated device."""
    dev = dataclasses.replace(PRESETS["ag-a-si"], variability=Variability())
    spec = CrossbarSpec(w_max=1.0, read_noise=False, iv_nonlinearity=False)
    shape = (10, 10)
    xbar = Crossbar(dev, shape, spec, rng=np.random.default_rng(0))
    xbar.program(np.full(shape, 0.97 * xbar.w_range))
    n = np.full(shape, 5)
    xbar.apply_verified(n, rng=np.random.default_rng(1), rounds=3)
    assert xbar.pulses <= 2 * n.sum()
    assert np.all(xbar.weights <= xbar.w_range * (1 + 1e-12))
    assert np.all(xbar.weights > 0.97 * xbar.w_range)


def test_write_time_sums_ltp_and_ltd_pulse_widths() -> None:
    """GST: 6 us SET (LTP) and 125 ns RESET (LTD) pulses, so swapped widths would show."""
    dev = PRESETS["gst"]
    assert dev.pulse.width_ltp != dev.pulse.width_ltd
    n = np.random.default_rng(2).integers(-5, 6, size=(12, 8))
    xbar = Crossbar(dev, n.shape, CrossbarSpec(w_max=1.0), rng=np.random.default_rng(0))
    xbar.apply(n, rng=np.random.default_rng(1))
    expected = (dev.pulse.width_ltp * int(n[n > 0].sum())
                + dev.pulse.width_ltd * int(-n[n < 0].sum()))
    assert xbar.write_time == pytest.approx(expected, rel=1e-12)
