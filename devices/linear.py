"""Linear steps with a finite number of levels (Babu & Rajendran 2017; DESIGN.md 2.2).

``N`` conductance levels equally spaced in [G_min, G_max]; dynamic range ``r = G_max / G_min``;
one pulse moves the device one level: ``G' = clip(G + n step, G_min, G_max)`` with
``step = (G_max - G_min) / (N - 1)`` (per device under D2D spread of the step and window).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from devices.code import Statements
from devices.errors import check_int, check_range, fail
from devices.variability import Variability, draw_factors, draw_window

__all__ = ["LinearResponse"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LinearResponse:
    """Equal steps between ``levels`` conductance states.

    Attributes
    ----------
    g_min, g_max : float
        Conductance window [S], ``0 <= g_min < g_max``.
    levels : int
        Number of conductance states N >= 2 (N - 1 pulses across the window).
    """

    family: ClassVar[str] = "linear"
    PARAMS: ClassVar[tuple[str, ...]] = ("g_min", "g_max", "step")
    UPDATE: ClassVar[Statements] = Statements((
        "g = clip(g + n_pulses*step, g_min, g_max)",
    ))

    g_min: float
    g_max: float
    levels: int

    def __post_init__(self) -> None:
        check_range("response.g_min", self.g_min, 0.0, None)
        check_range("response.g_max", self.g_max, 0.0, None, lo_open=True)
        if self.g_min >= self.g_max:
            raise fail("response.g_min", self.g_min, f"must be < g_max = {self.g_max!r}")
        check_int("response.levels", self.levels, 2)

    @property
    def dynamic_range(self) -> float:
        """``G_max / G_min`` (inf when G_min = 0)."""
        return self.g_max / self.g_min if self.g_min > 0 else float("inf")

    def parameters(self, shape: tuple[int, ...], var: Variability, *,
                   rng: np.random.Generator) -> dict[str, np.ndarray | float]:
        g_min, g_max = draw_window(self.g_min, self.g_max, var, shape, rng=rng)
        f = draw_factors(var.d2d_step, shape, var.d2d_distribution, rng=rng,
                         what="variability.d2d_step")
        step = (np.asarray(g_max) - np.asarray(g_min)) / (self.levels - 1) * np.asarray(f)
        out = {"g_min": g_min, "g_max": g_max, "step": step}
        return {k: float(v) if np.ndim(v) == 0 else np.asarray(v, np.float64)
                for k, v in out.items()}

    def summary(self) -> dict[str, str]:
        return {"levels": str(self.levels), "nl": "0 (linear)"}
