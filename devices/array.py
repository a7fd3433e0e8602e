"""`DeviceArray`: the state of many devices of one kind, written with one call per update.

Holds per-device conductance, per-device parameters (with device-to-device spread), stuck masks,
drift exponents and last programming times, and the write accounting: potentiating and
depressing pulses per device, write energy, write time. Every operation is vectorised over the
devices (optionally over an index subset, for sparse updates); there are no per-device objects.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from devices.device import Device
from devices.errors import ParameterError, check_choice, fail
from devices.families import step
from devices.read import write_noise
from devices.variability import DRIFT_READ, DRIFT_WRITE, draw_truncated_normal

__all__ = ["DeviceArray"]


def _take(params: dict[str, Any], flat) -> dict[str, Any]:
    """Per-device values at flat indices ``flat`` (scalars pass through); all if None."""
    if flat is None:
        return params
    return {k: (v.reshape(-1)[flat] if isinstance(v, np.ndarray) and v.ndim else v)
            for k, v in params.items()}


class DeviceArray:
    """An array of devices of one kind (a crossbar, a synapse population).

    Parameters
    ----------
    device : Device
        The device description.
    shape : tuple of int
        Array shape.
    rng : np.random.Generator
        Draws the device-to-device parameters, stuck devices and drift exponents (keyword-only).
    g0 : {"min", "max", "mid"} or float or array
        Initial conductance: each device's G_min, G_max or mid-window, or given values [S]
        (which must lie in each device's window).

    Attributes
    ----------
    g : np.ndarray
        Programmed conductance [S], shape ``shape`` (drift not applied; see `conductance`).
    params : dict
        Per-device parameters of the family (scalars where there is no spread).
    stuck : np.ndarray of int8 or None
        -1 stuck at G_min, +1 stuck at G_max, 0 free; None when no device is stuck.
    nu : np.ndarray or float or None
        Drift exponent per device (None without drift).
    t_prog : np.ndarray or None
        Last programming time per device [s] (None without drift).
    n_ltp, n_ltd : np.ndarray of int64
        Potentiating and depressing pulses received per device.
    write_energy, write_time, read_energy : float
        Totals [J], [s] (sum of pulse widths), [J].
    """

    def __init__(self, device: Device, shape: tuple[int, ...] | int, *,
                 rng: np.random.Generator, g0: str | float | np.ndarray = "min") -> None:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.device = device
        self.shape = shape
        var = device.variability
        self.params = device.response.parameters(shape, var, rng=rng)
        g_min, g_max = self.params["g_min"], self.params["g_max"]
        if isinstance(g0, str):
            check_choice("g0", g0, ("min", "max", "mid"))
            init = {"min": g_min, "max": g_max, "mid": 0.5 * (np.asarray(g_min) + g_max)}[g0]
            self.g = np.array(np.broadcast_to(init, shape), dtype=np.float64)
        else:
            self.g = np.array(np.broadcast_to(np.asarray(g0, dtype=np.float64), shape))
            if np.any(self.g < g_min) or np.any(self.g > g_max):
                raise fail("g0", "values outside the device window",
                           "initial conductances must lie in [g_min, g_max] of each device")
        self.stuck: np.ndarray | None = None
        if var.stuck_off or var.stuck_on:
            u = rng.random(shape)
            self.stuck = np.where(u < var.stuck_off, -1,
                                  np.where(u < var.stuck_off + var.stuck_on, 1, 0)).astype(np.int8)
            self.g = np.where(self.stuck < 0, g_min, np.where(self.stuck > 0, g_max, self.g))
        drift = device.drift
        self.nu = None if drift is None else draw_truncated_normal(
            drift.nu, drift.nu_sigma, shape, rng=rng, lo=0.0, what="drift.nu_sigma")
        self.t_prog = None if drift is None else np.zeros(shape)
        self.n_ltp = np.zeros(shape, dtype=np.int64)
        self.n_ltd = np.zeros(shape, dtype=np.int64)
        self.write_energy = 0.0
        self.write_time = 0.0
        self.read_energy = 0.0
        self._e_ltp = device.pulse.energy_per_siemens(True)
        self._e_ltd = device.pulse.energy_per_siemens(False)

    @property
    def g_min(self):
        return self.params["g_min"]

    @property
    def g_max(self):
        return self.params["g_max"]

    def conductance(self, t: float | None = None) -> np.ndarray:
        """Conductance [S] at time ``t`` [s]: drift from each device's last programming time.

        Without drift, or with ``t=None``, the programmed conductance (a copy).
        """
        if self.device.drift is None or t is None:
            return self.g.copy()
        env = {"g": self.g, "t": float(t), "t_prog": self.t_prog, "nu": self.nu,
               "t0": self.device.drift.t0}
        return DRIFT_READ.run(env, like=self.g)["g_read"]

    def apply_pulses(self, n_pulses: np.ndarray, *, idx=None, rng: np.random.Generator | None,
                     t: float | None = None) -> np.ndarray:
        """Send a signed number of pulses to each device (open loop); returns the new conductance.

        Parameters
        ----------
        n_pulses : array of int
            Pulses per device: > 0 potentiate, < 0 depress, 0 leave alone. Shape ``shape``, or
            the shape of ``self.g[idx]`` when ``idx`` is given.
        idx : tuple of index arrays or 1-D int array, optional
            The devices to write, each at most once, for sparse updates (only those devices are
            computed): a multi-index (e.g. the tuple from ``np.nonzero``) or flat indices into
            the C-ordered array (the faster form). ``n_pulses`` then has one entry per device.
        rng : np.random.Generator or None
            For cycle-to-cycle noise (required when the device has C2C noise).
        t : float, optional
            Time of the write [s]. With drift, written devices (``n != 0``) first drift to
            ``t``, then are written, and their programming time becomes ``t``.
        """
        n = np.asarray(n_pulses)
        if idx is not None:
            idx = np.ravel_multi_index(idx, self.shape) if isinstance(idx, tuple) else (
                np.asarray(idx))
            if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
                raise fail("idx", idx.shape, "must be a multi-index tuple or 1-D flat indices")
        g_old = self.g if idx is None else self.g.reshape(-1)[idx]
        if not np.issubdtype(n.dtype, np.integer):
            raise fail("n_pulses.dtype", str(n.dtype), "pulse counts must be integers; round "
                       "desired counts with devices.pulse_count")
        if n.shape != g_old.shape:
            raise fail("n_pulses.shape", n.shape, f"must match the devices addressed {g_old.shape}")
        p = _take(self.params, idx)
        nf = n.astype(np.float64)
        if self.device.drift is not None and t is not None:
            env = _take({"t_prog": self.t_prog, "nu": self.nu}, idx)
            env.update(g=g_old, n_pulses=nf, t=float(t), t0=self.device.drift.t0)
            env = DRIFT_WRITE.run(env, like=g_old)
            g_old = env["g"]
            if idx is None:
                self.t_prog = env["t_prog"]
            else:
                self.t_prog.reshape(-1)[idx] = env["t_prog"]
        g_new = step(self.device.response, g_old, nf, p)
        c2c = self.device.variability.c2c
        if c2c:
            if rng is None:
                raise ParameterError("rng = None is invalid: this device has cycle-to-cycle "
                                     "noise, pass a np.random.Generator")
            g_new = write_noise(g_new, nf, c2c, p["g_min"], p["g_max"], rng=rng)
        if self.stuck is not None:
            stuck = self.stuck if idx is None else self.stuck.reshape(-1)[idx]
            g_new = np.where(stuck != 0, g_old, g_new)
        self._account(n, nf, g_old, g_new, idx)
        if idx is None:
            self.g = g_new
        else:
            self.g.reshape(-1)[idx] = g_new
        return g_new

    def _account(self, n, nf, g_old, g_new, idx) -> None:
        up = np.maximum(n, 0)
        down = up - n
        if idx is None:
            self.n_ltp += up
            self.n_ltd += down
        else:  # flat indices, each device at most once
            self.n_ltp.reshape(-1)[idx] += up
            self.n_ltd.reshape(-1)[idx] += down
        # Energy of k pulses ~ k V^2 t (G_before + G_after) / 2 (trapezoid over the train).
        g_sum = (g_old + g_new).ravel()
        up_f = np.maximum(nf, 0.0).ravel()
        e_up = float(up_f @ g_sum)
        e_all = float(np.abs(nf).ravel() @ g_sum)
        self.write_energy += 0.5 * (self._e_ltp * e_up + self._e_ltd * (e_all - e_up))
        n_up = float(up_f.sum())
        n_all = float(np.abs(nf).sum())
        pw = self.device.pulse
        self.write_time += pw.width_ltp * n_up + pw.width_ltd * (n_all - n_up)

    @property
    def pulses(self) -> int:
        """Total pulses sent (potentiating + depressing)."""
        return int(self.n_ltp.sum() + self.n_ltd.sum())
