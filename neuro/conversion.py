"""Conversion: trained weights -> target conductances -> programming pulses -> reached state.

For each layer, a scale is chosen so that the largest |weight| uses the whole window
(``w_max_l = max |W_l|``, or given), and each weight becomes a conductance pair
``G+- = G_min + relu(+-W) / w_max_l (G_max - G_min)`` (nominal window). The pairs are then
programmed through the device model (`devices.DeviceArray`, with its D2D spread, C2C noise,
stuck devices) from the reset state ``G_min`` of each device:

- ``open-loop``: the number of LTP pulses that reaches the target on the device's *nominal*
  curve (`learning_rules.device_aware.device_states`), sent once;
- ``write-verify``: after the open-loop step, repeatedly read (with the device's read noise),
  compare with the target, and send the pulses the nominal curve predicts for the remaining
  error (LTP or LTD, at least one), until every device is within ``tolerance`` of the window or
  has used its pulse budget.

The result is a list of `neuro.brian.SynapseLayer` holding the conductances actually reached
(programmed at time ``t``, from which drift runs), with the pulses used, the programming energy
and the residual error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from devices import Device, DeviceArray, nominal_parameters, one_pulse
from devices.errors import check_choice, check_int, check_range, fail
from learning_rules.device_aware import device_states, ltp_pulses
from neuro.brian import SynapseLayer

__all__ = ["ConversionReport", "Programming", "convert"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Programming:
    """How target conductances are programmed.

    Attributes
    ----------
    method : {"open-loop", "write-verify"}
    tolerance : float
        Write-verify stops for a device within ``tolerance (G_max - G_min)`` of its target.
    max_pulses : int
        Pulse budget per device (write-verify), >= 1.
    max_iterations : int
        Verify rounds at most, >= 1.
    """

    method: Literal["open-loop", "write-verify"] = "write-verify"
    tolerance: float = 0.01
    max_pulses: int = 500
    max_iterations: int = 40

    def __post_init__(self) -> None:
        check_choice("programming.method", self.method, ("open-loop", "write-verify"))
        check_range("programming.tolerance", self.tolerance, 0.0, 1.0, lo_open=True)
        check_int("programming.max_pulses", self.max_pulses, 1)
        check_int("programming.max_iterations", self.max_iterations, 1)


@dataclass(slots=True)
class ConversionReport:
    """What programming cost and how close it came.

    Attributes
    ----------
    pulses : int
        Programming pulses, all devices.
    energy : float
        Programming energy [J].
    rms_error : float
        RMS of (reached - target) conductance, as a fraction of the window.
    within_tolerance : float
        Fraction of devices within the tolerance of their target.
    iterations : int
        Verify rounds used (0 for open loop).
    w_max : list of float
        Per-layer weight of a full window.
    """

    pulses: int
    energy: float
    rms_error: float
    within_tolerance: float
    iterations: int
    w_max: list[float]


def _nominal_pulses(device: Device, g_target: np.ndarray) -> np.ndarray:
    """LTP pulses from G_min that reach ``g_target`` on the nominal curve (nearest state)."""
    states = device_states(device)
    pulses_per_state = ltp_pulses(device) / (len(states) - 1)
    idx = np.clip(np.searchsorted(states, g_target), 1, len(states) - 1)
    nearest = np.where(g_target - states[idx - 1] < states[idx] - g_target, idx - 1, idx)
    return np.rint(nearest * pulses_per_state).astype(np.int64)


def _program(arr: DeviceArray, target: np.ndarray, prog: Programming, *,
             rng: np.random.Generator, t: float) -> int:
    device = arr.device
    n0 = _nominal_pulses(device, target)
    flat = np.flatnonzero(n0)
    if len(flat):
        arr.apply_pulses(n0.reshape(-1)[flat], idx=flat, rng=rng, t=t)
    if prog.method == "open-loop":
        return 0
    d_g = device.g_max - device.g_min
    nominal = nominal_parameters(device.response)
    sigma_read = device.variability.read_noise
    used = n0.reshape(-1).astype(np.int64).copy()
    tgt = target.reshape(-1)
    for it in range(1, prog.max_iterations + 1):
        g = arr.g.reshape(-1)
        read = g * (1.0 + sigma_read * rng.standard_normal(g.shape)) if sigma_read else g
        err = tgt - read
        todo = np.flatnonzero((np.abs(err) > prog.tolerance * d_g) & (used < prog.max_pulses))
        if len(todo) == 0:
            return it - 1
        gt, e = g[todo], err[todo]
        g_up, g_down = one_pulse(device.response, gt, nominal)
        up, down = g_up - gt, gt - g_down
        size = np.where(e > 0, up, down)
        want = np.rint(e / np.maximum(size, 1e-30 * d_g)).astype(np.int64)
        want = np.where(want == 0, np.sign(e).astype(np.int64), want)
        budget = prog.max_pulses - used[todo]
        n = np.clip(want, -budget, budget)
        arr.apply_pulses(n, idx=todo, rng=rng, t=t)
        used[todo] += np.abs(n)
    return prog.max_iterations


def convert(weights: Sequence[np.ndarray], device: Device, prog: Programming, *,
            rng: np.random.Generator, w_max: Sequence[float] | None = None, t: float = 0.0
            ) -> tuple[list[SynapseLayer], ConversionReport]:
    """Program ``weights`` into conductance pairs of ``device``; see the module docstring."""
    if w_max is not None and len(w_max) != len(weights):
        raise fail("w_max", w_max, f"needs one value per layer ({len(weights)})")
    d_g = device.g_max - device.g_min
    layers, scales = [], []
    pulses, energy, iterations = 0, 0.0, 0
    sq_err, within, count = 0.0, 0, 0
    for k, w in enumerate(weights):
        w = np.asarray(w, dtype=np.float64)
        scale = float(np.max(np.abs(w))) if w_max is None else float(w_max[k])
        check_range(f"w_max[{k}]", scale, 0.0, None, lo_open=True)
        if np.max(np.abs(w)) > scale * (1 + 1e-12):
            raise fail(f"weights[{k}]", float(np.max(np.abs(w))),
                       f"must lie within the layer's window +-{scale:g}")
        pair = []
        for part in (np.maximum(w, 0.0), np.maximum(-w, 0.0)):
            target = device.g_min + part / scale * d_g
            arr = DeviceArray(device, w.shape, rng=rng, g0="min")
            iterations = max(iterations, _program(arr, target, prog, rng=rng, t=t))
            pulses += arr.pulses
            energy += arr.write_energy
            e = arr.g - target
            sq_err += float(np.sum((e / d_g) ** 2))
            within += int(np.count_nonzero(np.abs(e) <= prog.tolerance * d_g))
            count += e.size
            pair.append(arr)
        layers.append(SynapseLayer(pos=pair[0], neg=pair[1], w_scale=scale / d_g))
        scales.append(scale)
    report = ConversionReport(pulses=pulses, energy=energy,
                              rms_error=float(np.sqrt(sq_err / count)),
                              within_tolerance=within / count, iterations=iterations,
                              w_max=scales)
    return layers, report
