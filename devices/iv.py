"""Current-voltage (I-V) non-linearity of a read: ``I = G f(V)``.

``G`` is the device conductance at the reference read voltage, so every model has
``f(V_ref) = V_ref`` (or ``f'(0) = 1`` for sinh), and the current separates into the state ``G``
times a voltage shape ``f(V)``; a crossbar read is then ``f(V) @ G`` (one matrix product).

- ``linear``: ``f(V) = V``.
- ``neurosim`` (MLP+NeuroSim manual): with ``NL_IV = I(V_w) / I(V_w/2)``,
  ``G(V) = G(V_r) (V_r/V) NL_IV^((V - V_r)/(V_w/2))``, i.e.
  ``f(V) = sign(V) V_r NL_IV^((|V| - V_r)/(V_w/2))``; ``f(0) = 0``. Valid for |V| near V_r..V_w
  (the form is not meant for V -> 0, where it has a step).
- ``sinh``: ``I = G sinh(k V) / k``.
- ``poole-frenkel`` (Joksas et al. 2022):
  ``I = sign(V) c |V| exp(q sqrt(q|V|/(pi d eps)) / (k_B T))`` with ``c`` chosen so that
  ``I(V_ref) = G V_ref``: ``f(V) = V exp(a_pf (sqrt|V| - sqrt V_ref))``,
  ``a_pf = (q / (k_B T)) sqrt(q / (pi d eps_0 eps_r))``.

- ``saturating`` (state-dependent): the cell current saturates at ``I_sat`` (a 1T1R access
  transistor or a current-limiting selector), ``I = G V / (1 + |G V| / I_sat)``; ohmic for small
  currents. It does not separate into ``G f(V)``: even at a fixed read voltage the current is a
  non-linear function of the state, which compresses high conductances. Strength:
  ``G_max V_read / I_sat``.

Each model's ``f`` is one code line (`devices.code.Statements`) run by numpy, torch and Brian2;
`cell_current` gives the current of a cell for any model (``G f(V)`` or the state-dependent form).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from devices.code import Statements
from devices.errors import check_range, fail

__all__ = ["IV_MODELS", "IVModel", "LinearIV", "NeuroSimIV", "PooleFrenkelIV", "SaturatingIV",
           "SinhIV", "cell_current", "is_state_dependent", "iv_factor"]

Q_E = 1.602176634e-19  # C
K_B = 1.380649e-23  # J/K
EPS_0 = 8.8541878128e-12  # F/m


@dataclass(frozen=True, slots=True, kw_only=True)
class LinearIV:
    """Ohmic read, ``I = G V``."""

    kind: ClassVar[str] = "linear"
    CODE: ClassVar[Statements] = Statements(("i_factor = v",))

    def parameters(self) -> dict[str, float]:
        return {}


@dataclass(frozen=True, slots=True, kw_only=True)
class NeuroSimIV:
    """NeuroSim's I-V non-linearity.

    Attributes
    ----------
    nl_iv : float
        ``I(V_w) / I(V_w / 2)`` (> 1).
    v_read : float
        Read voltage V_r [V] at which ``G`` is defined (> 0).
    v_write : float
        Write voltage V_w [V] (> 0).
    """

    kind: ClassVar[str] = "neurosim"
    CODE: ClassVar[Statements] = Statements((
        "i_factor = sign(v)*iv_v_ref*exp(iv_log_nl*(abs(v) - iv_v_ref)/(0.5*iv_v_write))",
    ))

    nl_iv: float
    v_read: float
    v_write: float

    def __post_init__(self) -> None:
        check_range("iv.nl_iv", self.nl_iv, 1.0, None, lo_open=True)
        check_range("iv.v_read", self.v_read, 0.0, None, lo_open=True)
        check_range("iv.v_write", self.v_write, 0.0, None, lo_open=True)

    def parameters(self) -> dict[str, float]:
        return {"iv_v_ref": self.v_read, "iv_log_nl": math.log(self.nl_iv),
                "iv_v_write": self.v_write}


@dataclass(frozen=True, slots=True, kw_only=True)
class SinhIV:
    """``I = G sinh(k V) / k``.

    Attributes
    ----------
    k : float
        Non-linearity [1/V], > 0 (k -> 0 is linear).
    """

    kind: ClassVar[str] = "sinh"
    CODE: ClassVar[Statements] = Statements(("i_factor = sinh(iv_k*v)/iv_k",))

    k: float

    def __post_init__(self) -> None:
        check_range("iv.k", self.k, 0.0, 100.0, lo_open=True)

    def parameters(self) -> dict[str, float]:
        return {"iv_k": self.k}


@dataclass(frozen=True, slots=True, kw_only=True)
class PooleFrenkelIV:
    """Poole-Frenkel conduction normalised at a reference voltage.

    Attributes
    ----------
    thickness : float
        Insulator thickness d [m] (> 0).
    eps_r : float
        Relative (high-frequency) permittivity (> 0).
    temperature : float
        Temperature [K] (> 0).
    v_ref : float
        Voltage [V] at which ``I = G V`` (> 0).
    """

    kind: ClassVar[str] = "poole-frenkel"
    CODE: ClassVar[Statements] = Statements((
        "i_factor = v*exp(iv_a_pf*(sqrt(abs(v)) - sqrt(iv_v_ref)))",
    ))

    thickness: float
    eps_r: float
    temperature: float = 300.0
    v_ref: float = 0.1

    def __post_init__(self) -> None:
        check_range("iv.thickness", self.thickness, 0.0, 1e-5, lo_open=True)
        check_range("iv.eps_r", self.eps_r, 0.0, None, lo_open=True)
        check_range("iv.temperature", self.temperature, 0.0, None, lo_open=True)
        check_range("iv.v_ref", self.v_ref, 0.0, None, lo_open=True)

    @property
    def a_pf(self) -> float:
        """``(q / (k_B T)) sqrt(q / (pi d eps_0 eps_r))`` [1/sqrt(V)]."""
        return (Q_E / (K_B * self.temperature)) * math.sqrt(
            Q_E / (math.pi * self.thickness * EPS_0 * self.eps_r))

    def parameters(self) -> dict[str, float]:
        return {"iv_a_pf": self.a_pf, "iv_v_ref": self.v_ref}


@dataclass(frozen=True, slots=True, kw_only=True)
class SaturatingIV:
    """Cell current saturating at ``i_sat``: ``I = G V / (1 + |G V| / i_sat)`` (state-dependent).

    Attributes
    ----------
    i_sat : float
        Saturation current [A] (> 0).
    """

    kind: ClassVar[str] = "saturating"
    CODE: ClassVar[Statements] = Statements((
        "i_cell = g*v/(1 + abs(g*v)/iv_i_sat)",
    ))

    i_sat: float

    def __post_init__(self) -> None:
        check_range("iv.i_sat", self.i_sat, 0.0, None, lo_open=True)

    def parameters(self) -> dict[str, float]:
        return {"iv_i_sat": self.i_sat}


IVModel = LinearIV | NeuroSimIV | SinhIV | PooleFrenkelIV | SaturatingIV

IV_MODELS: dict[str, type] = {
    "linear": LinearIV,
    "neurosim": NeuroSimIV,
    "sinh": SinhIV,
    "poole-frenkel": PooleFrenkelIV,
    "saturating": SaturatingIV,
}


def is_state_dependent(iv: IVModel) -> bool:
    """Whether the current does not separate into ``G f(V)``."""
    return "i_cell" in iv.CODE.targets()


def iv_factor(iv: IVModel, v):
    """``f(V)`` with ``I = G f(V)``, for a numpy array or torch tensor of voltages."""
    if is_state_dependent(iv):
        raise fail("iv.kind", iv.kind, "is state-dependent: use cell_current(iv, g, v)")
    return iv.CODE.run({**iv.parameters(), "v": v}, like=v)["i_factor"]


def cell_current(iv: IVModel, g, v):
    """Current [A] of cells of conductance ``g`` [S] at voltage ``v`` [V] (any model)."""
    if is_state_dependent(iv):
        like = g if hasattr(g, "shape") and not hasattr(v, "shape") else v
        return iv.CODE.run({**iv.parameters(), "g": g, "v": v}, like=like)["i_cell"]
    return g * iv_factor(iv, v)
