"""Brian2 code for a device array: model variables, write and read statements, namespace.

No Brian2 import here: this module turns the device equations (the `devices.code.Statements`
of the family, drift and I-V models) into the strings and values a Brian2 ``Synapses`` object
takes. `neuro.brian` builds the objects. Parameters that vary per device (D2D spread, drift
exponents, stuck masks) become per-synapse ``(constant)`` variables with the values drawn for a
`DeviceArray`; uniform ones become namespace constants. Every name is prefixed (default ``dev_``)
so that two devices (a conductance pair) can share one ``Synapses``.

The write block applies ``n_pulses`` (a name the caller defines first, e.g. in ``on_pre``):
drift to now and reset of the programming time (devices with drift), the family update,
cycle-to-cycle noise (Brian2's ``randn()``), and stuck devices kept in place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from devices.array import DeviceArray
from devices.code import Statements, free_names, rename
from devices.errors import ParameterError
from devices.iv import IVModel, is_state_dependent
from devices.variability import DRIFT_READ, DRIFT_WRITE

__all__ = ["BrianDeviceCode", "brian_code", "cell_code", "iv_code"]


@dataclass(frozen=True, slots=True)
class BrianDeviceCode:
    """What a Brian2 ``Synapses`` needs to host a device array.

    Attributes
    ----------
    model : str
        Model lines: the conductance (``<g> : 1``, in siemens as a plain number), per-synapse
        parameters, the programming time (``: second``).
    write : str
        Statements applying the signed pulse count ``<n_pulses>`` to ``<g>``.
    read : str
        Statements defining ``<g_read>``: the conductance at time ``t`` (drift applied).
    values : dict[str, np.ndarray]
        Initial values of the model variables (flattened in C order, one per synapse).
    namespace : dict[str, float]
        Uniform parameters (constants).
    """

    model: str
    write: str
    read: str
    values: dict[str, np.ndarray]
    namespace: dict[str, float]


def _block(stmts: Statements, mapping: dict[str, str]) -> list[str]:
    return [rename(line, mapping) for line in stmts.lines]


def brian_code(array: DeviceArray, *, prefix: str = "dev_", g: str = "g",
               n_pulses: str = "n_pulses", g_read: str = "g_read",
               t: str = "t") -> BrianDeviceCode:
    """Brian2 code for ``array`` (its family, drawn per-device parameters and state).

    ``t`` names the time the drift is read at (Brian2's clock ``t`` by default; a constant to
    freeze it). Raises `ParameterError` for the numpy-only table family.
    """
    device = array.device
    update = device.response.UPDATE
    if update is None:
        raise ParameterError(f"response.family = {device.family!r} is invalid for Brian2: it "
                             "has no code form; fit an analytic family (neuro devices fit)")
    params: dict[str, np.ndarray | float] = dict(array.params)
    blocks = [update]
    c2c = device.variability.c2c
    if c2c:
        params["c2c"] = c2c
        blocks.append(Statements((
            "g = clip(g + c2c*(g_max - g_min)*sqrt(abs(n_pulses))*randn(), g_min, g_max)",)))
    if array.stuck is not None:
        params["free"] = (array.stuck == 0).astype(np.float64)
        blocks = [Statements(("tmp_g0 = g",)), *blocks,
                  Statements(("g = tmp_g0 + (g - tmp_g0)*free",))]
    if device.drift is not None:
        params["nu"] = array.nu
        params["t0"] = device.drift.t0
        blocks = [DRIFT_WRITE, *blocks]
    names: set[str] = set()
    for b in blocks:
        names |= free_names(b) | {t for t in b.targets() if t.startswith("tmp_")}
    names.discard("randn")
    mapping = {name: prefix + name for name in names | set(params) | {"t_prog"}}
    mapping.update({"g": g, "n_pulses": n_pulses, "t": "t", "g_read": g_read})
    read_mapping = {**mapping, "t": t}

    model = [f"{g} : 1"]
    values: dict[str, np.ndarray] = {g: array.g.ravel().copy()}
    namespace: dict[str, float] = {}
    for name, v in params.items():
        if np.ndim(v) == 0:
            namespace[mapping[name]] = float(v)
        else:
            model.append(f"{mapping[name]} : 1 (constant)")
            values[mapping[name]] = np.asarray(v, dtype=np.float64).ravel().copy()
    if device.drift is not None:
        model.append(f"{mapping['t_prog']} : second")
        values[mapping["t_prog"]] = array.t_prog.ravel().copy()
    write = [line for b in blocks for line in _block(b, mapping)]
    read = (_block(DRIFT_READ, read_mapping) if device.drift is not None
            else [f"{g_read} = {g}"])
    return BrianDeviceCode(model="\n".join(model), write="\n".join(write),
                           read="\n".join(read), values=values, namespace=namespace)


def iv_code(iv: IVModel, *, v: str, out: str = "i_factor", prefix: str = "dev_"
            ) -> tuple[str, dict[str, float]]:
    """Statement ``<out> = f(<v>)`` of a separable I-V model (``I = G f(V)``), and namespace."""
    mapping = {name: prefix + name for name in iv.parameters()}
    mapping.update({"v": v, "i_factor": out})
    code = "\n".join(_block(iv.CODE, mapping))
    return code, {mapping[k]: float(x) for k, x in iv.parameters().items()}


def cell_code(iv: IVModel, *, g: str, v: str, out: str, prefix: str = "dev_"
              ) -> tuple[str, dict[str, float]]:
    """Statements ``<out> = I(<g>, <v>)``: the cell current of any I-V model, and namespace."""
    mapping = {name: prefix + name for name in iv.parameters()}
    if is_state_dependent(iv):
        mapping.update({"g": g, "v": v, "i_cell": out})
        code = "\n".join(_block(iv.CODE, mapping))
    else:
        mapping.update({"v": v, "i_factor": out + "_f"})
        code = "\n".join([*_block(iv.CODE, mapping), f"{out} = {g}*{out}_f"])
    return code, {mapping[k]: float(x) for k, x in iv.parameters().items()}
