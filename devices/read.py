"""Element-wise physics shared by every backend: reads, quantisation, noise, pulse rounding.

These functions take numpy arrays (with a ``np.random.Generator``) or torch tensors (with a
``torch.Generator``); the torch versions are what device-aware training differentiates through.
"""

from __future__ import annotations

import numpy as np

from devices._array import is_torch, ops
from devices.errors import check_choice, check_int, check_range, fail
from devices.iv import IVModel, iv_factor

__all__ = ["normal_like", "pulse_count", "quantize", "read_current", "write_noise"]


def normal_like(x, *, rng):
    """Standard normal samples of the shape (and dtype/device for torch) of ``x``."""
    if is_torch(x):
        import torch

        return torch.randn(x.shape, generator=rng, dtype=x.dtype, device=x.device)
    return rng.standard_normal(np.shape(x))


def read_current(g, v, iv: IVModel, *, read_noise: float = 0.0, rng=None):
    """Current ``I = G f(V) (1 + N(0, read_noise))`` of each device [A].

    ``g`` [S] and ``v`` [V] broadcast against each other. ``rng`` is required when
    ``read_noise > 0``.
    """
    check_range("read_noise", read_noise, 0.0, 1.0)
    i = g * iv_factor(iv, v)
    if read_noise == 0.0:
        return i
    if rng is None:
        raise fail("rng", None, "a random generator is required when read_noise > 0")
    return i * (1.0 + read_noise * normal_like(i, rng=rng))


def quantize(g, levels: int, g_min, g_max):
    """Nearest of ``levels`` equally spaced conductances in [g_min, g_max] (values clipped in)."""
    check_int("levels", levels, 2)
    o = ops(g)
    step = (g_max - g_min) / (levels - 1)
    k = o.round_half_away(o.clip((g - g_min) / step, 0.0, levels - 1.0))
    return g_min + k * step


def write_noise(g, n_pulses, c2c: float, g_min, g_max, *, rng):
    """C2C noise of a write: ``G + N(0, c2c (G_max - G_min) sqrt(|n|))``, clipped to the window."""
    if c2c == 0.0:
        return g
    check_range("c2c", c2c, 0.0, 1.0)
    o = ops(g)
    noisy = g + c2c * (g_max - g_min) * o.sqrt(o.abs(n_pulses)) * normal_like(g, rng=rng)
    return o.clip(noisy, g_min, g_max)


def pulse_count(x, *, mode: str = "nearest", rng: np.random.Generator | None = None):
    """Whole pulse numbers for desired (real) pulse numbers ``x`` (numpy, int64).

    ``nearest``: round half away from zero (NeuroSim; changes below half a step are lost);
    ``stochastic``: ``floor(x) + Bernoulli(x - floor(x))`` (unbiased; needs ``rng``);
    ``truncate``: towards zero.
    """
    x = np.asarray(x, dtype=np.float64)
    if mode == "nearest":  # astype truncates towards zero: x + sign(x)/2 rounds halves away
        return (x + np.copysign(0.5, x)).astype(np.int64)
    check_choice("rounding", mode, ("nearest", "stochastic", "truncate"))
    if mode == "truncate":
        return np.trunc(x).astype(np.int64)
    if rng is None:
        raise fail("rng", None, "stochastic rounding needs a random generator")
    lo = np.floor(x)
    return (lo + (rng.random(x.shape) < (x - lo))).astype(np.int64)
