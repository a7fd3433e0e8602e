from __future__ import annotations

import numpy as np
import pytest

from neuro import encoding


def test_bernoulli_rate_shape_dtype_and_determinism() -> None:
    x = np.array([[0.0, 0.25, 1.0], [0.5, 0.75, 0.1]])
    s = encoding.bernoulli(x, 4000, rng=np.random.default_rng(1), gain=0.8)
    assert s.shape == (4000, 2, 3) and s.dtype == np.bool_
    p = 0.8 * x
    sigma = np.sqrt(p * (1 - p) / 4000)
    assert np.all(np.abs(s.mean(axis=0) - p) <= 5 * sigma + 1e-12)
    assert not s[:, 0, 0].any() and s[:, 0, 2].mean() > 0.75
    again = encoding.bernoulli(x, 4000, rng=np.random.default_rng(1), gain=0.8)
    np.testing.assert_array_equal(s, again)


@pytest.mark.parametrize("bad", [1.5, -0.1, np.nan])
def test_bernoulli_rejects_out_of_range_intensity(bad) -> None:
    with pytest.raises(ValueError, match="x = .* is invalid: every intensity must be in"):
        encoding.bernoulli(np.array([0.2, bad]), 10, rng=np.random.default_rng(0))


def test_poisson_counts_follow_rate() -> None:
    x = np.array([0.0, 0.5, 1.0])
    rng = np.random.default_rng(3)
    counts = np.zeros(3)
    n_trials = 200
    for _ in range(n_trials):
        idx, t = encoding.poisson_times(x, 0.5, 100.0, rng=rng)
        assert np.all(np.diff(t) >= 0) and t.min(initial=0) >= 0 and t.max(initial=0) < 0.5
        counts += np.bincount(idx, minlength=3)
    mean = counts / n_trials
    expected = x * 100.0 * 0.5
    assert mean[0] == 0
    assert np.all(np.abs(mean - expected) <= 5 * np.sqrt(expected / n_trials) + 1e-12)


def test_poisson_on_grid_has_one_spike_per_input_and_step() -> None:
    x = np.full(50, 1.0)
    idx, t = encoding.poisson_times(x, 1.0, 400.0, rng=np.random.default_rng(0), dt=1e-3)
    steps = np.round(t / 1e-3).astype(int)
    pairs = set(zip(steps.tolist(), idx.tolist(), strict=True))
    assert len(pairs) == len(idx)  # no duplicate (step, input)
    np.testing.assert_allclose(t, steps * 1e-3)
    # Rate 400 Hz at dt 1 ms: a fraction ~ r dt / 2 = 20% of spikes merge; the rest survive.
    assert 0.7 * 400 * 50 < len(idx) < 0.9 * 400 * 50


def test_raster_to_times_round_trip() -> None:
    raster = encoding.bernoulli(np.full((1, 7), 0.3), 30, rng=np.random.default_rng(2))[:, 0, :]
    idx, t = encoding.raster_to_times(raster, 1e-3)
    rebuilt = np.zeros_like(raster)
    rebuilt[np.round(t / 1e-3).astype(int), idx] = True
    np.testing.assert_array_equal(rebuilt, raster)
    assert np.all(np.diff(t) >= 0)
