"""Variability and drift: cycle-to-cycle, device-to-device, stuck devices, read noise, drift.

Equations (DESIGN.md 2.3):

- cycle-to-cycle (C2C): a write of ``n`` pulses adds ``N(0, c2c (G_max - G_min) sqrt(|n|))``,
  then the conductance is clipped to the device window (as NeuroSim does);
- device-to-device (D2D): per device, multiplicative factors on the NL label (or soft-bounds
  beta), G_min, G_max and the step size, drawn once: ``normal`` gives ``1 + sigma z``,
  ``lognormal`` gives ``exp(sigma z - sigma^2 / 2)`` (mean 1). Normal draws are truncated to
  factors >= 0.05 (and a window with G_min < G_max) by redrawing the offending devices;
- stuck devices: a fraction stuck at G_min ("off") and one at G_max ("on"); writes do not move
  them;
- read noise: ``I = V G (1 + N(0, read_noise))`` per read;
- drift (power law, PCM-like): ``G(t) = G_prog ((t - t_prog) / t0)^(-nu)`` for
  ``t - t_prog >= t0`` (``G_prog`` before), from each device's own last programming time;
  ``nu`` per device from ``N(nu, nu_sigma)`` truncated to ``nu >= 0`` by redrawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from devices.code import Statements
from devices.errors import ParameterError, check_choice, check_range

__all__ = ["DRIFT_READ", "DRIFT_WRITE", "Drift", "Variability", "draw_factors",
           "draw_truncated_normal", "draw_window"]

DRIFT_READ = Statements((
    "g_read = g*clip((t - t_prog)/(t0*second), 1, inf)**(-nu)",
))
"""Conductance at time ``t`` from the programmed ``g`` (event-driven drift)."""

DRIFT_WRITE = Statements((
    "tmp_w = int(n_pulses != 0)",
    "g = g*(clip((t - t_prog)/(t0*second), 1, inf)**(-nu)*tmp_w + 1 - tmp_w)",
    "t_prog = t*tmp_w + t_prog*(1 - tmp_w)",
))
"""Before a write: written devices drift to ``t`` and their programming time becomes ``t``;
devices receiving no pulse keep their state and programming time."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Variability:
    """Stochastic non-idealities of a device; every sigma is >= 0 and 0 switches it off.

    Attributes
    ----------
    c2c : float
        Cycle-to-cycle sigma per write, as a fraction of ``G_max - G_min``, times ``sqrt(|n|)``.
    d2d_nl : float
        Relative D2D sigma of the non-linearity (NL label; beta for soft bounds).
    d2d_g_min, d2d_g_max : float
        Relative D2D sigma of the window bounds.
    d2d_step : float
        Relative D2D sigma of the conductance step per pulse.
    d2d_distribution : {"normal", "lognormal"}
        Distribution of the D2D factors.
    stuck_off, stuck_on : float
        Fractions of devices stuck at G_min and at G_max (sum <= 1).
    read_noise : float
        Relative sigma of the read current, per read.
    """

    c2c: float = 0.0
    d2d_nl: float = 0.0
    d2d_g_min: float = 0.0
    d2d_g_max: float = 0.0
    d2d_step: float = 0.0
    d2d_distribution: Literal["normal", "lognormal"] = "normal"
    stuck_off: float = 0.0
    stuck_on: float = 0.0
    read_noise: float = 0.0

    def __post_init__(self) -> None:
        for name in ("c2c", "d2d_nl", "d2d_g_min", "d2d_g_max", "d2d_step", "read_noise"):
            check_range(f"variability.{name}", getattr(self, name), 0.0, 1.0)
        check_choice("variability.d2d_distribution", self.d2d_distribution,
                     ("normal", "lognormal"))
        check_range("variability.stuck_off", self.stuck_off, 0.0, 1.0)
        check_range("variability.stuck_on", self.stuck_on, 0.0, 1.0)
        if self.stuck_off + self.stuck_on > 1.0:
            raise ParameterError(
                f"variability.stuck_off + stuck_on = {self.stuck_off + self.stuck_on!r} is "
                "invalid: the stuck fractions must sum to at most 1")

    @property
    def has_d2d(self) -> bool:
        return any((self.d2d_nl, self.d2d_g_min, self.d2d_g_max, self.d2d_step))


