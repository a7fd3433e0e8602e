"""SSM (Wang, Wu, Zhang, Tian, Shi; arXiv 1906.02393; reconstruction, DESIGN.md 3).

Four parts, each switchable for ablation:

- momentum: ``m <- b m + (1 - b) g`` drives the devices instead of the gradient ``g``
  ("eliminates training noise and distils robust updates");
- stochastic sparse rounding: the desired pulses ``p = -lr m / dw_min`` are rounded
  stochastically and limited to ``max_pulses`` per weight and step (discrete, mostly zero:
  sparse writes); off: rounding to nearest;
- update compensation: what was not achieved is carried into the next step, either the rounding
  remainder ``p - n`` (``"pulses"``, open loop) or the desired change minus the change the
  devices actually made, read back after the write (``"achieved"``, which also absorbs the
  device's non-linearity and asymmetry);
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
    desired: np.ndarray | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SSM:
    """Stochastic sparse update with momentum adaptation.

    Attributes
    ----------
    momentum : float
        ``b`` in [0, 1).
    use_momentum, stochastic_rounding, per_device_init : bool
        Three of the four parts (``per_device_init`` is the re-initialisation).
    compensation : {"achieved", "pulses", "off"}
        The fourth part, and its form.
    max_pulses : int or None
        Most pulses one weight gets in one step (1: ternary writes); None: no limit.
    """

    momentum: float = 0.9
    use_momentum: bool = True
    stochastic_rounding: bool = True
    compensation: Literal["achieved", "pulses", "off"] = "achieved"
    per_device_init: bool = True
    max_pulses: int | None = 1

    def __post_init__(self) -> None:
        check_range("rule.momentum", self.momentum, 0.0, 1.0, hi_open=True)
        check_choice("rule.compensation", self.compensation, ("achieved", "pulses", "off"))
        if self.max_pulses is not None:
            check_int("rule.max_pulses", self.max_pulses, 1)

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
        if self.compensation != "off":
            p = p + state.residual
        n = pulse_count(p, mode="stochastic" if self.stochastic_rounding else "nearest", rng=rng)
        if self.max_pulses is not None:
            np.clip(n, -self.max_pulses, self.max_pulses, out=n)
        if self.compensation == "pulses":
            state.residual = p - n
        elif self.compensation == "achieved":
            state.desired = p
        return state, None, n

    def feedback(self, state: SSMState, achieved: np.ndarray) -> SSMState:
        """Carry ``desired - achieved`` (nominal pulses) after the write was read back."""
        state.residual = state.desired - achieved
        state.desired = None
        return state
