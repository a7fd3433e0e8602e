"""SSM (Wang, Wu, Zhang, Tian, Shi; arXiv 1906.02393; reconstruction, DESIGN.md 3).

Four parts, each switchable for ablation:

- momentum: ``m <- b m + (1 - b) g`` drives the devices instead of the gradient ``g``
  ("eliminates training noise and distils robust updates");
- stochastic sparse rounding: the desired pulses ``p = -lr m / dw_min`` are rounded
  stochastically and limited to ``max_pulses`` per weight and step (discrete, mostly zero:
  sparse writes); off: rounding to nearest;
- update compensation: what was not applied is carried into the next step: the pulses the
  per-step limit ``max_pulses`` cut off (``"limit"``, open loop, the default), the rounding
  remainder ``p - n`` (``"pulses"``; with stochastic rounding this remainder is zero-mean and
  carrying it makes every weight dither, so it suits nearest rounding), or the pulses the
  devices still owe, read back
  after the write (``"achieved"``): with ``q`` the sparse pulses the rule intends and ``a`` the
  change the devices actually made (in nominal pulses), the debt ``r <- r + q - a`` absorbs the
  device's non-linearity, asymmetry and noise, and its whole pulses are paid with the next
  write (``n = q + trunc(r)``). Paying only whole pulses keeps a linear device from dithering
  around its target (a fractional debt would be re-fired every step). A device that delivered
  less than ``min_response`` of what it was sent is at (or near) a bound of its window or on a
  flat part of its curve: its debt is dropped rather than paid with pulses that barely act; the
  debt is also capped at ``max_debt`` pulses.
- re-initialisation: the network starts inside each device's own conductance range
  (``per_device_init``), which counters device-to-device spread.

The paper gives the ingredients, not every formula; the choices above are this project's
reconstruction (docs/insitu.md reports the ablation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from devices import pulse_count
from devices.errors import check_choice, check_int, check_range

__all__ = ["SSM", "SSMState"]


@dataclass(slots=True)
class SSMState:
    """Momentum, carried (unachieved) pulses, and the last step's desired pulses per weight."""

    m: np.ndarray
    residual: np.ndarray
    intended: np.ndarray | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SSM:
    """Stochastic sparse update with momentum adaptation.

    Attributes
    ----------
    momentum : float
        ``b`` in [0, 1).
    use_momentum, stochastic_rounding, per_device_init : bool
        Three of the four parts (``per_device_init`` is the re-initialisation).
    compensation : {"limit", "achieved", "pulses", "off"}
        The fourth part, and its form.
    max_pulses : int or None
        Most pulses one weight gets in one step (1: ternary writes); None: no limit.
    max_debt : float
        Cap on the carried debt of the ``"achieved"`` compensation [pulses], > 0.
    min_response : float
        Fraction of a sent pulse a device must deliver for its debt to be kept, in [0, 1].
    """

    momentum: float = 0.9
    use_momentum: bool = True
    stochastic_rounding: bool = True
    compensation: Literal["limit", "achieved", "pulses", "off"] = "limit"
    per_device_init: bool = True
    max_pulses: int | None = 1
    max_debt: float = 2.0
    min_response: float = 0.25

    def __post_init__(self) -> None:
        check_range("rule.momentum", self.momentum, 0.0, 1.0, hi_open=True)
        check_choice("rule.compensation", self.compensation,
                     ("limit", "achieved", "pulses", "off"))
        if self.max_pulses is not None:
            check_int("rule.max_pulses", self.max_pulses, 1)
        check_range("rule.max_debt", self.max_debt, 0.0, None, lo_open=True)
        check_range("rule.min_response", self.min_response, 0.0, 1.0)

    @property
    def wants_feedback(self) -> bool:
        """The trainer passes the achieved weight change back (`feedback`)."""
        return self.compensation == "achieved"

    def init(self, shape: tuple[int, int]) -> SSMState:
        return SSMState(m=np.zeros(shape), residual=np.zeros(shape))

    def pulses(self, state, x, delta, lr, crossbar, *, rng):
        g = (x.T @ delta) / len(x)
        if self.use_momentum:
            state.m *= self.momentum
            state.m += (1.0 - self.momentum) * g
            g = state.m
        p = crossbar.desired_pulses(-lr * g)
        mode = "stochastic" if self.stochastic_rounding else "nearest"
        if self.compensation == "pulses":
            p = p + state.residual
            n = pulse_count(p, mode=mode, rng=rng)
            state.residual = p - n
        elif self.compensation == "limit":
            n = pulse_count(p, mode=mode, rng=rng) + np.trunc(state.residual).astype(np.int64)
            state.residual -= np.trunc(state.residual)
        else:
            n = pulse_count(p, mode=mode, rng=rng)
            if self.compensation == "achieved":
                state.intended = n
                n = n + np.trunc(state.residual).astype(np.int64)
        if self.max_pulses is not None:
            wanted = n
            n = np.clip(n, -self.max_pulses, self.max_pulses)
            if self.compensation == "limit":
                state.residual += wanted - n
        return state, None, n

    def feedback(self, state: SSMState, achieved: np.ndarray, sent: np.ndarray) -> SSMState:
        """Update the pulse debt with the change the devices made (nominal pulses)."""
        debt = np.clip(state.residual + state.intended - achieved, -self.max_debt, self.max_debt)
        debt[np.abs(achieved) < self.min_response * np.abs(sent)] = 0.0  # barely responds
        state.residual = debt
        state.intended = None
        return state
