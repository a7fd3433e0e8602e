"""The interface shared by in-situ learning rules: gradient in, pulses out.

A rule is a frozen dataclass with

- ``per_device_init``: whether the network should be initialised inside each device's own
  conductance range (SSM re-initialisation) instead of at nominal conductances;
- ``wants_feedback``: whether, after the write, the trainer reads the weights back and calls
  ``feedback(state, achieved, sent)`` with the achieved change in nominal pulses and the pulses
  sent (closed-loop compensation);
- ``init(shape) -> state``: its per-layer state (None for stateless rules);
- ``pulses(state, x, delta, lr, crossbar, rng=) -> (state, rows, n_pulses)``: the signed pulse
  count per weight (positive increases the weight) for one step, for the word lines ``rows``
  (None: all rows; rules skip inputs that are zero, whose gradient rows vanish), given the
  layer input ``x``
  (batch, n_in) and the back-propagated ``delta`` (batch, n_out), whose batch-mean outer product
  is the gradient ``dL/dW = x^T delta / batch``. The rule asks the crossbar for the nominal weight
  change per pulse (`neuro.crossbar.Crossbar.desired_pulses`, ``dw_min``).

Rules never touch conductances; the caller applies the pulses open-loop (`Crossbar.apply`),
or with write-verify (`Crossbar.apply_verified`) when the rule has ``verify_rounds > 0`` (with
``verify_tolerance``; rules without these attributes are open loop).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

__all__ = ["Rule", "active_rows"]


class Rule(Protocol):
    per_device_init: bool
    wants_feedback: bool

    def init(self, shape: tuple[int, int]) -> Any: ...

    def pulses(self, state: Any, x: np.ndarray, delta: np.ndarray, lr: float, crossbar: Any, *,
               rng: np.random.Generator) -> tuple[Any, np.ndarray | None, np.ndarray]: ...


def active_rows(x: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """Rows (inputs) that are non-zero in some sample, and ``x`` restricted to them.

    Returns ``(None, x)`` when most inputs are active (restricting would not pay).
    """
    active = np.flatnonzero(np.any(x != 0, axis=0))
    if len(active) > 0.6 * x.shape[1]:
        return None, x
    return active, x[:, active]
