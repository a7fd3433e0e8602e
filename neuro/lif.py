"""Leaky integrate-and-fire neurons, the discrete-time model of snnTorch's ``Leaky``.

With ``beta = exp(-dt / tau)`` and threshold ``theta``, at each step t (snnTorch 1.0 ``Leaky``
with its default delayed reset):

    reset_t = H(mem_{t-1} - theta)
    mem_t   = beta mem_{t-1} + I_t - reset_t theta         (reset by subtraction)
    mem_t   = beta (1 - reset_t) mem_{t-1} + I_t            (reset to zero)
    spk_t   = H(mem_t - theta)

`LIFParams` is shared by the snnTorch models, the time-stepped references here and the Brian2
networks (`neuro.brian`), so all of them simulate the same neuron. `reference_counts` runs a
feed-forward network of such neurons on a spike raster (numpy, float64): the ground truth the
event-driven Brian2 engine is tested against.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from devices.errors import check_choice, check_range, fail

__all__ = ["LIFParams", "reference_counts"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LIFParams:
    """Parameters of the discrete-time LIF neuron.

    Attributes
    ----------
    tau : float
        Membrane time constant [s], > 0.
    dt : float
        Time step [s], > 0.
    threshold : float
        Firing threshold (dimensionless; inputs are in the same units), > 0.
    reset : {"subtract", "zero"}
        Reset mechanism.
    """

    tau: float = 20e-3
    dt: float = 1e-3
    threshold: float = 1.0
    reset: Literal["subtract", "zero"] = "subtract"

    def __post_init__(self) -> None:
        check_range("lif.tau", self.tau, 0.0, None, lo_open=True)
        check_range("lif.dt", self.dt, 0.0, 1.0, lo_open=True)
        check_range("lif.threshold", self.threshold, 0.0, None, lo_open=True)
        check_choice("lif.reset", self.reset, ("subtract", "zero"))

    @property
    def beta(self) -> float:
        """Membrane decay per step, ``exp(-dt / tau)`` (snnTorch's ``beta``)."""
        return math.exp(-self.dt / self.tau)


def reference_counts(weights: Sequence[np.ndarray], raster: np.ndarray, p: LIFParams, *,
                     input_map=None) -> list[np.ndarray]:
    """Spike counts of every layer of a feed-forward LIF network, time-stepped.

    Parameters
    ----------
    weights : sequence of np.ndarray
        ``W_l`` of shape ``(n_{l-1}, n_l)``; the input current of layer l at step t is
        ``spikes_{l-1}[t] @ W_l`` (same step, as in snnTorch).
    raster : np.ndarray, shape ``(T, n_samples, n_in)``
        Input spikes (bool) or graded input amplitudes (float, 0 = no input).
    p : LIFParams
    input_map : callable, optional
        Applied to the input amplitudes before the first layer (e.g. the crossbar's I-V shape,
        `neuro.crossbar` style ``f(a V_read) / f(V_read)``).

    Returns
    -------
    list of np.ndarray of int64, shape ``(n_samples, n_l)``
        Spike counts over the T steps, one array per layer.
    """
    raster = np.asarray(raster)
    if raster.ndim != 3:
        raise fail("raster.shape", raster.shape, "must be (T, n_samples, n_in)")
    n_steps, n, _ = raster.shape
    mem = [np.zeros((n, w.shape[1])) for w in weights]
    counts = [np.zeros((n, w.shape[1]), dtype=np.int64) for w in weights]
    beta, theta = p.beta, p.threshold
    for t in range(n_steps):
        s = raster[t].astype(np.float64)
        if input_map is not None:
            s = input_map(s)
        for k, w in enumerate(weights):
            reset = (mem[k] > theta).astype(np.float64)
            if p.reset == "subtract":
                mem[k] = beta * mem[k] + s @ w - reset * theta
            else:
                mem[k] = beta * (1.0 - reset) * mem[k] + s @ w
            s = (mem[k] > theta).astype(np.float64)
            counts[k] += s.astype(np.int64)
    return counts
