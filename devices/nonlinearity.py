"""Non-linearity labels NL <-> the curvature parameter a = A / P_max (DESIGN.md 2.1).

The NeuroSim pulse response is ``G(P) = B (1 - exp(-P/A)) + G_min`` with
``B = (G_max - G_min) / (1 - exp(-P_max/A))``. Device papers quote a label NL instead of A:
NL is 10.1015 times the largest vertical distance between the normalised curve
``g(x) = (1 - exp(-x/a)) / (1 - exp(-1/a))`` and the diagonal on ``x in [0, 1]``.

That distance has a closed form. ``g'(x) = 1`` at ``x* = -a ln(a (1 - e^(-1/a)))``, where
``g(x*) = 1 / (1 - e^(-1/a)) - a``, so

    gap(a) = 1 / (1 - e^(-1/a)) - a + a ln(a (1 - e^(-1/a))),

which falls monotonically from 1 (a -> 0) to 0 (a -> inf, ~ 1/(8a)). Solving
``gap(a) = 0.0989949 |NL|`` for ``a`` (vectorised bisection on ``ln a``) inverts the label;
negative NL gives negative A (the curve bends the other way); NL = 0 is the linear limit
(a = inf). Solvable labels: ``|NL| < 1 / 0.0989949 = 10.1015``; we accept ``|NL| <= 9``.
"""

from __future__ import annotations

import numpy as np

from devices.errors import fail

__all__ = ["GAP_PER_NL", "NL_MAX", "a_from_nl", "gap", "nl_from_a"]

GAP_PER_NL = 0.0989949
"""Largest curve-to-diagonal distance per unit of NL (DESIGN.md 2.1)."""

NL_MAX = 9.0
"""Largest accepted |NL|: NeuroSim's own table stops at 9 (the definition saturates at 10.1015;
beyond 9 the curves are so steep that a full sweep overflows float32 exponentials)."""

_LOG_A_LO, _LOG_A_HI = np.log(1e-4), np.log(1e7)


def gap(a: np.ndarray | float) -> np.ndarray:
    """Largest distance between the normalised curve with parameter ``a > 0`` and the diagonal."""
    a = np.asarray(a, dtype=np.float64)
    one_minus = -np.expm1(-1.0 / a)
    return 1.0 / one_minus - a + a * np.log(a * one_minus)


def a_from_nl(nl: np.ndarray | float, *, field: str = "nl") -> np.ndarray:
    """``a = A / P_max`` for non-linearity labels ``nl`` (any shape; sign carried over).

    ``nl = 0`` gives ``inf`` (linear). Raises `ParameterError` for NaN or ``|nl| > NL_MAX``.
    """
    nl = np.asarray(nl, dtype=np.float64)
    if np.any(~np.isfinite(nl)) or np.any(np.abs(nl) > NL_MAX):
        bad = nl[~np.isfinite(nl) | (np.abs(nl) > NL_MAX)].flat[0]
        raise fail(field, float(bad), f"|NL| must be in [0, {NL_MAX}] (solvable range of the "
                   "NeuroSim definition, which saturates at 10.1015)")
    target = GAP_PER_NL * np.abs(nl)
    lo = np.full(nl.shape, _LOG_A_LO)
    hi = np.full(nl.shape, _LOG_A_HI)
    for _ in range(64):  # gap is decreasing in a: bisection on ln a, 64 halvings of [lo, hi]
        mid = 0.5 * (lo + hi)
        too_curved = gap(np.exp(mid)) > target
        lo = np.where(too_curved, mid, lo)
        hi = np.where(too_curved, hi, mid)
    a = np.exp(0.5 * (lo + hi))
    # Below gap(1e7) ~ 1e-8 (|NL| ~ 1e-7) the curve is linear to double precision.
    a = np.where(target <= gap(np.exp(_LOG_A_HI)), np.inf, a)
    a = np.where(nl < 0, -a, a)
    return a if a.ndim else float(a)


def nl_from_a(a: np.ndarray | float) -> np.ndarray:
    """The label NL for a curvature ``a = A / P_max`` (sign carried over; ``inf`` gives 0)."""
    a = np.asarray(a, dtype=np.float64)
    mag = np.where(np.isinf(a), 0.0, gap(np.where(np.isinf(a), 1.0, np.abs(a))) / GAP_PER_NL)
    return np.sign(a) * mag if mag.ndim else float(np.sign(a) * mag)
