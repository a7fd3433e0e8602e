"""Stochastic update (Gokmen & Vlasov 2016, RPU; used by Babu & Rajendran 2017; DESIGN.md 3).

``variant="bitstream"``: for each sample, the inputs ``x`` and errors ``d`` become random bit
streams of length BL with ``P(x_i bit) = A |x_i|`` and ``P(d_j bit) = B |d_j|``; every coincidence
of a bit of ``x_i`` and one of ``d_j`` sends one pulse to weight ``(i, j)`` with the sign of
``-x_i d_j``. With ``A = B = sqrt(lr / (dw_min BL))`` the expected change is the SGD step
``-lr x_i d_j``. Update management multiplies A by ``gamma = sqrt(max|d| / max|x|)`` and divides
B by it (same expectation, better-used probabilities). Probabilities above 1 saturate at 1, as in
the RPU; the fraction of saturated stream probabilities is kept in the state.

``variant="rounding"``: the simpler equivalent, stochastic rounding of the desired pulse count
``floor(p) + Bernoulli(p - floor(p))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from devices import pulse_count
from devices.errors import check_choice, check_int
from learning_rules.base import active_rows

__all__ = ["StochasticState", "StochasticUpdate"]


@dataclass(slots=True)
class StochasticState:
    """Counts of stream probabilities drawn and of those that saturated at 1."""

    probabilities: int = 0
    saturated: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class StochasticUpdate:
    """RPU stochastic update.

    Attributes
    ----------
    bl : int
        Bit-stream length BL (>= 1).
    update_management : bool
        Balance the two streams' probabilities (gamma scaling).
    variant : {"bitstream", "rounding"}
        Coincidence counting, or stochastic rounding of the desired pulse count.
    """

    bl: int = 10
    update_management: bool = True
    variant: Literal["bitstream", "rounding"] = "bitstream"
    per_device_init: bool = field(default=False)
    wants_feedback: bool = field(default=False)

    def __post_init__(self) -> None:
        check_int("rule.bl", self.bl, 1)
        check_choice("rule.variant", self.variant, ("bitstream", "rounding"))

    def init(self, shape: tuple[int, int]) -> StochasticState:
        return StochasticState()

    def pulses(self, state, x, delta, lr, crossbar, *, rng):
        rows, x = active_rows(x)
        if self.variant == "rounding":
            dw = (x.T @ delta) * (-lr / len(x))
            return state, rows, pulse_count(crossbar.desired_pulses(dw), mode="stochastic",
                                            rng=rng)
        batch = len(x)
        a0 = np.sqrt(lr / batch / (crossbar.dw_min * self.bl))
        n = np.zeros((x.shape[1], delta.shape[1]), dtype=np.int64)
        for xb, db in zip(x, delta, strict=True):
            ax, ad = np.abs(xb), np.abs(db)
            if ax.max() == 0 or ad.max() == 0:
                continue
            gamma = np.sqrt(ad.max() / ax.max()) if self.update_management else 1.0
            px, pd = a0 * gamma * ax, a0 / gamma * ad
            state.probabilities += px.size + pd.size
            state.saturated += int(np.count_nonzero(px > 1) + np.count_nonzero(pd > 1))
            bx = rng.random((self.bl, len(xb))) < px
            bd = rng.random((self.bl, len(db))) < pd
            hits = bx.T.astype(np.int64) @ bd.astype(np.int64)
            n -= np.sign(xb).astype(np.int64)[:, None] * np.sign(db).astype(np.int64)[None] * hits
        return state, rows, n
