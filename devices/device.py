"""The device description: pulse response + variability + drift + I-V + electrical pulses."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from devices.errors import check_range, fail
from devices.families import FAMILIES, Response
from devices.iv import IVModel, LinearIV
from devices.variability import Drift, Variability

__all__ = ["Device", "PulseSpec"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PulseSpec:
    """Programming pulses, as reported by the device's source.

    Attributes
    ----------
    v_ltp, v_ltd : float
        Pulse amplitude [V] for potentiation / depression (signed as in the source).
    width_ltp, width_ltd : float
        Pulse width [s] (> 0).
    """

    v_ltp: float
    width_ltp: float
    v_ltd: float
    width_ltd: float

    def __post_init__(self) -> None:
        check_range("pulse.v_ltp", self.v_ltp, -100.0, 100.0)
        check_range("pulse.v_ltd", self.v_ltd, -100.0, 100.0)
        check_range("pulse.width_ltp", self.width_ltp, 0.0, 1.0, lo_open=True)
        check_range("pulse.width_ltd", self.width_ltd, 0.0, 1.0, lo_open=True)

    def energy_per_siemens(self, potentiate: bool) -> float:
        """``V^2 t`` [V^2 s]: the write energy of one pulse is this times G [J]."""
        v, t = (self.v_ltp, self.width_ltp) if potentiate else (self.v_ltd, self.width_ltd)
        return v * v * t


@dataclass(frozen=True, slots=True, kw_only=True)
class Device:
    """A memristive device: everything needed to simulate an array of them.

    Attributes
    ----------
    name : str
        Preset name.
    response : Response
        Pulse-response family and its parameters (window, levels, non-linearity).
    variability : Variability
        C2C, D2D, stuck devices, read noise.
    drift : Drift or None
        Power-law conductance drift, or None.
    iv : IVModel
        Read I-V non-linearity.
    pulse : PulseSpec
        Programming pulse amplitudes and widths (for energy and time accounting).
    v_read : float
        Read voltage [V] (> 0).
    t_read : float
        Read pulse width [s] (> 0), for read energy ``V_read^2 G t_read``.
    source : str
        Where the numbers come from (paper, table).
    notes : str
        Validity range and any value chosen here rather than taken from the source.
    """

    name: str
    response: Response
    pulse: PulseSpec
    source: str
    variability: Variability = field(default_factory=Variability)
    drift: Drift | None = None
    iv: IVModel = field(default_factory=LinearIV)
    v_read: float = 0.5
    t_read: float = 5e-9
    notes: str = ""

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise fail("name", self.name, "must be a non-empty string")
        if type(self.response) not in FAMILIES.values():
            raise fail("response", type(self.response).__name__,
                       f"must be one of the families {', '.join(FAMILIES)}")
        check_range("v_read", self.v_read, 0.0, 100.0, lo_open=True)
        check_range("t_read", self.t_read, 0.0, 1.0, lo_open=True)

    @property
    def family(self) -> str:
        return self.response.family

    @property
    def g_min(self) -> float:
        return self.response.g_min

    @property
    def g_max(self) -> float:
        return self.response.g_max

    @property
    def on_off(self) -> float:
        """``G_max / G_min`` (inf when G_min = 0)."""
        return self.g_max / self.g_min if self.g_min > 0 else math.inf

    def summary(self) -> dict[str, str]:
        """One row of ``neuro devices list``."""
        s = self.response.summary()
        return {
            "name": self.name,
            "family": self.family,
            "levels": s["levels"],
            "NL": s["nl"],
            "on/off": "inf" if math.isinf(self.on_off) else f"{self.on_off:.3g}",
            "C2C": f"{100 * self.variability.c2c:g}%",
            "drift": "-" if self.drift is None else f"nu {self.drift.nu:g}",
            "source": self.source.split(";")[0],
        }
