"""In-situ learning rules: expectations, sparsity, the SSM parts, parameter errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from devices import PRESETS, LinearResponse
from learning_rules import SSM, NaiveSGD, StochasticUpdate, ThresholdUpdate
from neuro.crossbar import Crossbar, CrossbarSpec


def xbar(shape=(4, 3), levels=101):
    dev = dataclasses.replace(PRESETS["ideal"], response=LinearResponse(g_min=0.0, g_max=1e-5,
                                                                        levels=levels))
    c = Crossbar(dev, shape, CrossbarSpec(w_max=1.0), rng=np.random.default_rng(0))
    c.program(np.zeros(shape))
    return c


X = np.array([[1.0, 0.0, 0.5, 0.0]])
D = np.array([[0.2, -0.1, 0.05]])


def test_naive_sgd_rounds_the_sgd_step_and_skips_silent_rows() -> None:
    c = xbar()
    _, rows, n = NaiveSGD().pulses(None, X, D, 0.5, c, rng=np.random.default_rng(0))
    assert rows.tolist() == [0, 2]  # zero inputs have zero gradient rows
    p = -0.5 * X[:, [0, 2]].T @ D / c.dw_min  # dw_min = 0.02: p = [[-5, 2.5, -1.25], ...]
    np.testing.assert_array_equal(n, np.trunc(p + np.copysign(0.5, p)).astype(int))
    assert n.tolist() == [[-5, 3, -1], [-3, 1, -1]]


def test_naive_sgd_stochastic_rounding_is_unbiased_and_stays_within_one_pulse() -> None:
    c = xbar()
    rule = NaiveSGD(rounding="stochastic")
    rng = np.random.default_rng(3)
    p = -0.05 * X[:, [0, 2]].T @ D / c.dw_min  # fractional pulse numbers, most below one half
    total = np.zeros_like(p)
    trials = 20_000
    for _ in range(trials):
        _, rows, n = rule.pulses(None, X, D, 0.05, c, rng=rng)
        assert np.all((n == np.floor(p)) | (n == np.floor(p) + 1))
        total += n
    np.testing.assert_allclose(total / trials, p, atol=0.01)
    nearest = NaiveSGD().pulses(None, X, D, 0.05, c, rng=rng)[2]
    assert np.abs(total / trials - nearest).max() > 0.1  # rounding to nearest is biased


@pytest.mark.parametrize("variant, um", [("bitstream", True), ("bitstream", False),
                                         ("rounding", False)])
def test_stochastic_update_is_unbiased(variant: str, um: bool) -> None:
    c = xbar()
    rule = StochasticUpdate(bl=16, update_management=um, variant=variant)
    state = rule.init(c.shape)
    rng = np.random.default_rng(1)
    total = np.zeros((2, 3))
    trials = 20_000
    for _ in range(trials):
        state, rows, n = rule.pulses(state, X, D, 0.01, c, rng=rng)
        total += n
    expected = -0.01 * X[:, [0, 2]].T @ D / c.dw_min  # in pulses
    np.testing.assert_allclose(total / trials, expected, atol=0.01)
    assert state.saturated == 0 if variant == "bitstream" else True


def test_update_management_balances_the_streams() -> None:
    c = xbar()
    x, d = np.array([[1.0, 0.0, 0.0, 0.0]]), np.array([[1e-3, 0.0, 0.0]])
    # Without management A = sqrt(lr / (dw_min BL)) = 1.58: the x stream saturates; with it,
    # gamma = sqrt(max|d| / max|x|) brings both probabilities to 0.05.
    for um, expect_saturation in ((False, True), (True, False)):
        rule = StochasticUpdate(bl=10, update_management=um)
        state, _, _ = rule.pulses(rule.init(c.shape), x, d, 0.5, c, rng=np.random.default_rng(0))
        assert (state.saturated > 0) == expect_saturation
    rule = StochasticUpdate(bl=10, update_management=False)
    state, _, _ = rule.pulses(rule.init(c.shape), x, np.array([[1.0, 0, 0]]), 0.5, c,
                              rng=np.random.default_rng(0))
    assert state.saturated == 2


def test_ssm_momentum_rounding_and_pulse_compensation() -> None:
    c = xbar()
    rule = SSM(momentum=0.5, compensation="pulses", stochastic_rounding=False, max_pulses=None)
    state = rule.init(c.shape)
    rng = np.random.default_rng(0)
    state, rows, n1 = rule.pulses(state, X, D, 0.2, c, rng=rng)
    assert rows is None
    g = X.T @ D
    np.testing.assert_allclose(state.m, 0.5 * g)
    p1 = -0.2 * 0.5 * g / c.dw_min
    np.testing.assert_allclose(state.residual, p1 - n1)
    state, _, n2 = rule.pulses(state, X, D, 0.2, c, rng=rng)
    p2 = -0.2 * 0.75 * g / c.dw_min + (p1 - n1)
    np.testing.assert_array_equal(n2, np.trunc(p2 + np.copysign(0.5, p2)).astype(int))
    # Nothing is lost: sent + carried = desired in total.
    np.testing.assert_allclose(n1 + n2 + state.residual, -0.2 * 1.25 * g / c.dw_min)


def test_ssm_sparse_ternary_writes_and_achieved_compensation() -> None:
    c = xbar(shape=(4, 3), levels=11)  # coarse device: dw_min = 0.2
    rule = SSM(momentum=0.0, compensation="achieved", max_pulses=1)
    state = rule.init(c.shape)
    rng = np.random.default_rng(3)
    for _ in range(3):
        state, _, n = rule.pulses(state, X, D, 0.4, c, rng=rng)
        assert set(np.unique(n)) <= {-1, 0, 1}
        before = c.weights
        c.apply(n, rng=None)
        state = rule.feedback(state, c.desired_pulses(c.weights - before), n)
        # A linear device delivers what it is sent, except where it hits a bound: the debt is
        # what was intended and not delivered, and it stays below one pulse elsewhere.
        assert np.all(np.abs(state.residual) < 1 + 1e-9)


def test_ssm_achieved_compensation_pays_a_device_debt() -> None:
    c = xbar(shape=(4, 3), levels=11)
    rule = SSM(momentum=0.0, compensation="achieved", max_pulses=3)
    state = rule.init(c.shape)
    state.residual[0, 0] = 2.6  # the device under-delivered 2.6 pulses earlier
    zero = np.zeros((1, 4))
    state, _, n = rule.pulses(state, zero, D, 0.4, c, rng=np.random.default_rng(0))
    assert n[0, 0] == 2 and np.count_nonzero(n) == 1  # whole pulses of the debt, nothing else
    before = c.weights
    c.apply(n, rng=None)
    state = rule.feedback(state, c.desired_pulses(c.weights - before), n)
    assert state.residual[0, 0] == pytest.approx(0.6)


@pytest.mark.parametrize("factory, message", [
    (lambda: StochasticUpdate(bl=0), r"rule.bl = 0 is invalid"),
    (lambda: SSM(momentum=1.0), r"rule.momentum = 1.0 is invalid: must be in \[0.0, 1.0\)"),
    (lambda: SSM(momentum=-0.1), r"rule.momentum = -0.1 is invalid"),
    (lambda: SSM(compensation="magic"), r"rule.compensation = 'magic' is invalid"),
    (lambda: NaiveSGD(rounding="up"), r"rule.rounding = 'up' is invalid"),
    (lambda: NaiveSGD(verify_rounds=-1), r"rule.verify_rounds = -1 is invalid"),
    (lambda: NaiveSGD(verify_tolerance=0.2), r"rule.verify_tolerance = 0.2 is invalid"),
])
def test_bad_rule_parameters(factory, message) -> None:
    with pytest.raises(ValueError, match=message):
        factory()


def test_ssm_drops_the_debt_of_a_device_at_its_bound() -> None:
    c = xbar(shape=(4, 3), levels=11)
    c.program(np.full((4, 3), c.w_range))  # every device at G_max: LTP does nothing
    rule = SSM(momentum=0.0, compensation="achieved", max_pulses=1)
    state = rule.init(c.shape)
    state.residual[:] = 1.5
    state, _, n = rule.pulses(state, np.zeros((1, 4)), D, 0.4, c, rng=np.random.default_rng(0))
    assert np.all(n == 1)
    before = c.weights
    c.apply(n, rng=None)
    state = rule.feedback(state, c.desired_pulses(c.weights - before), n)
    assert np.all(state.residual == 0.0)  # not paid again with pulses that cannot act


def test_ssm_limit_compensation_carries_what_the_pulse_limit_cut() -> None:
    c = xbar()
    rule = SSM(momentum=0.0, stochastic_rounding=False, compensation="limit", max_pulses=1)
    state = rule.init(c.shape)
    state, _, n = rule.pulses(state, X, D, 0.5, c, rng=np.random.default_rng(0))
    # Rounded wish [[-5, 3, -1], ..]: one pulse sent now, the rest carried.
    assert n[0].tolist() == [-1, 1, -1]
    assert state.residual[0].tolist() == [-4, 2, 0]
    state, _, n2 = rule.pulses(state, np.zeros((1, 4)), D, 0.5, c, rng=np.random.default_rng(0))
    assert n2[0].tolist() == [-1, 1, 0] and state.residual[0].tolist() == [-3, 1, 0]


def test_threshold_update_fires_one_pulse_per_crossing_and_keeps_the_remainder() -> None:
    c = xbar((2, 2))
    rule = ThresholdUpdate(threshold=1.0)
    state = rule.init((2, 2))
    x = np.array([[1.0, 0.5]])
    d = np.array([[-0.8, 0.3]])  # statistic -x^T d = [[0.8, -0.3], [0.4, -0.15]] per step
    sent = np.zeros((2, 2), dtype=int)
    for _ in range(3):
        state, rows, n = rule.pulses(state, x, d, 1.0, c, rng=np.random.default_rng(0))
        assert rows is None and np.abs(n).max() <= 1
        sent += n
    # 2.4 -> two pulses (remainder 0.4); -0.9 -> none; 1.2 -> one (0.2); -0.45 -> none
    assert sent.tolist() == [[2, 0], [1, 0]]
    np.testing.assert_allclose(state, [[0.4, -0.9], [0.2, -0.45]])
    # the accumulator plus what was sent is what was asked for, exactly
    np.testing.assert_allclose(state + sent * 1.0, 3 * (-(x.T @ d)))


def test_threshold_update_max_pulses_and_errors() -> None:
    c = xbar((1, 1))
    rule = ThresholdUpdate(threshold=0.5, max_pulses=2)
    state, _, n = rule.pulses(rule.init((1, 1)), np.array([[1.0]]), np.array([[-1.6]]), 1.0, c,
                              rng=np.random.default_rng(0))
    assert n.tolist() == [[2]]  # 3.2 thresholds asked, 2 sent, 0.6 kept
    np.testing.assert_allclose(state, [[0.6]])
    with pytest.raises(ValueError, match="rule.threshold"):
        ThresholdUpdate(threshold=0.0)
    with pytest.raises(ValueError, match="rule.max_pulses"):
        ThresholdUpdate(max_pulses=0)


@pytest.mark.parametrize("max_pulses", [1, 3])
def test_threshold_update_matches_the_dense_definition(max_pulses: int) -> None:
    # Many steps on a large array: the sparse update equals the definition applied to every
    # accumulator, n = sign(a) min(floor(|a| / thr), max_pulses), a -= n thr.
    rng = np.random.default_rng(5)
    c = xbar((40, 30))
    rule = ThresholdUpdate(threshold=0.7, max_pulses=max_pulses)
    state, ref = rule.init((40, 30)), np.zeros((40, 30))
    for _ in range(20):
        x, d = rng.normal(size=(8, 40)), rng.normal(size=(8, 30))
        state, _, n = rule.pulses(state, x, d, 2.0, c, rng=rng)
        ref += (x.T @ d) * (-2.0 / 8)
        m = (np.sign(ref) * np.minimum(np.floor(np.abs(ref) / 0.7), max_pulses)).astype(int)
        ref -= m * 0.7
        np.testing.assert_array_equal(n, m)
        np.testing.assert_array_equal(state, ref)
    # What stays above the threshold is only where the step was capped at max_pulses.
    assert np.all((np.abs(state) < 0.7) | (np.abs(n) == max_pulses))
    assert np.any(n != 0) and np.any(n == 0)
    # A state that is not C-contiguous is still updated correctly (returned, not in place).
    f_state = np.asfortranarray(np.full((40, 30), 0.69))
    out, _, n = rule.pulses(f_state, np.ones((1, 40)), np.full((1, 30), -0.02), 1.0, c, rng=rng)
    assert np.all(n == 1)
    np.testing.assert_allclose(out, 0.69 + 0.02 - 0.7)
