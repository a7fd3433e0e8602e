"""Naive in-situ SGD (DESIGN.md 3): the digital gradient rounded to a pulse count, open loop.

    dW = -lr x^T delta / batch,   n = round(dW / dw_min)   (half away from zero, as NeuroSim)

Updates below half a pulse step are lost; the device's non-linearity and noise decide what the
pulses actually do. ``rounding="stochastic"`` rounds up with the probability of the fraction
(unbiased: small updates become occasional single pulses instead of none).

Open loop by default; ``verify_rounds > 0`` asks the trainer for write-verify
(`neuro.crossbar.Crossbar.apply_verified`): the written weights are read back and corrected
towards their nominal targets, up to that many times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from devices import pulse_count
from devices.errors import check_choice, check_int, check_range
from learning_rules.base import active_rows

__all__ = ["NaiveSGD"]


@dataclass(frozen=True, slots=True, kw_only=True)
class NaiveSGD:
    """Pulse-number rounding of the SGD step.

    Attributes
    ----------
    rounding : {"nearest", "truncate", "stochastic"}
        How the desired pulse count is made whole.
    verify_rounds : int
        Read-verify rounds after each write (0: open loop).
    verify_tolerance : float
        Remaining error, in nominal pulses, that a verify round leaves alone (>= 0.5).
    """

    rounding: Literal["nearest", "truncate", "stochastic"] = "nearest"
    verify_rounds: int = 0
    verify_tolerance: float = 0.5
    per_device_init: bool = False
    wants_feedback: bool = False

    def __post_init__(self) -> None:
        check_choice("rule.rounding", self.rounding, ("nearest", "truncate", "stochastic"))
        check_int("rule.verify_rounds", self.verify_rounds, 0)
        check_range("rule.verify_tolerance", self.verify_tolerance, 0.5, None)

    def init(self, shape: tuple[int, int]) -> None:
        return None

    def pulses(self, state, x, delta, lr, crossbar, *, rng):
        rows, xa = active_rows(x)
        dw = (xa.T @ delta) * (-lr / len(x))
        return state, rows, pulse_count(crossbar.desired_pulses(dw), mode=self.rounding, rng=rng)
