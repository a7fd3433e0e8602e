"""Fitting a pulse-response family to measured data (least squares).

Data: one LTP branch (conductance after 0, 1, 2, ... potentiating pulses, from the low state)
and one LTD branch (after 0, 1, 2, ... depressing pulses, from the high state). A CSV file holds
rows ``pulse, conductance, direction`` (direction ``ltp`` or ``ltd``; a header line is allowed).

Each family's prediction is its own pulse response applied from G_min (LTP) and G_max (LTD),
through `devices.families.step`, so the fitted device is exactly what the simulator runs:

- ``neurosim``: G_min, G_max, NL_LTP, NL_LTD; levels = pulses in each branch;
- ``softbounds``: G_min, G_max, beta_LTP, beta_LTD; levels = mean branch length;
- ``linear``: G_min, G_max; levels = longest branch + 1.

The cycle-to-cycle sigma is estimated from one-step-ahead residuals: with the fitted update f,
``G_{k+1} - f(G_k)`` has standard deviation ``c2c (G_max - G_min)`` when the noise is per write.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares

from devices.errors import ParameterError, check_choice, fail
from devices.families import nominal_parameters, step
from devices.linear import LinearResponse
from devices.neurosim import NeuroSimResponse
from devices.softbounds import SoftBoundsResponse
from devices.variability import Variability

__all__ = ["FitResult", "PulseData", "fit", "read_pulse_csv"]

FIT_FAMILIES = ("neurosim", "softbounds", "linear")


@dataclass(frozen=True, slots=True, kw_only=True)
class PulseData:
    """Measured branches: conductance [S] after k = 0, 1, 2, ... pulses."""

    g_ltp: np.ndarray
    g_ltd: np.ndarray

    def __post_init__(self) -> None:
        for name in ("g_ltp", "g_ltd"):
            g = getattr(self, name)
            if g.ndim != 1 or len(g) < 3:
                raise fail(name, f"{len(g)} points", "each branch needs at least 3 points")
            if not np.all(np.isfinite(g)):
                raise fail(name, "NaN/inf", "conductances must be finite")


def read_pulse_csv(path: str | Path) -> PulseData:
    """Read ``pulse, conductance, direction`` rows; each branch sorted by pulse number."""
    path = Path(path)
    rows: dict[str, list[tuple[float, float]]] = {"ltp": [], "ltd": []}
    try:
        with path.open(newline="") as f:
            for lineno, row in enumerate(csv.reader(f), start=1):
                if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                    continue
                if len(row) != 3:
                    raise ParameterError(f"{path}:{lineno}: expected 3 columns (pulse, "
                                         f"conductance, direction), got {len(row)}")
                try:
                    pulse, g = float(row[0]), float(row[1])
                except ValueError:
                    if lineno == 1:
                        continue  # header
                    raise ParameterError(f"{path}:{lineno}: pulse and conductance must be "
                                         f"numbers, got {row[0]!r}, {row[1]!r}") from None
                direction = row[2].strip().lower()
                if direction not in rows:
                    raise ParameterError(f"{path}:{lineno}: direction = {row[2]!r} is invalid: "
                                         "must be ltp or ltd")
                rows[direction].append((pulse, g))
    except OSError as exc:
        raise ParameterError(f"{path}: cannot read ({exc.strerror})") from None
    out = {}
    for direction, pts in rows.items():
        pts.sort()
        out[f"g_{direction}"] = np.array([g for _, g in pts], dtype=np.float64)
    return PulseData(**out)


@dataclass(frozen=True, slots=True, kw_only=True)
class FitResult:
    """A fitted response with its errors.

    Attributes
    ----------
    response : NeuroSimResponse | SoftBoundsResponse | LinearResponse
    variability : Variability
        With the estimated cycle-to-cycle sigma.
    rms_error : float
        RMS residual of the curve fit as a fraction of ``G_max - G_min``.
    c2c : float
        Estimated cycle-to-cycle sigma (fraction of the window).
    """

    response: NeuroSimResponse | SoftBoundsResponse | LinearResponse
    variability: Variability
    rms_error: float
    c2c: float


def curves(response, n_ltp: int, n_ltd: int) -> tuple[np.ndarray, np.ndarray]:
    """Noise-free branches of a response: after 0..n_ltp pulses from G_min, 0..n_ltd from G_max."""
    params = nominal_parameters(response)
    out = []
    for start, n, sign in ((response.g_min, n_ltp, 1.0), (response.g_max, n_ltd, -1.0)):
        k = np.arange(n + 1, dtype=np.float64)
        out.append(step(response, np.full(n + 1, start), sign * k, params))
    return out[0], out[1]


def _build(family: str, theta: np.ndarray, n_ltp: int, n_ltd: int, scale: float):
    g_min, g_max = float(theta[0] * scale), float(theta[1] * scale)
    if family == "neurosim":
        return NeuroSimResponse(g_min=g_min, g_max=g_max, levels_ltp=n_ltp, levels_ltd=n_ltd,
                                nl_ltp=float(theta[2]), nl_ltd=float(theta[3]))
    if family == "softbounds":
        return SoftBoundsResponse(g_min=g_min, g_max=g_max, levels=round((n_ltp + n_ltd) / 2),
                                  beta_ltp=float(theta[2]), beta_ltd=float(theta[3]))
    return LinearResponse(g_min=g_min, g_max=g_max, levels=max(n_ltp, n_ltd) + 1)


def fit(data: PulseData, family: str) -> FitResult:
    """Least-squares fit of ``family`` to ``data``; see the module docstring."""
    check_choice("family", family, FIT_FAMILIES)
    n_ltp, n_ltd = len(data.g_ltp) - 1, len(data.g_ltd) - 1
    g_all = np.concatenate([data.g_ltp, data.g_ltd])
    scale = float(np.max(np.abs(g_all)))
    if scale <= 0:
        raise fail("conductance", 0.0, "measured conductances must not all be zero")
    lo0 = max(float(g_all.min()), 0.0) / scale
    hi0 = float(g_all.max()) / scale
    if family == "neurosim":
        starts = [np.array([lo0, hi0, a, b]) for a in (0.5, 2.0, -2.0) for b in (-2.0, 0.5, 2.0)]
        bounds = ([0.0, 0.0, -9.0, -9.0], [np.inf, np.inf, 9.0, 9.0])
    elif family == "softbounds":
        starts = [np.array([lo0, hi0, a, b]) for a in (0.5, 3.0) for b in (0.5, 3.0)]
        bounds = ([0.0, 0.0, 0.0, 0.0], [np.inf, np.inf, 50.0, 50.0])
    else:
        starts = [np.array([lo0, hi0])]
        bounds = ([0.0, 0.0], [np.inf, np.inf])

    def residuals(theta: np.ndarray) -> np.ndarray:
        if theta[1] <= theta[0] * (1 + 1e-9):
            return np.full(len(g_all), 1e3)
        r = _build(family, theta, n_ltp, n_ltd, scale)
        ltp, ltd = curves(r, n_ltp, n_ltd)
        return (np.concatenate([ltp, ltd]) - g_all) / scale

    best = None
    for x0 in starts:
        sol = least_squares(residuals, x0, bounds=bounds, x_scale="jac")
        if best is None or sol.cost < best.cost:
            best = sol
    response = _build(family, best.x, n_ltp, n_ltd, scale)
    span = response.g_max - response.g_min
    rms = float(np.sqrt(np.mean((best.fun * scale) ** 2)) / span)
    params = nominal_parameters(response)
    one_step = []
    for g, sign in ((data.g_ltp, 1.0), (data.g_ltd, -1.0)):
        pred = step(response, np.clip(g[:-1], response.g_min, response.g_max),
                    np.full(len(g) - 1, sign), params)
        one_step.append(g[1:] - pred)
    c2c = float(np.std(np.concatenate(one_step)) / span)
    return FitResult(response=response, variability=Variability(c2c=c2c),
                     rms_error=rms, c2c=c2c)
