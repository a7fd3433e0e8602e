"""Memristive STDP network mechanics (numpy target, a few short presentations)."""

from __future__ import annotations

import numpy as np
import pytest

from devices import PRESETS
from neuro import data
from neuro.stdp import STDPParams, assign_labels, classify, run_stdp

P = STDPParams(n_exc=8, dt_ms=1.0, t_present_ms=100.0, t_rest_ms=50.0)


@pytest.fixture(scope="module")
def images():
    ds = data.flatten(data.load("mnist-5k"))
    return ds.x_train[:6], ds.y_train[:6]


@pytest.fixture(scope="module")
def learned(images):
    x, _ = images
    rng = np.random.default_rng(0)
    w0 = rng.uniform(0, P.w_init_max, (784, P.n_exc))  # the initial weights run_stdp draws
    res, arr = run_stdp(x, PRESETS["ideal"], P, learn=True, rng=np.random.default_rng(0))
    return res, arr, w0


def test_normalisation_brings_every_total_to_78(images) -> None:
    x, _ = images
    quiet = STDPParams(n_exc=8, dt_ms=1.0, t_present_ms=100.0, t_rest_ms=50.0, nu_pre=0.0,
                       nu_post=0.0)
    res, _ = run_stdp(x[:2], PRESETS["ideal"], quiet, learn=True, rng=np.random.default_rng(0))
    # Random initial totals ~ 784 * 0.15 = 118; normalised by pulses of 1/65535 with
    # stochastic rounding: 78 to within a few hundredths.
    np.testing.assert_allclose(res.weights.sum(axis=0), 78.0, atol=0.05)


def test_learning_moves_weights(learned) -> None:
    res, arr, w0 = learned
    assert res.pulses > 0 and res.presentations >= 1
    # Normalised before each image; the last image's STDP changes come after.
    assert np.all(np.abs(res.weights.sum(axis=0) - 78.0) < 3.0)
    assert np.max(np.abs(res.weights - w0 * 78 / w0.sum(axis=0))) > 1e-3  # STDP moved them
    assert np.all(res.weights >= 0) and np.all(res.weights <= P.w_max)
    spiking = res.counts.sum(axis=0) > 0
    assert np.all(res.theta_mv[spiking] > P.theta0_mv - 1e-3)


def test_without_learning_nothing_is_written(images, learned) -> None:
    x, _ = images
    res, arr, _ = learned
    again, arr2 = run_stdp(x[:3], PRESETS["ideal"], P, learn=False,
                           rng=np.random.default_rng(1), g=arr.g, theta_mv=res.theta_mv)
    np.testing.assert_array_equal(arr2.g, arr.g)
    np.testing.assert_array_equal(again.theta_mv, res.theta_mv)  # thresholds fixed (test mode)
    assert again.pulses == 0


def test_every_image_is_shown_until_it_draws_enough_spikes(images, learned) -> None:
    x, _ = images
    res, arr, _ = learned
    # Without a retry margin one round has one slot per image; the retries of the images it
    # did not reach take further rounds.
    one, _ = run_stdp(x, PRESETS["ideal"], P, learn=False, rng=np.random.default_rng(2),
                      g=arr.g, theta_mv=res.theta_mv, retry_margin=0.0, max_rounds=1)
    full, _ = run_stdp(x, PRESETS["ideal"], P, learn=False, rng=np.random.default_rng(2),
                       g=arr.g, theta_mv=res.theta_mv, retry_margin=0.0)
    assert one.shown < len(x) and one.presentations == len(x)
    assert full.shown == len(x) and full.presentations > len(x)
    # counts are those of the accepted presentation, which drew at least min_spikes
    assert np.all(full.counts.sum(axis=1) >= P.min_spikes)
    assert np.all(one.counts[one.shown:] == 0)


