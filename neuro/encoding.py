"""Rate coding of images into spikes.

Two encoders, deterministic for a given ``rng``:

`bernoulli`
    Discrete time: at each of ``n_steps`` steps, input ``i`` spikes with probability
    ``p_i = gain * x_i``. Output ``bool`` array of shape ``(n_steps, *x.shape)`` (time first, the
    layout of snnTorch's ``spikegen.rate``).
`poisson_times`
    Continuous time: input ``i`` fires as a homogeneous Poisson process of rate
    ``r_i = max_rate * x_i`` [Hz] over ``[0, duration)`` [s]. Output ``(indices, times)``:
    ``int64`` neuron indices and ``float64`` spike times in seconds, sorted by time then index
    (the form Brian2's ``SpikeGeneratorGroup`` takes).

`raster_to_times` turns a Bernoulli raster into the ``(indices, times)`` form, so one
deterministic input can drive both a time-stepped reference and a Brian2 network.
"""

from __future__ import annotations

import numpy as np

from devices.errors import check_int, check_range, fail

__all__ = ["bernoulli", "poisson_times", "raster_to_times"]


def _check_rates(x: np.ndarray, field: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.size and (not np.all(np.isfinite(x)) or x.min() < 0.0 or x.max() > 1.0):
        bad = x[~np.isfinite(x) | (x < 0) | (x > 1)].flat[0]
        raise fail(field, float(bad), "every intensity must be in [0, 1]; scale the images first")
    return x


def bernoulli(x: np.ndarray, n_steps: int, *, rng: np.random.Generator,
              gain: float = 1.0) -> np.ndarray:
    """Bernoulli rate code.

    Parameters
    ----------
    x : array, any shape, values in [0, 1]
        Intensities (e.g. a batch of flattened images, shape ``(n, d)``).
    n_steps : int
        Number of time steps T.
    rng : np.random.Generator
        Source of randomness (keyword-only).
    gain : float
        Spike probability per step for intensity 1, in [0, 1].

    Returns
    -------
    np.ndarray of bool, shape ``(n_steps, *x.shape)``
    """
    check_int("n_steps", n_steps, 1)
    check_range("gain", gain, 0.0, 1.0)
    p = _check_rates(x, "x") * gain
    return rng.random((n_steps, *p.shape)) < p


def poisson_times(x: np.ndarray, duration: float, max_rate: float, *,
                  rng: np.random.Generator, dt: float | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Poisson spike times for one input vector.

    Parameters
    ----------
    x : array, shape ``(d,)``, values in [0, 1]
        Intensities of the ``d`` inputs.
    duration : float
        Length of the spike train [s], > 0.
    max_rate : float
        Rate for intensity 1 [Hz], >= 0.
    rng : np.random.Generator
        Source of randomness (keyword-only).
    dt : float, optional
        Simulation step [s]. When given, times are rounded down to the step grid and a second spike
        of the same input in the same step is dropped (a simulator delivers at most one per step);
        at ``max_rate * dt << 1`` this loses a fraction ``~ max_rate * dt / 2`` of spikes.

    Returns
    -------
    indices : np.ndarray of int64, shape ``(n_spikes,)``
    times : np.ndarray of float64, shape ``(n_spikes,)``, seconds, sorted by (time, index)
    """
    check_range("duration", duration, 0.0, None, lo_open=True)
    check_range("max_rate", max_rate, 0.0, None)
    x = _check_rates(x, "x")
    if x.ndim != 1:
        raise fail("x.shape", x.shape, "poisson_times encodes one input vector of shape (d,)")
    counts = rng.poisson(x * max_rate * duration)
    indices = np.repeat(np.arange(len(x), dtype=np.int64), counts)
    times = rng.random(len(indices)) * duration
    if dt is not None:
        check_range("dt", dt, 0.0, duration, lo_open=True)
        steps = np.floor(times / dt).astype(np.int64)
        keep = np.unique(np.stack([steps, indices]), axis=1)
        steps, indices = keep[0], keep[1]
        times = steps * dt
    order = np.lexsort((indices, times))
    return indices[order], times[order]


def raster_to_times(raster: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, times)`` of a ``(n_steps, d)`` boolean raster; step ``k`` fires at ``k*dt``."""
    raster = np.asarray(raster)
    if raster.ndim != 2:
        raise fail("raster.shape", raster.shape, "must be (n_steps, d)")
    check_range("dt", dt, 0.0, None, lo_open=True)
    steps, indices = np.nonzero(raster)  # row-major: sorted by step, then index
    return indices.astype(np.int64), steps.astype(np.float64) * dt
