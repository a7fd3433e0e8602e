"""The generated Brian2 code (numpy target) against the numpy implementation."""

from __future__ import annotations

import dataclasses

import brian2 as b2
import numpy as np
import pytest

from devices import PRESETS, DeviceArray, Drift, SoftBoundsResponse, Variability
from devices.brian import brian_code, iv_code
from devices.iv import NeuroSimIV, PooleFrenkelIV, SinhIV, iv_factor
from neuro.brian import ensure_numpy_functions


def run_train_in_brian(arr: DeviceArray, pulses: np.ndarray, dt: float) -> np.ndarray:
    """Apply pulses[k] at t = k dt through the generated write code; return the conductances."""
    ensure_numpy_functions()
    code = brian_code(arr)
    n = arr.g.size
    src = b2.NeuronGroup(n, "", name="pulse_src")
    tgt = b2.NeuronGroup(1, "", name="pulse_tgt")
    syn = b2.Synapses(src, tgt, model=code.model, name="pulse_syn")
    syn.connect(j="0")
    for name, values in code.values.items():
        setattr(syn, name, values * (b2.second if name.endswith("t_prog") else 1))
    syn.run_regularly("n_pulses = pulse_train(t, i)\n" + code.write, dt=dt * b2.second,
                      name="pulse_writer")
    net = b2.Network(src, tgt, syn, name="pulse_net")
    net.run(len(pulses) * dt * b2.second, namespace={
        **code.namespace, "pulse_train": b2.TimedArray(pulses.astype(float), dt=dt * b2.second)})
    return np.asarray(syn.g[:])


DEVICES = {
    "ag-a-si with D2D": dataclasses.replace(PRESETS["ag-a-si"], variability=Variability(
        d2d_nl=0.2, d2d_g_min=0.1, d2d_g_max=0.1, d2d_step=0.2)),
    "gst": dataclasses.replace(PRESETS["gst"], variability=Variability()),
    "softbounds with stuck devices": dataclasses.replace(
        PRESETS["epiram"], response=SoftBoundsResponse(g_min=1e-7, g_max=1e-5, levels=50,
                                                       beta_ltp=2.0, beta_ltd=0.5),
        variability=Variability(stuck_off=0.1, stuck_on=0.1, d2d_step=0.1)),
    "linear": dataclasses.replace(PRESETS["pcmo-babu"], variability=Variability()),
    "pcm drift (t0 0.3 ms)": dataclasses.replace(
        PRESETS["pcm-drift"], variability=Variability(),
        drift=Drift(nu=0.1, nu_sigma=0.03, t0=3e-4)),
}


@pytest.mark.parametrize("name", DEVICES)
def test_pulse_train_through_brian_matches_numpy(name: str) -> None:
    dev = DEVICES[name]
    n, steps, dt = 60, 30, 1e-4
    arr = DeviceArray(dev, (n,), rng=np.random.default_rng(1), g0="mid")
    rng = np.random.default_rng(2)
    pulses = rng.integers(-12, 13, (steps, n)) * (rng.random((steps, n)) < 0.6)
    g_brian = run_train_in_brian(arr, pulses, dt)
    for k in range(steps):
        arr.apply_pulses(pulses[k], rng=None, t=k * dt)
    np.testing.assert_allclose(g_brian, arr.g, rtol=1e-9)
    assert np.ptp(arr.g) > 0.1 * (dev.g_max - dev.g_min)  # the train really moved the devices


def test_c2c_noise_in_brian_has_the_formula_sigma() -> None:
    dev = dataclasses.replace(PRESETS["pcmo-babu"], variability=Variability(c2c=0.02))
    arr = DeviceArray(dev, (20_000,), rng=np.random.default_rng(0), g0="mid")
    b2.seed(4)
    pulses = np.zeros((2, 20_000), int)
    pulses[0] = 4  # 4 pulses, far from the bounds of a 26-level device started mid-window
    g = run_train_in_brian(arr, pulses, 1e-4)
    dg = g - (arr.g + 4 * (dev.g_max - dev.g_min) / 25)
    assert dg.mean() == pytest.approx(0.0, abs=5 * 0.02 * 8e-6 * 2 / np.sqrt(2e4))
    assert dg.std() == pytest.approx(0.02 * 8e-6 * 2, rel=0.03)


@pytest.mark.parametrize("iv", [NeuroSimIV(nl_iv=5.0, v_read=0.3, v_write=1.5), SinhIV(k=2.5),
                                PooleFrenkelIV(thickness=5e-9, eps_r=20.0, v_ref=0.3)],
                         ids=lambda m: m.kind)
def test_iv_code_in_brian_matches_numpy(iv) -> None:
    ensure_numpy_functions()
    code, ns = iv_code(iv, v="v_in", out="f_v")
    grp = b2.NeuronGroup(21, "v_in : 1\nf_v : 1", name="iv_grp")
    grp.v_in = np.linspace(-1, 1, 21)
    grp.run_regularly(code, dt=b2.defaultclock.dt, name="iv_eval")
    b2.Network(grp, name="iv_net").run(b2.defaultclock.dt, namespace=ns)
    np.testing.assert_allclose(grp.f_v[:], iv_factor(iv, np.linspace(-1, 1, 21)), rtol=1e-12)