def test_labels_and_votes() -> None:
    counts = np.array([[5, 0, 1, 0], [4, 1, 0, 0], [0, 6, 2, 0], [1, 0, 7, 0]])
    labels = np.array([3, 3, 5, 8])
    neuron_labels = assign_labels(counts, labels)
    assert neuron_labels.tolist() == [3, 5, 8, -1]  # the silent neuron gets no label
    assert classify(np.array([[0, 9, 0, 0], [9, 0, 1, 0]]), neuron_labels).tolist() == [5, 3]
    # a silent neuron under a label would dilute that class's mean (3 -> 1.5 < 2)
    assert classify(np.array([[3, 2, 0, 0]]), np.array([3, 5, 8, 3])).tolist() == [5]
    assert classify(np.array([[3, 2, 0, 0]]), np.array([3, 5, 8, -1])).tolist() == [3]


def test_stdp_mnist_quick_counts_unreached_images_as_errors(tmp_path) -> None:
    import dataclasses

    from scenarios import stdp_mnist
    from scenarios._core import RunContext

    cfg = dataclasses.replace(stdp_mnist.QUICK, devices=("softbounds",), n_train=15, n_label=15,
                              n_test=15)
    result = stdp_mnist.run(cfg, RunContext(progress=False, out_dir=tmp_path))
    (r,) = result.rows
    assert 0 < r["images_learned"] <= cfg.n_train and r["pulses"] > 0
    assert r["presentations"] >= r["images_learned"]
    assert 0 < r["test_images_shown"] <= cfg.n_test
    # an image the run did not reach cannot be classified correctly
    assert r["accuracy"] <= r["test_images_shown"] / cfg.n_test
    assert result.metrics["accuracy/softbounds"] == r["accuracy"]
    # competition statistics of the training presentations
    assert 1.0 <= r["neurons_per_image"] <= cfg.n_exc
    assert 1.0 / r["neurons_per_image"] <= r["winner_share"] + 1e-12 <= 1.0 + 1e-12
    assert 0 <= r["silent_in_training"] < cfg.n_exc
    # per-neuron files agree with the row's summaries
    neurons = np.load(tmp_path / "neurons.npz")
    theta, spikes = neurons["theta_mv/softbounds"], neurons["train_spikes/softbounds"]
    assert theta.shape == spikes.shape == (cfg.n_exc,)
    np.testing.assert_allclose(np.percentile(theta, [0, 50, 100]), r["theta_mv"])
    assert int(np.sum(spikes == 0)) == r["silent_in_training"]
    # a threshold rises 0.05 mV per spike, counted or not (rejected presentations, rests), and
    # its 1e7 ms decay takes under 1% here: it is at least 20 mV + 0.05 mV per counted spike
    assert np.all(theta >= 0.99 * (20.0 + 0.05 * spikes))
    assert spikes.sum() >= r["neurons_per_image"] * r["images_learned"] - 1e-9
    assert np.load(tmp_path / "receptive_fields.npz")["softbounds"].shape == (784, cfg.n_exc)


def test_min_isi_spaces_each_neurons_spikes(images, learned) -> None:
    x, _ = images
    res, arr, _ = learned

    def max_count(min_isi_ms):
        p = STDPParams(n_exc=8, dt_ms=1.0, t_present_ms=100.0, t_rest_ms=50.0, min_spikes=2,
                       min_isi_ms=min_isi_ms)
        out, _ = run_stdp(x, PRESETS["ideal"], p, learn=False, rng=np.random.default_rng(3),
                          g=arr.g, theta_mv=res.theta_mv)
        assert out.shown == len(x)
        return out.counts.max()
    # 100 ms between spikes in a 100 ms presentation: one spike per neuron and image at most;
    # with the 5 ms refractory period alone, a neuron fires several times.
    assert max_count(100.0) == 1
    assert max_count(5.0) > 1