@dataclass(frozen=True, slots=True, kw_only=True)
class Drift:
    """Power-law conductance drift ``G(t) = G_prog ((t - t_prog) / t0)^(-nu)``.

    Attributes
    ----------
    nu : float
        Mean drift exponent (dimensionless), in [0, 1]; PCM: ~0.05-0.1.
    nu_sigma : float
        Device-to-device sigma of ``nu`` (absolute), >= 0.
    t0 : float
        Reference time [s] after programming from which the power law applies (> 0).
    """

    nu: float
    nu_sigma: float = 0.0
    t0: float = 20.0

    def __post_init__(self) -> None:
        check_range("drift.nu", self.nu, 0.0, 1.0)
        check_range("drift.nu_sigma", self.nu_sigma, 0.0, 1.0)
        check_range("drift.t0", self.t0, 0.0, None, lo_open=True)



def _redraw(draw, ok, shape, what: str) -> np.ndarray:
    x = draw(shape)
    for _ in range(200):
        bad = ~ok(x)
        if not bad.any():
            return x
        x[bad] = draw(int(bad.sum()))
    raise ParameterError(f"{what}: the spread is too wide to draw valid values; "
                         "use a smaller sigma or the lognormal distribution")


def draw_factors(sigma: float, shape: tuple[int, ...], distribution: str, *,
                 rng: np.random.Generator, what: str, hi: float = np.inf) -> np.ndarray | float:
    """Multiplicative D2D factors of mean ~1; the scalar 1.0 when ``sigma == 0``.

    Normal factors are redrawn outside ``[0.05, hi]``, lognormal ones above ``hi``.
    """
    if sigma == 0.0:
        return 1.0
    if distribution == "lognormal":
        draw = lambda s: np.exp(sigma * rng.standard_normal(s) - 0.5 * sigma**2)  # noqa: E731
        return _redraw(draw, lambda x: x <= hi, shape, what)
    draw = lambda s: 1.0 + sigma * rng.standard_normal(s)  # noqa: E731
    return _redraw(draw, lambda x: (x >= 0.05) & (x <= hi), shape, what)


def draw_truncated_normal(mean: float, sigma: float, shape: tuple[int, ...], *,
                          rng: np.random.Generator, lo: float, what: str) -> np.ndarray | float:
    """``N(mean, sigma)`` redrawn below ``lo``; the scalar ``mean`` when ``sigma == 0``."""
    if sigma == 0.0:
        return mean
    draw = lambda s: mean + sigma * rng.standard_normal(s)  # noqa: E731
    return _redraw(draw, lambda x: x >= lo, shape, what)


def draw_window(g_min: float, g_max: float, var: Variability, shape: tuple[int, ...], *,
                rng: np.random.Generator) -> tuple[np.ndarray | float, np.ndarray | float]:
    """Per-device ``(G_min, G_max)`` with D2D spread; devices with G_min >= G_max are redrawn."""
    lo = g_min * draw_factors(var.d2d_g_min, shape, var.d2d_distribution, rng=rng,
                              what="variability.d2d_g_min")
    hi = g_max * draw_factors(var.d2d_g_max, shape, var.d2d_distribution, rng=rng,
                              what="variability.d2d_g_max")
    if np.ndim(lo) == 0 and np.ndim(hi) == 0:
        return lo, hi
    lo, hi = np.broadcast_to(lo, shape).copy(), np.broadcast_to(hi, shape).copy()
    for _ in range(200):
        bad = lo >= hi
        if not bad.any():
            return lo, hi
        k = int(bad.sum())
        if var.d2d_g_min:
            lo[bad] = g_min * draw_factors(var.d2d_g_min, (k,), var.d2d_distribution, rng=rng,
                                           what="variability.d2d_g_min")
        if var.d2d_g_max:
            hi[bad] = g_max * draw_factors(var.d2d_g_max, (k,), var.d2d_distribution, rng=rng,
                                           what="variability.d2d_g_max")
    raise ParameterError("variability.d2d_g_min/d2d_g_max: spreads too wide for this on/off "
                         "ratio (G_min >= G_max keeps being drawn)")
