"""The event-driven Brian2 engine against the time-stepped reference and snnTorch's Leaky."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from devices import PRESETS, DeviceArray, Drift, Variability
from neuro import data
from neuro.brian import Evaluator, SynapseLayer
from neuro.encoding import bernoulli
from neuro.lif import LIFParams, reference_counts
from tests.conftest import REPO


def random_layer(device, n_in, n_out, w_max, rng, *, pair=True):
    arrays = []
    for _ in range(2 if pair else 1):
        arr = DeviceArray(device, (n_in, n_out), rng=rng, g0="min")
        arr.g = rng.uniform(arr.g_min, arr.g_max, (n_in, n_out))
        arrays.append(arr)
    d_g = device.g_max - device.g_min
    if pair:
        return SynapseLayer(pos=arrays[0], neg=arrays[1], w_scale=w_max / d_g)
    return SynapseLayer(pos=arrays[0], neg=None, w_scale=2 * w_max / d_g,
                        g_ref=0.5 * (device.g_min + device.g_max))


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_reference_is_snntorch_leaky(reset: str) -> None:
    import snntorch as snn

    rng = np.random.default_rng(0)
    p = LIFParams(tau=8e-3, dt=1e-3, threshold=0.7, reset=reset)
    w = rng.normal(0.0, 0.4, (30, 12))
    raster = bernoulli(rng.random((16, 30)), 40, rng=rng)
    expected = reference_counts([w], raster, p)[0]
    lif = snn.Leaky(beta=p.beta, threshold=p.threshold, reset_mechanism=reset)
    mem = torch.zeros(16, 12, dtype=torch.float64)
    total = torch.zeros(16, 12, dtype=torch.float64)
    wt = torch.tensor(w)
    for t in range(40):
        spk, mem = lif(torch.tensor(raster[t], dtype=torch.float64) @ wt, mem)
        total += spk
    np.testing.assert_array_equal(total.numpy().astype(int), expected)
    assert expected.sum() > 50  # the neurons really fire


@pytest.fixture(scope="module")
def digits():
    ds = data.flatten(data.scale01(data.load("mnist-5k")))
    sel = data.subset(ds, None, 60, rng=np.random.default_rng(1))
    return sel.x_test, sel.y_test


def test_engine_matches_the_reference_spike_for_spike(digits) -> None:
    x, y = digits
    rng = np.random.default_rng(2)
    dev = dataclasses.replace(PRESETS["epiram"], variability=Variability(d2d_g_max=0.1))
    layers = [random_layer(dev, 784, 40, 0.25, rng),
              random_layer(dev, 40, 10, 0.8, rng, pair=False)]
    lif = LIFParams(tau=10e-3, dt=1e-3)
    raster = bernoulli(x, 20, rng=rng)
    ref = reference_counts([layer.weights() for layer in layers], raster, lif)
    ev = Evaluator(layers, lif, n_steps=20, chunk=25, target="numpy")  # 3 runs, resets between
    res = ev.run(raster, labels=y)
    same = np.all(res.counts == ref[1], axis=1)
    assert same.mean() >= 0.99
    np.testing.assert_array_equal(res.hidden_counts[0], ref[0])
    assert ref[1].sum() > 100 and ev.compilations == 0
    assert res.accuracy == pytest.approx(np.mean(np.argmax(ref[1], axis=1) == y))
    # Events: every input spike reaches 40 synapses, every hidden spike 10.
    in_spikes = int(raster.sum())
    assert res.synaptic_events >= in_spikes * 40 + int(ref[0].sum()) * 10
    assert res.synaptic_events <= in_spikes * 40 + (int(ref[0].sum()) + 60 * 40) * 10


def test_drift_is_read_event_driven_at_the_evaluation_time(digits) -> None:
    x, _ = digits
    rng = np.random.default_rng(3)
    dev = dataclasses.replace(PRESETS["pcm-drift"], variability=Variability(),
                              drift=Drift(nu=0.08, nu_sigma=0.02))
    layer = random_layer(dev, 784, 20, 0.3, rng)
    lif = LIFParams(tau=10e-3, dt=1e-3)
    raster = bernoulli(x[:30], 15, rng=rng)
    day = 86_400.0
    counts = {}
    for t_eval in (1.0, day):
        ref = reference_counts([layer.weights(t_eval)], raster, lif)[0]
        res = Evaluator([layer], lif, n_steps=15, chunk=30, t_eval=t_eval).run(raster)
        np.testing.assert_array_equal(res.counts, ref)
        counts[t_eval] = res.counts
    # Conductances fall by (day / 20 s)^-0.08 ~ 0.5: the weights change, so do the counts.
    assert not np.array_equal(counts[1.0], counts[day])


def test_read_energy_formula(digits) -> None:
    x, _ = digits
    rng = np.random.default_rng(4)
    dev = PRESETS["epiram"]
    layer = random_layer(dev, 784, 5, 0.2, rng)
    raster = bernoulli(x[:10], 10, rng=rng)
    res = Evaluator([layer], LIFParams(), n_steps=10, chunk=10).run(raster)
    n_pre = raster.sum(axis=(0, 1)).astype(float)
    g = layer.pos.g + layer.neg.g
    expected = dev.v_read**2 * dev.t_read * float(n_pre @ g.sum(axis=1))
    assert res.read_energy == pytest.approx(expected, rel=1e-12)
    assert res.synaptic_events == int(n_pre.sum()) * 5


@pytest.mark.compiled
def test_compiled_engine_builds_once_and_agrees() -> None:
    """cpp_standalone in a subprocess (Brian2's device is process-global)."""
    script = textwrap.dedent("""
        import dataclasses
        import numpy as np
        from devices import PRESETS, DeviceArray, Drift, Variability
        from neuro import data
        from neuro.brian import Evaluator, SynapseLayer
        from neuro.encoding import bernoulli
        from neuro.lif import LIFParams, reference_counts
        ds = data.flatten(data.scale01(data.load("mnist-5k")))
        rng = np.random.default_rng(0)
        dev = dataclasses.replace(PRESETS["pcm-drift"], variability=Variability(),
                                  drift=Drift(nu=0.06, nu_sigma=0.02))
        pos = DeviceArray(dev, (784, 100), rng=rng); neg = DeviceArray(dev, (784, 100), rng=rng)
        pos.g = rng.uniform(dev.g_min, dev.g_max, pos.shape)
        neg.g = rng.uniform(dev.g_min, dev.g_max, neg.shape)
        layer = SynapseLayer(pos=pos, neg=neg, w_scale=0.2 / (dev.g_max - dev.g_min))
        lif = LIFParams(tau=20e-3, dt=1e-3)
        raster = bernoulli(ds.x_test[:300], 20, rng=rng)
        ev = Evaluator([layer], lif, n_steps=20, chunk=100, target="cpp_standalone", t_eval=1.0)
        res = ev.run(raster)
        ev.update(w_scale={0: 1.3 * layer.w_scale})  # a new run of the same binary
        res2 = ev.run(raster[:, :100])
        scaled = dataclasses.replace(layer, w_scale=1.3 * layer.w_scale)
        checks = [(res, reference_counts([layer.weights(1.0)], raster, lif)[0]),
                  (res2, reference_counts([scaled.weights(1.0)], raster[:, :100], lif)[0])]
        for t in (86_400.0, 3.15e7):  # per-synapse run_args set twice (drift from t_prog)
            ev.update(t_eval=t)
            checks.append((ev.run(raster[:, :100]),
                           reference_counts([scaled.weights(t)], raster[:, :100], lif)[0]))
        ev.close()
        ref = checks[0][1]
        same = min(np.all(r.counts == c, axis=1).mean() for r, c in checks)
        print("RESULT", ev.compilations, same, int(ref.sum()))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=REPO, timeout=600)
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT"))
    _, compilations, same, n_spikes = line.split()
    assert int(compilations) == 1  # six runs (three chunks, new weights, two times), one build
    assert float(same) >= 0.99 and int(n_spikes) > 1000


def test_update_time_and_scale_without_rebuilding(digits) -> None:
    x, _ = digits
    rng = np.random.default_rng(5)
    dev = dataclasses.replace(PRESETS["pcm-drift"], variability=Variability(),
                              drift=Drift(nu=0.06, nu_sigma=0.02))
    layer = random_layer(dev, 784, 15, 0.3, rng)
    lif = LIFParams(tau=10e-3, dt=1e-3)
    raster = bernoulli(x[:20], 15, rng=rng)
    ev = Evaluator([layer], lif, n_steps=15, chunk=20, t_eval=1.0)
    month = 30 * 86_400.0
    ev.update(t_eval=month, w_scale={0: 1.7 * layer.w_scale})
    scaled = dataclasses.replace(layer, w_scale=1.7 * layer.w_scale)
    ref = reference_counts([scaled.weights(month)], raster, lif)[0]
    np.testing.assert_array_equal(ev.run(raster).counts, ref)


def test_graded_inputs_read_through_the_iv_shape(digits) -> None:
    from devices import SinhIV

    x, _ = digits
    rng = np.random.default_rng(6)
    dev = dataclasses.replace(PRESETS["epiram"], variability=Variability(), iv=SinhIV(k=6.0))
    layer = random_layer(dev, 784, 12, 0.05, rng)
    lif = LIFParams(tau=10e-3, dt=1e-3)
    direct = np.repeat(x[None, :20], 8, axis=0)  # the intensities at every step
    f = lambda v: np.sinh(6.0 * v) / 6.0  # noqa: E731
    bend = lambda a: f(a * dev.v_read) / dev.v_read  # noqa: E731 (read as if ohmic)
    ref = reference_counts([layer.weights()], direct, lif, input_map=bend)[0]
    res = Evaluator([layer], lif, n_steps=8, chunk=20).run(direct)
    np.testing.assert_array_equal(res.counts, ref)
    ohmic = reference_counts([layer.weights()], direct, lif)[0]
    assert not np.array_equal(ref, ohmic)  # the I-V shape changes the answer
    off = Evaluator([layer], lif, n_steps=8, chunk=20, iv_nonlinearity=False).run(direct)
    np.testing.assert_array_equal(off.counts, ohmic)


def test_saturating_cells_compress_what_spikes_read(digits) -> None:
    from devices import SaturatingIV

    x, _ = digits
    rng = np.random.default_rng(7)
    dev = dataclasses.replace(PRESETS["epiram"], variability=Variability(),
                              iv=SaturatingIV(i_sat=PRESETS["epiram"].g_max * 0.5 / 4.0))
    layers = [random_layer(dev, 784, 20, 0.4, rng), random_layer(dev, 20, 10, 1.5, rng,
                                                                 pair=False)]
    lif = LIFParams(tau=10e-3, dt=1e-3)
    raster = bernoulli(x[:25], 12, rng=rng)
    read = [layer.read_weights() for layer in layers]
    assert np.max(np.abs(read[0])) < 0.5 * np.max(np.abs(layers[0].weights()))  # compressed
    ref = reference_counts(read, raster, lif)
    res = Evaluator(layers, lif, n_steps=12, chunk=25).run(raster)
    np.testing.assert_array_equal(res.counts, ref[1])
    np.testing.assert_array_equal(res.hidden_counts[0], ref[0])