def test_a_membrane_not_held_in_refractoriness_fires_more(images, learned) -> None:
    # Diehl & Cook's code (Brian 1, string reset) only blocks spikes for 5 ms: the membrane
    # keeps integrating, so a driven neuron fires as soon as the period ends instead of
    # climbing again from the reset potential: the winner fires more and inhibits the others
    # more (measured here: largest count 14 -> 18, winner share 0.28 -> 0.42).
    x, _ = images
    res, arr, _ = learned

    def counts(hold):
        p = STDPParams(n_exc=8, dt_ms=1.0, t_present_ms=100.0, t_rest_ms=50.0, min_spikes=2,
                       intensity=16.0, hold_v_refractory=hold)  # 8x the rates: short ISIs
        out, _ = run_stdp(x, PRESETS["ideal"], p, learn=False, rng=np.random.default_rng(3),
                          g=arr.g, theta_mv=res.theta_mv)
        return out.counts
    held, free = counts(True), counts(False)
    def winner_share(c):
        return np.mean(c.max(axis=1) / np.maximum(c.sum(axis=1), 1))
    assert free.max() > held.max()
    assert winner_share(free) > winner_share(held)
    with pytest.raises(ValueError, match="stdp.hold_v_refractory = 'no' is invalid"):
        STDPParams(hold_v_refractory="no")


@pytest.mark.parametrize("rule", ["triplet", "power-law"])
def test_power_law_rule_depresses_silent_inputs_triplet_does_not(images, rule) -> None:
    x, _ = images
    p = STDPParams(n_exc=8, dt_ms=1.0, t_present_ms=100.0, t_rest_ms=50.0, norm_total=None,
                   rule=rule)
    rng = np.random.default_rng(0)
    w0 = rng.uniform(0, p.w_init_max, (784, p.n_exc))  # the initial weights run_stdp draws
    res, _ = run_stdp(x[:3], PRESETS["ideal"], p, learn=True, rng=np.random.default_rng(0))
    silent = np.all(x[:3] == 0, axis=0)  # pixels that never spike
    fired = res.counts.sum(axis=0) > 0
    assert silent.sum() > 100 and fired.any()
    change = (res.weights - w0)[np.ix_(silent, fired)]
    if rule == "triplet":  # depression only on a presynaptic spike: silent inputs untouched
        np.testing.assert_allclose(change, 0.0, atol=1e-12)  # (w -> G -> w round trip)
    else:  # each post spike lowers them by nu_post x_tar (w_max - w)^mu (stochastic pulses)
        assert np.all(change <= 0) and np.mean(change) < -p.nu_post * p.x_tar * 0.5**p.mu


def test_querlioz_rule_steps_every_input_on_each_post_spike(images) -> None:
    x, _ = images
    p = STDPParams(n_exc=8, dt_ms=1.0, t_present_ms=100.0, t_rest_ms=50.0, norm_total=None,
                   rule="querlioz")
    rng = np.random.default_rng(0)
    w0 = rng.uniform(0, p.w_init_max, (784, p.n_exc))  # the initial weights run_stdp draws
    res, _ = run_stdp(x[:3], PRESETS["ideal"], p, learn=True, rng=np.random.default_rng(0))
    change = res.weights - w0
    silent = np.all(x[:3] == 0, axis=0)  # never arrive: depressed on every post spike
    fired = np.flatnonzero(res.counts.sum(axis=0) > 0)
    assert fired.size > 0
    for j in fired:
        unclipped = silent & (w0[:, j] > 0.15)
        steps = -change[unclipped, j] / p.alpha_minus
        k = np.rint(np.median(steps))
        assert k >= res.counts[:, j].sum()  # at least one step per counted spike
        # k steps of alpha_minus each, rounded stochastically to pulses of 1/65535
        np.testing.assert_allclose(steps, k, atol=k * 2 / 65535 / p.alpha_minus)
        # Inputs bright in every image arrived within 45 ms of most post spikes: net potentiation
        bright = np.all(x[:3] > 200, axis=0)
        assert np.mean(change[bright, j]) > 0


@pytest.mark.parametrize(("field", "value"), [("alpha_plus", -0.1), ("alpha_minus", 1.5),
                                              ("t_ltp_ms", 0.0)])
def test_querlioz_rule_rejects_bad_steps(field, value) -> None:
    with pytest.raises(ValueError, match=f"stdp.{field} = {value}"):
        STDPParams(rule="querlioz", **{field: value})
