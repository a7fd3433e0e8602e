"""NeuroSim-style exponential pulse response with separate LTP/LTD non-linearity and levels.

    G(P) = B (1 - exp(-P/A)) + G_min,   B = (G_max - G_min) / (1 - exp(-P_max/A))

(MLP+NeuroSim V3.0 manual; DESIGN.md 2.1). A train of ``n`` pulses moves the device from its
pulse position ``P(G)`` to ``P(G) + n`` on the LTP curve (``n > 0``, ``A_ltp``,
``P_max = levels_ltp``) or the LTD curve (``n < 0``, ``A_ltd``, ``P_max = levels_ltd``),
clipped to [G_min, G_max].
Eliminating P gives one closed form per write, with ``c = 1/A`` [1/pulse]:

    G' = G + (G_max - G_min) expm1(-n c) / expm1(-P_max c) + (G - G_min) expm1(-n c),

free of cancellation for any curvature (the linear limit NL = 0 is represented by a = 1e9,
within 1e-9 of a straight line). ``|n|`` is limited to ``P_max``, which changes nothing (the
device saturates) and keeps the exponentials finite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from devices.code import Statements
from devices.errors import check_int, check_range, fail
from devices.nonlinearity import NL_MAX, a_from_nl
from devices.variability import Variability, draw_factors, draw_window

__all__ = ["NeuroSimResponse"]

A_LINEAR = 1e9
"""Curvature a = A / P_max standing for the linear limit (NL = 0)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NeuroSimResponse:
    """Exponential LTP/LTD curves parameterised by NeuroSim's non-linearity labels.

    Attributes
    ----------
    g_min, g_max : float
        Conductance window [S], ``0 <= g_min < g_max``.
    levels_ltp, levels_ltd : int
        Pulses ``P_max`` from G_min to G_max (LTP) and from G_max to G_min (LTD); NeuroSim's
        ``maxNumLevelLTP/LTD``. >= 2.
    nl_ltp, nl_ltd : float
        Non-linearity labels, ``|NL| <= 9`` (NeuroSim's table range); negative bends the curve
        the other way; 0 is linear.
    """

    family: ClassVar[str] = "neurosim"
    PARAMS: ClassVar[tuple[str, ...]] = ("g_min", "g_max", "c_ltp", "c_ltd", "p_ltp", "p_ltd")
    UPDATE: ClassVar[Statements] = Statements((
        "tmp_up = int(n_pulses > 0)",
        "tmp_c = c_ltp*tmp_up + c_ltd*(1 - tmp_up)",
        "tmp_p = p_ltp*tmp_up + p_ltd*(1 - tmp_up)",
        "tmp_e = expm1(-clip(n_pulses, -tmp_p, tmp_p)*tmp_c)",
        "g = clip(g + (g_max - g_min)*tmp_e/expm1(-tmp_p*tmp_c) + (g - g_min)*tmp_e,"
        " g_min, g_max)",
    ))

    g_min: float
    g_max: float
    levels_ltp: int
    levels_ltd: int
    nl_ltp: float
    nl_ltd: float

    def __post_init__(self) -> None:
        check_range("response.g_min", self.g_min, 0.0, None)
        check_range("response.g_max", self.g_max, 0.0, None, lo_open=True)
        if self.g_min >= self.g_max:
            raise fail("response.g_min", self.g_min, f"must be < g_max = {self.g_max!r}")
        check_int("response.levels_ltp", self.levels_ltp, 2)
        check_int("response.levels_ltd", self.levels_ltd, 2)
        check_range("response.nl_ltp", self.nl_ltp, -9.0, 9.0)
        check_range("response.nl_ltd", self.nl_ltd, -9.0, 9.0)

    @property
    def a_ltp(self) -> float:
        """A / P_max of the LTP curve (signed; inf when linear)."""
        return a_from_nl(self.nl_ltp, field="response.nl_ltp")

    @property
    def a_ltd(self) -> float:
        return a_from_nl(self.nl_ltd, field="response.nl_ltd")

    def parameters(self, shape: tuple[int, ...], var: Variability, *,
                   rng: np.random.Generator) -> dict[str, np.ndarray | float]:
        """Per-device parameters for `UPDATE` (scalars where there is no D2D spread)."""
        g_min, g_max = draw_window(self.g_min, self.g_max, var, shape, rng=rng)
        out: dict[str, np.ndarray | float] = {"g_min": g_min, "g_max": g_max}
        step = draw_factors(var.d2d_step, shape, var.d2d_distribution, rng=rng,
                            what="variability.d2d_step")
        for way in ("ltp", "ltd"):
            nl = getattr(self, f"nl_{way}")
            p_max = float(getattr(self, f"levels_{way}"))
            if var.d2d_nl and nl != 0.0:
                f = draw_factors(var.d2d_nl, shape, var.d2d_distribution, rng=rng,
                                 what="variability.d2d_nl", hi=NL_MAX / abs(nl))
                a = a_from_nl(nl * f, field=f"response.nl_{way}")
            else:
                a = a_from_nl(nl, field=f"response.nl_{way}")
            a = np.where(np.abs(a) > A_LINEAR, np.copysign(A_LINEAR, a), a)
            p = p_max / step  # a smaller step per pulse: more pulses across the window
            out[f"p_{way}"] = p
            out[f"c_{way}"] = 1.0 / (a * p)  # the curve keeps its shape: A = a * P
        for k, v in out.items():
            out[k] = float(v) if np.ndim(v) == 0 else np.asarray(v, dtype=np.float64)
        return out

    def summary(self) -> dict[str, str]:
        levels = (str(self.levels_ltp) if self.levels_ltp == self.levels_ltd
                  else f"{self.levels_ltp}/{self.levels_ltd}")
        return {"levels": levels, "nl": f"{self.nl_ltp:g}/{self.nl_ltd:g}"}
