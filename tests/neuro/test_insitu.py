"""The crossbar MLP against its floating-point twin, and the in-situ training loop."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from devices import PRESETS, LinearResponse, Variability
from learning_rules import SSM, NaiveSGD
from neuro import data
from neuro.crossbar import CrossbarSpec
from neuro.insitu import CrossbarMLP, train_insitu
from neuro.mlp import FloatMLP, MLPSpec, init_weights

FINE = dataclasses.replace(PRESETS["ideal"], response=LinearResponse(g_min=0.0, g_max=1e-5,
                                                                     levels=2**20 + 1))


@pytest.fixture(scope="module")
def small_data():
    ds = data.neurosim_inputs(data.load("mnist-5k"))
    return ds.x_train[:200], ds.y_train[:200]


def test_identical_initialisation_and_one_step_track_the_float_twin(small_data) -> None:
    x, y = small_data
    spec = MLPSpec(sizes=(400, 30, 10), init="uniform", init_scale=0.3)
    w0 = init_weights(spec, rng=np.random.default_rng(0))
    twin = FloatMLP(spec, w0)
    hw = CrossbarMLP(spec, FINE, CrossbarSpec(w_max=1.0), w0, rng=np.random.default_rng(1))
    for a, b in zip(hw.forward(x[:20], rng=None), twin.forward(x[:20]), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    lr = (0.5, 0.2)
    hw.train_step(x[:1], y[:1], NaiveSGD(), [None, None], lr, rng=np.random.default_rng(2))
    twin.train_step(x[:1], y[:1], lr)
    dw_min = hw.layers[0].dw_min
    for a, b in zip(hw.weights, twin.weights, strict=True):
        assert np.max(np.abs(a - b)) <= 0.5 * dw_min + 1e-12  # only pulse rounding differs


def test_hidden_bits_digitise_the_forward_path_only(small_data) -> None:
    x, _ = small_data
    spec = MLPSpec(sizes=(400, 30, 10), init="uniform", init_scale=0.3)
    w0 = init_weights(spec, rng=np.random.default_rng(0))
    hw = CrossbarMLP(spec, FINE, CrossbarSpec(w_max=1.0), w0, rng=np.random.default_rng(1),
                     hidden_bits=1)
    acts = hw.forward(x[:5], rng=None)
    hidden = acts[1]
    assert np.any((hidden > 0) & (hidden < 1))  # analog activations are returned
    expected_out = 1 / (1 + np.exp(-((hidden >= 0.5).astype(float) @ w0[1])))
    np.testing.assert_allclose(acts[2], expected_out, rtol=1e-9)


@pytest.mark.parametrize("rule", [NaiveSGD(), SSM()], ids=["naive-sgd", "ssm"])
def test_training_loop_learns_and_accounts(small_data, rule) -> None:
    x, y = small_data
    ds = data.neurosim_inputs(data.load("mnist-5k"))
    spec = MLPSpec(sizes=(400, 50, 10), init="uniform", init_scale=0.5)
    model = CrossbarMLP(spec, PRESETS["epiram"], CrossbarSpec(w_max=0.5),
                        init_weights(spec, rng=np.random.default_rng(0)),
                        rng=np.random.default_rng(1), per_device_init=rule.per_device_init)
    rng = np.random.default_rng(2)
    before = model.accuracy(ds.x_test, ds.y_test, rng=rng)
    hist = train_insitu(model, ds.x_train, ds.y_train, rule, (0.8, 0.2), epochs=2,
                        samples_per_epoch=1500, batch=1, rng=rng,
                        evaluate=lambda: model.accuracy(ds.x_test, ds.y_test, rng=rng))
    assert len(hist["test_accuracy"]) == 2 and hist["test_accuracy"][-1] > max(0.6, before + 0.3)
    assert 0 < hist["write_fraction"][0] < 1
    assert hist["pulses"][1] > hist["pulses"][0] > 0 and model.write_energy > 0
    n_written = sum(int(np.count_nonzero(d.n_ltp + d.n_ltd)) for x_ in model.layers
                    for d in x_.devices)
    assert n_written > 0
    # Write time: every pulse counted per device, at the preset's LTP/LTD widths.
    pw = PRESETS["epiram"].pulse
    expected = sum(pw.width_ltp * float(d.n_ltp.sum()) + pw.width_ltd * float(d.n_ltd.sum())
                   for x_ in model.layers for d in x_.devices)
    assert model.write_time == pytest.approx(expected, rel=1e-12)
    assert hist["write_time"][-1] == model.write_time > hist["write_time"][0] > 0


def test_lr_decay_scales_each_epochs_rates(small_data) -> None:
    x, y = small_data
    seen = []

    class Recording(NaiveSGD):
        def pulses(self, state, x, delta, lr, crossbar, *, rng):
            seen.append(lr)
            return super().pulses(state, x, delta, lr, crossbar, rng=rng)

    spec = MLPSpec(sizes=(400, 20, 10), init="uniform", init_scale=0.3)
    model = CrossbarMLP(spec, FINE, CrossbarSpec(w_max=1.0),
                        init_weights(spec, rng=np.random.default_rng(0)),
                        rng=np.random.default_rng(1))
    train_insitu(model, x, y, Recording(), (0.8, 0.2), epochs=3, samples_per_epoch=2, batch=1,
                 rng=np.random.default_rng(2), evaluate=lambda: 0.0, lr_decay=0.5)
    # 3 epochs x 2 samples x 2 layers; epoch e uses lr * 0.5**e
    assert len(seen) == 12
    for e in range(3):
        assert sorted(seen[4 * e: 4 * e + 4]) == pytest.approx([0.2 * 0.5**e] * 2
                                                              + [0.8 * 0.5**e] * 2)
    with pytest.raises(ValueError, match="lr_decay"):
        train_insitu(model, x, y, NaiveSGD(), (0.8, 0.2), epochs=1, samples_per_epoch=1,
                     batch=1, rng=np.random.default_rng(2), evaluate=lambda: 0.0, lr_decay=0.0)


def test_mini_batch_relu_softmax_step_tracks_the_float_twin(small_data) -> None:
    # A batch of 8 through ReLU hidden units and a softmax output: the crossbar's update is the
    # float twin's batch-mean gradient step, up to the rounding of each weight to whole pulses.
    x, y = small_data
    spec = MLPSpec(sizes=(400, 30, 10), hidden="relu", output="softmax", init="uniform",
                   init_scale=0.1)
    w0 = init_weights(spec, rng=np.random.default_rng(0))
    twin = FloatMLP(spec, w0)
    hw = CrossbarMLP(spec, FINE, CrossbarSpec(w_max=1.0), w0, rng=np.random.default_rng(1))
    lr = (0.3, 0.1)
    hw.train_step(x[:8], y[:8], NaiveSGD(), [None, None], lr, rng=np.random.default_rng(2))
    twin.train_step(x[:8], y[:8], lr)
    dw_min = hw.layers[0].dw_min
    moved = 0.0
    for a, b, w in zip(hw.weights, twin.weights, w0, strict=True):
        assert np.max(np.abs(a - b)) <= 0.5 * dw_min + 1e-12
        moved = max(moved, float(np.max(np.abs(b - w))))
    assert moved > 1000 * dw_min  # the step is far larger than the rounding it is checked to


@pytest.mark.parametrize("lr, message", [
    ((-0.1, 0.2), r"lr\[0\] = -0.1 is invalid: must be a finite number > 0"),
    ((0.1, 0.0), r"lr\[1\] = 0.0 is invalid"),
    ((0.1, float("nan")), r"lr\[1\] = nan is invalid"),
    ((0.1,), r"lr = \(0.1,\) is invalid: give one learning rate per layer \(2\)"),
])
def test_bad_learning_rates_fail_before_any_write(small_data, lr, message) -> None:
    x, y = small_data
    spec = MLPSpec(sizes=(400, 30, 10), init="uniform", init_scale=0.3)
    w0 = init_weights(spec, rng=np.random.default_rng(0))
    hw = CrossbarMLP(spec, FINE, CrossbarSpec(w_max=1.0), w0, rng=np.random.default_rng(1))
    before = [w.copy() for w in hw.weights]
    with pytest.raises(ValueError, match=message):
        train_insitu(hw, x, y, NaiveSGD(), lr, epochs=1, samples_per_epoch=10, batch=1,
                     rng=np.random.default_rng(3), evaluate=lambda: 0.0)
    with pytest.raises(ValueError, match=message):
        hw.train_step(x[:1], y[:1], NaiveSGD(), [None, None], lr, rng=np.random.default_rng(4))
    assert hw.pulses == 0
    for a, b in zip(hw.weights, before, strict=True):
        np.testing.assert_array_equal(a, b)


def test_verify_rounds_make_the_step_the_float_twins_on_a_non_linear_device(small_data) -> None:
    # Ag:a-Si (NL 2.40 / -4.88), no C2C or read noise: open loop, a weight moves by its pulses'
    # actual, state-dependent steps; with write-verify it moves by the nominal step the rule
    # asked for, i.e. the float twin's step up to about half a pulse.
    x, y = small_data
    dev = dataclasses.replace(PRESETS["ag-a-si"], variability=Variability())
    spec = MLPSpec(sizes=(400, 30, 10), init="uniform", init_scale=0.3)
    w0 = init_weights(spec, rng=np.random.default_rng(0))
    lr = (3.0, 1.0)
    twin = FloatMLP(spec, w0)
    twin.train_step(x[:8], y[:8], lr)
    errors, pulses = {}, {}
    for rounds in (0, 1):
        hw = CrossbarMLP(spec, dev, CrossbarSpec(w_max=1.0, read_noise=False,
                                                 iv_nonlinearity=False),
                         w0, rng=np.random.default_rng(1))
        start = hw.weights
        hw.train_step(x[:8], y[:8], NaiveSGD(verify_rounds=rounds), [None, None], lr,
                      rng=np.random.default_rng(2))
        d = hw.layers[0].dw_min
        errors[rounds] = [float(np.mean(np.abs((a - s) - (b - w))[np.abs(b - w) > d])) / d
                          for a, b, w, s in zip(hw.weights, twin.weights, w0, start, strict=True)]
        pulses[rounds] = hw.pulses
    assert min(errors[0]) > 1.5  # open loop: off by more than 1.5 nominal steps per weight
    assert max(errors[1]) < 0.6
    assert pulses[1] > pulses[0]
