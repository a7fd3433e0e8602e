"""Measured pulse-response table: a user's conductance after each pulse, interpolated.

The LTP branch ``g_ltp[k]`` is the conductance after ``k`` potentiating pulses (strictly
increasing) and the LTD branch ``g_ltd[k]`` after ``k`` depressing pulses (strictly decreasing).
A train of ``n`` pulses finds the device's position on the branch of its direction by inverse
linear interpolation, moves ``|n|`` pulses along it and reads the conductance back; beyond the
ends of a branch the device stays at its last measured value. Under D2D spread of the window,
each device uses the curves rescaled to its own [G_min, G_max].

This family runs on numpy only (no torch or Brian2 code): for those backends, fit an analytic
family to the data (`devices.fitting`, ``neuro devices fit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from devices._array import is_torch
from devices.errors import ParameterError, fail
from devices.variability import Variability, draw_window

__all__ = ["TableResponse"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TableResponse:
    """Interpolated measured LTP and LTD branches.

    Attributes
    ----------
    g_ltp : tuple of float
        Conductance [S] after 0, 1, 2, ... potentiating pulses; strictly increasing, >= 2 points.
    g_ltd : tuple of float
        Conductance [S] after 0, 1, 2, ... depressing pulses; strictly decreasing, >= 2 points.
    """

    family: ClassVar[str] = "table"
    PARAMS: ClassVar[tuple[str, ...]] = ("g_min", "g_max")
    UPDATE: ClassVar[None] = None

    g_ltp: tuple[float, ...]
    g_ltd: tuple[float, ...]

    def __post_init__(self) -> None:
        for name, sign in (("g_ltp", 1.0), ("g_ltd", -1.0)):
            g = np.asarray(getattr(self, name), dtype=np.float64)
            if g.ndim != 1 or len(g) < 2:
                raise fail(f"response.{name}", getattr(self, name), "needs >= 2 conductances")
            if not np.all(np.isfinite(g)) or g.min() < 0:
                raise fail(f"response.{name}", getattr(self, name),
                           "conductances must be finite and >= 0")
            if not np.all(sign * np.diff(g) > 0):
                what = "increase" if sign > 0 else "decrease"
                raise fail(f"response.{name}", "not monotone", f"must {what} strictly with the "
                           "pulse number; for noisy data fit a family instead (neuro devices fit)")

    @property
    def g_min(self) -> float:
        return float(min(self.g_ltp[0], self.g_ltd[-1]))

    @property
    def g_max(self) -> float:
        return float(max(self.g_ltp[-1], self.g_ltd[0]))

    @property
    def levels_ltp(self) -> int:
        return len(self.g_ltp) - 1

    @property
    def levels_ltd(self) -> int:
        return len(self.g_ltd) - 1

    def parameters(self, shape: tuple[int, ...], var: Variability, *,
                   rng: np.random.Generator) -> dict[str, np.ndarray | float]:
        if var.d2d_nl or var.d2d_step:
            raise ParameterError("variability.d2d_nl/d2d_step = nonzero is invalid for the "
                                 "table family: only window spread (d2d_g_min, d2d_g_max) applies")
        g_min, g_max = draw_window(self.g_min, self.g_max, var, shape, rng=rng)
        return {"g_min": g_min, "g_max": g_max}

    def step(self, g: np.ndarray, n_pulses: np.ndarray, p: dict) -> np.ndarray:
        """Conductance after ``n_pulses`` (signed) pulses from ``g``; numpy only."""
        if is_torch(g):
            raise ParameterError("response.family = 'table' is invalid for torch tensors: fit an "
                                 "analytic family (neuro devices fit) for differentiable use")
        span = self.g_max - self.g_min
        tl = (np.asarray(self.g_ltp) - self.g_min) / span
        td = (np.asarray(self.g_ltd) - self.g_min) / span
        kl, kd = np.arange(len(tl), dtype=np.float64), np.arange(len(td), dtype=np.float64)
        g_min, width = p["g_min"], p["g_max"] - p["g_min"]
        u = (g - g_min) / width
        n = np.asarray(n_pulses, dtype=np.float64)
        up = np.interp(np.interp(u, tl, kl) + n, kl, tl)
        down = np.interp(np.interp(u, td[::-1], kd[::-1]) - n, kd, td)
        u_new = np.where(n > 0, up, np.where(n < 0, down, u))
        return g_min + u_new * width

    def summary(self) -> dict[str, str]:
        return {"levels": f"{self.levels_ltp}/{self.levels_ltd}", "nl": "measured"}
