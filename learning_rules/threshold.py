"""Accumulate-and-fire writes with a threshold (Wang et al., memristive DBN, 2022; DESIGN.md 3).

Each synapse has a digital accumulator. Every step adds the desired change in statistic units,

    acc += -lr x^T delta / batch

(for contrastive divergence with ``lr = 1``: the batch-mean coincidence counts
``<v0 h0> - <v1 h1>``, see `neuro.rbm`). Where ``|acc| >= threshold`` the synapse receives one
open-loop pulse in the direction of ``acc`` (at most ``max_pulses``) and ``threshold`` is
subtracted per pulse; the remainder is kept for later steps. Wang et al. use a threshold of 100
coincidences with batches of 100, i.e. ``threshold = 1`` in batch-mean units. The gating, not the
device, is what removes about two orders of magnitude of writes: a synapse is written only after
its statistic has consistently pointed the same way.

Every pulse moves a weight by about ``dw_min``, so the effective learning rate per unit of
statistic is ``dw_min / threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devices.errors import check_int, check_range

__all__ = ["ThresholdUpdate"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ThresholdUpdate:
    """Per-synapse accumulator; one pulse per threshold crossing.

    Attributes
    ----------
    threshold : float
        Accumulated statistic that triggers one pulse (> 0).
    max_pulses : int
        Pulses per synapse per step at most (>= 1); what is beyond stays in the accumulator.
    """

    threshold: float = 1.0
    max_pulses: int = 1
    per_device_init: bool = False
    wants_feedback: bool = False

    def __post_init__(self) -> None:
        check_range("rule.threshold", self.threshold, 0.0, None, lo_open=True)
        check_int("rule.max_pulses", self.max_pulses, 1)

    def init(self, shape: tuple[int, int]) -> np.ndarray:
        return np.zeros(shape)

    def pulses(self, state, x, delta, lr, crossbar, *, rng):
        state += (x.T @ delta) * (-lr / len(x))
        # Only the few accumulators that crossed the threshold are touched (sparse writes).
        state = np.ascontiguousarray(state)  # (as `init` makes it: then no copy)
        acc = state.reshape(-1)  # a view of the state
        hit = np.flatnonzero(np.abs(acc) >= self.threshold)
        s = acc[hit]
        k = np.sign(s) * np.minimum(np.floor(np.abs(s) / self.threshold), self.max_pulses)
        acc[hit] = s - k * self.threshold
        n = np.zeros(state.shape, dtype=np.int64)
        n.reshape(-1)[hit] = k
        return state, None, n
