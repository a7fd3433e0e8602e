"""Soft-bounds pulse response (Querlioz et al. 2013; Ernoult et al.; DESIGN.md 2.2).

A pulse of width dt changes the conductance by

    dG+ =  (dG_range/beta) ln(1 + (beta/dG_range) C dt exp(-beta (G - G_min)/dG_range))
    dG- = -(dG_range/beta) ln(1 + (beta/dG_range) C dt exp(-beta (G_max - G)/dG_range))

with ``C = (dG_range / T_max) (e^beta - 1) / beta``, the exact solution over dt of
``dG/dt = C exp(-beta (G - G_min)/dG_range)``. The solution over ``n`` pulses is the same
expression with ``n dt`` in place of ``dt``, so a train is one closed-form step. With
``P = T_max / dt`` pulses for a full sweep and ``w`` the normalised distance from the bound the
device moves away from:

    G' = G + sign(n) dG_range ln(1 + beta s) / beta,   s = |n| (e^beta - 1) / (beta P) e^(-beta w).

``beta -> 0`` is linear; beta = 0 is evaluated as beta = 1e-9 (relative error ~1e-9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from devices.code import Statements
from devices.errors import check_int, check_range, fail
from devices.variability import Variability, draw_factors, draw_window

__all__ = ["SoftBoundsResponse"]

BETA_LINEAR = 1e-9


@dataclass(frozen=True, slots=True, kw_only=True)
class SoftBoundsResponse:
    """Soft-bounds response with its own steepness for potentiation and depression.

    Attributes
    ----------
    g_min, g_max : float
        Conductance window [S], ``0 <= g_min < g_max``.
    levels : int
        Pulses ``P = T_max / dt`` that take the device across the whole window, >= 2.
    beta_ltp, beta_ltd : float
        Steepness (dimensionless) in [0, 50]; 0 is linear.
    """

    family: ClassVar[str] = "softbounds"
    PARAMS: ClassVar[tuple[str, ...]] = ("g_min", "g_max", "beta_ltp", "beta_ltd", "p_max")
    UPDATE: ClassVar[Statements] = Statements((
        "tmp_up = int(n_pulses > 0)",
        "tmp_b = beta_ltp*tmp_up + beta_ltd*(1 - tmp_up)",
        "tmp_w = ((g - g_min)*tmp_up + (g_max - g)*(1 - tmp_up))/(g_max - g_min)",
        "tmp_s = abs(n_pulses)*expm1(tmp_b)/(tmp_b*p_max)*exp(-tmp_b*tmp_w)",
        "g = clip(g + sign(n_pulses)*(g_max - g_min)*log1p(tmp_b*tmp_s)/tmp_b, g_min, g_max)",
    ))

    g_min: float
    g_max: float
    levels: int
    beta_ltp: float
    beta_ltd: float

    def __post_init__(self) -> None:
        check_range("response.g_min", self.g_min, 0.0, None)
        check_range("response.g_max", self.g_max, 0.0, None, lo_open=True)
        if self.g_min >= self.g_max:
            raise fail("response.g_min", self.g_min, f"must be < g_max = {self.g_max!r}")
        check_int("response.levels", self.levels, 2)
        check_range("response.beta_ltp", self.beta_ltp, 0.0, 50.0)
        check_range("response.beta_ltd", self.beta_ltd, 0.0, 50.0)

    def parameters(self, shape: tuple[int, ...], var: Variability, *,
                   rng: np.random.Generator) -> dict[str, np.ndarray | float]:
        g_min, g_max = draw_window(self.g_min, self.g_max, var, shape, rng=rng)
        out: dict[str, np.ndarray | float] = {"g_min": g_min, "g_max": g_max}
        for way in ("ltp", "ltd"):
            beta = getattr(self, f"beta_{way}")
            if var.d2d_nl and beta > 0:
                beta = beta * draw_factors(var.d2d_nl, shape, var.d2d_distribution, rng=rng,
                                           what="variability.d2d_nl", hi=50.0 / beta)
            out[f"beta_{way}"] = np.maximum(beta, BETA_LINEAR)
        out["p_max"] = self.levels / draw_factors(var.d2d_step, shape, var.d2d_distribution,
                                                  rng=rng, what="variability.d2d_step")
        return {k: float(v) if np.ndim(v) == 0 else np.asarray(v, np.float64)
                for k, v in out.items()}

    def summary(self) -> dict[str, str]:
        return {"levels": str(self.levels), "nl": f"beta {self.beta_ltp:g}/{self.beta_ltd:g}"}
