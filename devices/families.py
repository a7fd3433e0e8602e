"""Registry of pulse-response families (the one place a new family is added) and `step`.

A family is a frozen dataclass with ``family`` (its name), ``PARAMS`` (per-device parameter
names), ``UPDATE`` (the update as `devices.code.Statements`, or None for a numpy-only family,
which then has a ``step`` method), ``parameters(shape, variability, rng=)`` and ``summary()``.
"""

from __future__ import annotations

import numpy as np

from devices.linear import LinearResponse
from devices.neurosim import NeuroSimResponse
from devices.softbounds import SoftBoundsResponse
from devices.table import TableResponse
from devices.variability import Variability

__all__ = ["FAMILIES", "Response", "nominal_parameters", "one_pulse", "step"]

Response = NeuroSimResponse | SoftBoundsResponse | LinearResponse | TableResponse

FAMILIES: dict[str, type] = {
    "neurosim": NeuroSimResponse,
    "softbounds": SoftBoundsResponse,
    "linear": LinearResponse,
    "table": TableResponse,
}


def step(response: Response, g, n_pulses, params: dict):
    """Conductance after a signed number of pulses per device (noise-free, clipped).

    ``g`` and ``n_pulses`` are arrays (numpy) or tensors (torch) of one shape; ``params`` holds
    the family's per-device parameters (scalars or arrays of that shape).
    """
    if response.UPDATE is None:
        return response.step(g, n_pulses, params)
    return response.UPDATE.run({**params, "g": g, "n_pulses": n_pulses}, like=g)["g"]


def nominal_parameters(response: Response) -> dict:
    """The family's parameters of the nominal device (no variability), as scalars."""
    return response.parameters((), Variability(), rng=np.random.default_rng(0))


def one_pulse(response: Response, g: np.ndarray, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Conductances after one pulse up and after one pulse down from ``g`` (`step`): what a
    write-verify controller predicts from the curve of ``params``, usually the nominal one."""
    return (step(response, g, np.ones(np.shape(g)), params),
            step(response, g, -np.ones(np.shape(g)), params))

